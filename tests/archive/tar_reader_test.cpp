#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "../support.hpp"
#include "pare/archive/compression.hpp"
#include "pare/archive/tar_reader.hpp"
#include "pare/digest/sha256.hpp"
#include "pare/util/error.hpp"
#include "pare/util/file.hpp"

using namespace pare;

namespace {

/// Every member's name and data offset as GNU tar reports them (`tar -tvR`: block numbers).
std::vector<std::pair<std::string, std::uint64_t>> gnu_tar_offsets(const std::string& file) {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  const std::string cmd = "tar --quoting-style=literal -tvRf '" + file + "'";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char line[4096];
  while (std::fgets(line, sizeof line, pipe) != nullptr) {
    std::string s(line);
    if (s.back() == '\n') s.pop_back();
    unsigned long long block = 0;
    if (std::sscanf(s.c_str(), "block %llu:", &block) != 1) continue;
    if (s.find("** Block of NULs **") != std::string::npos) continue;
    const auto name_start = s.rfind(' ');  // names in the fixtures have no spaces
    // The header is at `block`; GNU tar prints the block of the last header (after any
    // long-name or PAX blocks), so the data starts one block later.
    out.emplace_back(s.substr(name_start + 1), (block + 1) * 512);
  }
  ::pclose(pipe);
  return out;
}

}  // namespace

TEST_CASE("TarReader's data offsets equal GNU tar's block numbers") {
  const std::string file = testdata("churn-docker-legacy.tar");
  const auto expected = gnu_tar_offsets(file);
  REQUIRE(expected.size() > 5);
  FileSource source(file);
  TarReader reader(source);
  TarEntry entry;
  std::size_t i = 0;
  while (reader.next(entry)) {
    REQUIRE(i < expected.size());
    std::string name = entry.path;
    if (entry.type == EntryType::kDir && !name.ends_with('/')) name += '/';
    CHECK(name == expected[i].first);
    CHECK(reader.data_offset() == expected[i].second);
    ++i;
  }
  CHECK(i == expected.size());
}

TEST_CASE("compression is detected from magic bytes") {
  const std::vector<std::byte> gz = {std::byte{0x1f}, std::byte{0x8b}, std::byte{8}};
  CHECK(detect_compression(gz) == Compression::kGzip);
  const std::vector<std::byte> zs = {std::byte{0x28}, std::byte{0xb5}, std::byte{0x2f},
                                     std::byte{0xfd}};
  CHECK(detect_compression(zs) == Compression::kZstd);
  CHECK(detect_compression(std::span(zs).first(3)) == Compression::kNone);
  CHECK(detect_compression({}) == Compression::kNone);
}

TEST_CASE("a truncated tar is a bad-input error naming the source") {
  FileSource source(testdata("bad-truncated-outer.tar"));
  TarReader reader(source);
  TarEntry entry;
  try {
    while (reader.next(entry)) {
    }
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kBadInput);
    CHECK(std::string(e.what()).find("bad-truncated-outer.tar") != std::string::npos);
  }
}
