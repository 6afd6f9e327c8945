#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "../support.hpp"
#include "pare/archive/compression.hpp"
#include "pare/util/error.hpp"
#include "pare/util/file.hpp"

// gzip streams made by GNU gzip, inflated by open_decompressed (ISA-L for gzip): the plain
// bytes must be exactly what `gzip -dc` gives, and every fault a clear error.

using namespace pare;

namespace {

/// Inflates `compressed`, reading in `chunk`-byte steps, as a layer reader does.
std::string inflate(std::vector<std::byte> compressed, std::size_t chunk = 65536) {
  MemorySource source(std::move(compressed), "layer.tar.gz");
  Compression kind = Compression::kNone;
  auto plain = open_decompressed(source, &kind);
  CHECK(kind == Compression::kGzip);
  std::string out;
  std::vector<std::byte> buf(chunk);
  for (std::size_t n; (n = plain->read(buf)) != 0;) {
    out.append(reinterpret_cast<const char*>(buf.data()), n);
  }
  return out;
}

std::string inflate_error(std::vector<std::byte> compressed) {
  try {
    inflate(std::move(compressed));
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kBadInput);
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("gzip inflate: the bytes gzip -dc gives, in any read size, members one after another") {
  if (!have_tool("gzip")) return;
  const TempDir dir("pare-inflate");
  const auto d = dir.path().string();
  // 3 MB of text and binary, so blocks of every kind and several input buffers are crossed.
  must_run("cd " + d +
           " && (seq 1 200000; head -c 1000000 /dev/urandom) > plain && gzip -6 -k plain"
           " && gzip -1 -c plain > fast.gz && cat plain.gz fast.gz > multi.gz"
           " && gzip -dc multi.gz > multi.plain && gzip -dc plain.gz > one.plain"
           " && printf 'extra' | gzip -N -c > named.gz && gzip -dc named.gz > named.plain");
  const std::string want = read_text(dir.path() / "one.plain");
  CHECK(inflate(file_bytes(dir.path() / "plain.gz")) == want);
  CHECK(inflate(file_bytes(dir.path() / "plain.gz"), 7) == want);
  CHECK(inflate(file_bytes(dir.path() / "multi.gz")) == read_text(dir.path() / "multi.plain"));
  CHECK(inflate(file_bytes(dir.path() / "named.gz")) == "extra");

  SUBCASE("bytes after the last member that are no member are ignored, as gzip ignores them") {
    auto padded = file_bytes(dir.path() / "plain.gz");
    padded.resize(padded.size() + 1024, std::byte{0});
    CHECK(inflate(std::move(padded)) == want);
  }
  SUBCASE("a truncated stream is an error naming the input") {
    auto cut = file_bytes(dir.path() / "plain.gz");
    cut.resize(cut.size() / 2);
    CHECK(inflate_error(std::move(cut)) ==
          "layer.tar.gz: cannot decompress: truncated gzip data (the stream ends early)");
    auto no_trailer = file_bytes(dir.path() / "plain.gz");
    no_trailer.resize(no_trailer.size() - 4);
    CHECK(inflate_error(std::move(no_trailer)).starts_with("layer.tar.gz: cannot decompress: "));
  }
  SUBCASE("a wrong CRC-32 or size is an error") {
    auto bad = file_bytes(dir.path() / "plain.gz");
    bad[bad.size() - 6] ^= std::byte{0xff};  // in the CRC-32 of the trailer
    CHECK(inflate_error(bad) ==
          "layer.tar.gz: cannot decompress: gzip CRC-32 or size does not match the data");
    bad = file_bytes(dir.path() / "plain.gz");
    bad[bad.size() - 2] ^= std::byte{0x01};  // in ISIZE
    CHECK(inflate_error(bad) ==
          "layer.tar.gz: cannot decompress: gzip CRC-32 or size does not match the data");
  }
  SUBCASE("corrupt deflate data is an error") {
    auto bad = file_bytes(dir.path() / "plain.gz");
    for (std::size_t i = 40; i < 240; ++i) bad[i] = std::byte{0xff};
    CHECK(inflate_error(std::move(bad)).starts_with("layer.tar.gz: cannot decompress: "));
  }
}
