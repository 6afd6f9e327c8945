#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "../support.hpp"
#include "pare/archive/checkpoints.hpp"
#include "pare/archive/compression.hpp"
#include "pare/util/error.hpp"
#include "pare/util/file.hpp"

// gzip streams made by GNU gzip, and zstd ones by the zstd tool, decompressed once by
// open_decompressed with a Checkpoints, then read again from many plain offsets with open_at:
// the bytes must be exactly what `gzip -dc` (`zstd -dc`) gives from there, the resume must start
// at a checkpoint (not the start), and stored bytes that changed since the first pass must fail
// with exit 3. A small spacing makes many checkpoints.

using namespace pare;

namespace {

constexpr std::uint64_t kSpacing = std::uint64_t{64} << 10U;

std::string read_rest(ByteSource& source, std::size_t chunk, std::size_t limit = SIZE_MAX) {
  std::string out;
  std::vector<std::byte> buf(chunk);
  while (out.size() < limit) {
    const std::size_t want = std::min(chunk, limit - out.size());
    const std::size_t n = source.read(std::span(buf).first(want));
    if (n == 0) break;
    out.append(reinterpret_cast<const char*>(buf.data()), n);
  }
  return out;
}

/// The first pass: inflates `stored` in `chunk`-byte reads, recording into `index`.
std::string first_pass(const std::vector<std::byte>& stored, Checkpoints& index,
                       std::size_t chunk = 65536, Compression want = Compression::kGzip) {
  MemorySource source(stored, "layer.tar.gz");
  Compression kind = Compression::kNone;
  auto plain = open_decompressed(source, &kind, &index);
  CHECK(kind == want);
  return read_rest(*plain, chunk);
}

/// Opens the stored bytes from an offset, as a layer blob read with pread would.
OpenStoredAt opener(const std::vector<std::byte>& stored) {
  return [&stored](std::uint64_t offset) -> std::unique_ptr<ByteSource> {
    REQUIRE(offset <= stored.size());
    return std::make_unique<MemorySource>(
        std::vector<std::byte>(stored.begin() + static_cast<std::ptrdiff_t>(offset), stored.end()),
        "blob");
  };
}

/// Reads from `offset` (to the end when `whole`, else a stretch that crosses checkpoints) and
/// checks the bytes against `want`.
void check_at(const Checkpoints& index, const std::vector<std::byte>& stored,
              const std::string& want, std::uint64_t offset, bool whole) {
  INFO("offset " << offset << " of " << want.size());
  auto source = index.open_at(offset, opener(stored), "layer.tar.gz");
  const std::size_t limit = whole ? SIZE_MAX : std::size_t{3} * kSpacing + 5;
  const std::string got = read_rest(*source, 10007, limit);
  const std::string expected = want.substr(offset, whole ? std::string::npos : limit);
  CHECK(got.size() == expected.size());
  CHECK(got == expected);
}

/// Every kind of offset: 0, each checkpoint and the bytes either side, random ones, the last
/// byte and the end. Also that a far offset resumed from a checkpoint, not the start.
void check_everywhere(const Checkpoints& index, const std::vector<std::byte>& stored,
                      const std::string& want) {
  REQUIRE(index.usable());
  const std::vector<std::uint64_t> points = index.plain_offsets();
  REQUIRE(points.size() == index.size());
  CHECK(points.front() == 0);
  CHECK(points.size() >= want.size() / kSpacing / 2);
  for (std::size_t i = 1; i < points.size(); ++i) CHECK(points[i] - points[i - 1] >= kSpacing);

  check_at(index, stored, want, 0, true);
  for (std::size_t i = 1; i < points.size(); ++i) {
    const std::uint64_t p = points[i];
    const bool whole = i % 8 == 1 || i + 1 == points.size();
    check_at(index, stored, want, p, whole);
    check_at(index, stored, want, p - 1, false);
    if (p + 1 <= want.size()) check_at(index, stored, want, p + 1, false);
  }
  std::mt19937_64 random(42);
  for (int i = 0; i < 16; ++i) {
    check_at(index, stored, want, random() % (want.size() + 1), i % 4 == 0);
  }
  check_at(index, stored, want, want.size() - 1, true);
  check_at(index, stored, want, want.size(), true);

  // Far into the stream, only the bytes from the last checkpoint before it are inflated.
  const std::uint64_t far = points.back() + 1;
  const Checkpoints::Stats before = index.stats();
  auto source = index.open_at(far, opener(stored), "layer.tar.gz");
  CHECK(read_rest(*source, 4096) == want.substr(far));
  const Checkpoints::Stats after = index.stats();
  CHECK(after.resumes == before.resumes + 1);
  CHECK(after.inflated - before.inflated == want.size() - points.back());
  CHECK(after.inflated - before.inflated < far);
}

/// The message of the Error (exit 3) `read` throws, or "(no error)".
std::string bad_input_of(const std::function<void()>& read) {
  try {
    read();
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kBadInput);
    return e.what();
  }
  return "(no error)";
}

/// The Error exit code and message reading from `offset` to the end of `stored` gives.
std::string error_at(const Checkpoints& index, const std::vector<std::byte>& stored,
                     std::uint64_t offset) {
  return bad_input_of([&] {
    auto source = index.open_at(offset, opener(stored), "layer.tar.gz");
    read_rest(*source, 65536);
  });
}

}  // namespace

TEST_CASE("gzip index: open_at gives the bytes gzip -dc gives from any offset") {
  if (!have_tool("gzip")) return;
  const TempDir dir("pare-gzindex");
  const auto d = dir.path().string();
  // Text, random bytes (stored blocks) and a 30 KiB random block repeated 100 times, so that
  // nearly every match reaches 30 KiB back, across every checkpoint.
  must_run("cd " + d +
           " && (seq 1 200000; head -c 700000 /dev/urandom) > plain"
           " && head -c 30720 /dev/urandom > block"
           " && for i in $(seq 100); do cat block; done > repeated"
           " && gzip -6 -c plain > plain6.gz && gzip -1 -c plain > plain1.gz"
           " && gzip -6 -c repeated > repeated.gz && gzip -9 -c block > small.gz"
           " && cat plain6.gz small.gz repeated.gz plain1.gz > multi.gz"
           " && for f in plain6 plain1 repeated multi; do gzip -dc $f.gz > $f.want; done");

  for (const std::string name : {"plain6", "plain1", "repeated", "multi"}) {
    CAPTURE(name);
    const auto stored = file_bytes(dir.path() / (name + ".gz"));
    const std::string want = read_text(dir.path() / (name + ".want"));
    Checkpoints index(kSpacing);
    CHECK(first_pass(stored, index) == want);
    check_everywhere(index, stored, want);
  }

  SUBCASE("checkpoints at odd read boundaries: tiny reads, output pending in the state") {
    const auto stored = file_bytes(dir.path() / "multi.gz");
    const std::string want = read_text(dir.path() / "multi.want");
    for (const std::size_t chunk : {std::size_t{7}, std::size_t{7777}}) {
      CAPTURE(chunk);
      Checkpoints index(kSpacing);
      CHECK(first_pass(stored, index, chunk) == want);
      check_everywhere(index, stored, want);
    }
  }
  SUBCASE("bytes after the last member stay ignored") {
    auto stored = file_bytes(dir.path() / "multi.gz");
    stored.resize(stored.size() + 4096, std::byte{0});
    const std::string want = read_text(dir.path() / "multi.want");
    Checkpoints index(kSpacing);
    CHECK(first_pass(stored, index) == want);
    check_everywhere(index, stored, want);
  }
  SUBCASE("an index is recorded anew by each first pass") {
    const auto stored = file_bytes(dir.path() / "repeated.gz");
    const std::string want = read_text(dir.path() / "repeated.want");
    Checkpoints index(kSpacing);
    CHECK(first_pass(file_bytes(dir.path() / "plain6.gz"), index) ==
          read_text(dir.path() / "plain6.want"));
    CHECK(first_pass(stored, index) == want);
    check_everywhere(index, stored, want);
  }
  SUBCASE("stored bytes truncated or changed after the first pass fail with exit 3") {
    const auto stored = file_bytes(dir.path() / "multi.gz");
    const std::string want = read_text(dir.path() / "multi.want");
    Checkpoints index(kSpacing);
    CHECK(first_pass(stored, index) == want);
    const std::uint64_t far = index.plain_offsets().back() + 1;

    auto cut = stored;
    cut.resize(cut.size() - 20000);
    CHECK(error_at(index, cut, far) ==
          "layer.tar.gz: cannot decompress: truncated gzip data (the stream ends early)");
    CHECK(error_at(index, cut, 10).starts_with("layer.tar.gz: cannot decompress: "));

    auto bad = stored;
    for (std::size_t i = bad.size() - 30000; i < bad.size() - 29800; ++i) bad[i] = std::byte{0xa5};
    CHECK(error_at(index, bad, far).starts_with("layer.tar.gz: cannot decompress: "));
    bad = stored;
    bad[bad.size() - 6] ^= std::byte{0xff};  // the last member's CRC-32
    CHECK(error_at(index, bad, far) ==
          "layer.tar.gz: cannot decompress: gzip CRC-32 or size does not match the data");
    CHECK(error_at(index, stored, want.size() + 1) ==
          "layer.tar.gz: the plain stream ends before offset " + std::to_string(want.size() + 1));
  }
}

TEST_CASE("gzip index: a stream ISA-L did not inflate is read from its start") {
  std::string text;
  for (int i = 0; i < 50000; ++i) text += std::to_string(i) + "\n";
  std::vector<std::byte> stored(text.size());
  std::memcpy(stored.data(), text.data(), text.size());
  Checkpoints index(kSpacing);
  CHECK(first_pass(stored, index, 65536, Compression::kNone) == text);
  CHECK_FALSE(index.usable());
  CHECK(index.size() == 1);
  auto source = index.open_at(200000, opener(stored), "layer.tar");
  CHECK(read_rest(*source, 4096) == text.substr(200000));
  CHECK(index.stats().from_start == 1);
  CHECK(index.stats().inflated == text.size());
}

TEST_CASE("gzip index: a header ISA-L refuses goes to zlib and leaves the index not usable") {
  // Method 7 is no deflate: ISA-L hands the stream to libarchive, whatever it makes of it.
  std::vector<std::byte> stored(64, std::byte{0});
  stored[0] = std::byte{0x1f};
  stored[1] = std::byte{0x8b};
  stored[2] = std::byte{0x07};
  Checkpoints index(kSpacing);
  std::string first;
  try {
    first = first_pass(stored, index);
  } catch (const Error& e) {
    first = e.what();
  }
  CHECK_FALSE(index.usable());
  CHECK(index.size() == 1);
  // open_at reads it from the start the same way.
  std::string again;
  try {
    auto source = index.open_at(0, opener(stored), "layer.tar.gz");
    again = read_rest(*source, 4096);
  } catch (const Error& e) {
    again = e.what();
  }
  CHECK(again == first);
  CHECK(index.stats().from_start == 1);
}

TEST_CASE("zstd checkpoints: open_at resumes at a frame boundary and gives what zstd -dc gives") {
  if (!have_tool("zstd") || !have_tool("split")) return;
  const TempDir dir("pare-zstdindex");
  const auto d = dir.path().string();
  // Frames of 100 KiB each, as zstd:chunked and pzstd write many frames, with a skippable frame
  // (zstd:chunked's table of contents is one) between two of them; and the same bytes in one
  // frame, which has no checkpoint but the start.
  must_run("cd " + d +
           " && (seq 1 200000; head -c 700000 /dev/urandom; seq 1 100000) > plain"
           " && split -b 102400 -d -a 3 plain part."
           " && for p in part.*; do zstd -q -c $p; done > frames.zst"
           " && (for p in part.00*; do zstd -q -c $p; done;"
           "     printf '\\120\\052\\115\\030\\004\\000\\000\\000toc!';"
           "     for p in part.0[1-9]*; do zstd -q -c $p; done) > skippable.zst"
           " && zstd -q -c plain > one.zst"
           " && for f in frames skippable one; do zstd -dc $f.zst > $f.want; done");
  for (const std::string name : {"frames", "skippable"}) {
    CAPTURE(name);
    const auto stored = file_bytes(dir.path() / (name + ".zst"));
    const std::string want = read_text(dir.path() / (name + ".want"));
    Checkpoints index(kSpacing);
    CHECK(first_pass(stored, index, 65536, Compression::kZstd) == want);
    CHECK(index.state_bytes() == 0);  // a frame boundary needs no decoder state
    check_everywhere(index, stored, want);
  }

  SUBCASE("one frame: read from the start") {
    const auto stored = file_bytes(dir.path() / "one.zst");
    const std::string want = read_text(dir.path() / "one.want");
    Checkpoints index(kSpacing);
    CHECK(first_pass(stored, index, 7777, Compression::kZstd) == want);
    CHECK(index.usable());
    CHECK(index.size() == 1);
    auto source = index.open_at(want.size() - 1000, opener(stored), "layer.tar.zst");
    CHECK(read_rest(*source, 4096) == want.substr(want.size() - 1000));
    CHECK(index.stats().from_start == 1);
    CHECK(index.stats().resumes == 0);
  }
  SUBCASE("stored bytes truncated or changed after the first pass fail with exit 3") {
    const auto stored = file_bytes(dir.path() / "frames.zst");
    const std::string want = read_text(dir.path() / "frames.want");
    Checkpoints index(kSpacing);
    CHECK(first_pass(stored, index, 65536, Compression::kZstd) == want);
    const std::uint64_t far = index.plain_offsets().back() + 1;
    auto cut = stored;
    cut.resize(cut.size() - 20);
    CHECK(error_at(index, cut, far) ==
          "layer.tar.gz: cannot decompress: truncated zstd data (the stream ends early)");
    auto bad = stored;
    bad[bad.size() - 2] ^= std::byte{0xff};  // the last frame's checksum
    CHECK(error_at(index, bad, far).starts_with("layer.tar.gz: cannot decompress: "));
  }
}

TEST_CASE("zstd: a first pass over a truncated or corrupt stream fails with exit 3") {
  if (!have_tool("zstd")) return;
  const TempDir dir("pare-zstd");
  must_run("cd " + dir.path().string() + " && seq 1 300000 | zstd -q -c > s.zst");
  const auto stored = file_bytes(dir.path() / "s.zst");
  const auto fails = [](const std::vector<std::byte>& bytes) {
    return bad_input_of([&] {
      Checkpoints index(kSpacing);
      first_pass(bytes, index, 65536, Compression::kZstd);
    });
  };
  auto cut = stored;
  cut.resize(cut.size() / 2);
  CHECK(fails(cut) ==
        "layer.tar.gz: cannot decompress: truncated zstd data (the stream ends early)");
  auto bad = stored;
  bad[bad.size() - 1] ^= std::byte{0x01};
  CHECK(fails(bad).starts_with("layer.tar.gz: cannot decompress: "));
  auto trailing = stored;
  trailing.resize(trailing.size() + 100, std::byte{0x33});
  CHECK(fails(trailing).starts_with("layer.tar.gz: cannot decompress: "));
}
