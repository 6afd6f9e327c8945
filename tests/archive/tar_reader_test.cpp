#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

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

namespace {

/// A file range that counts what is read of it and what is skipped.
class CountedRange final : public ByteSource {
 public:
  explicit CountedRange(const std::filesystem::path& file)
      : inner_(std::make_shared<const UniqueFd>(open_read(file)), 0,
               std::filesystem::file_size(file), file.string()) {}
  std::size_t read(std::span<std::byte> buf) override {
    const std::size_t n = inner_.read(buf);
    read_ += n;
    return n;
  }
  std::uint64_t skip(std::uint64_t count) override {
    const std::uint64_t n = inner_.skip(count);
    skipped_ += n;
    return n;
  }
  std::string name() const override { return inner_.name(); }
  std::uint64_t read_bytes() const { return read_; }
  std::uint64_t skipped_bytes() const { return skipped_; }

 private:
  FileRangeSource inner_;
  std::uint64_t read_ = 0;
  std::uint64_t skipped_ = 0;
};

}  // namespace

TEST_CASE("TarReader skips a member it does not read by seeking, offsets still exact") {
  if (!have_tool("tar")) return;
  const TempDir dir("pare-tarskip");
  const auto d = dir.path().string();
  must_run("cd " + d + " && mkdir m && head -c 8388608 /dev/zero > m/big && echo small > m/small" +
           " && tar --sort=name -C m -cf t.tar big small");
  const auto expected = gnu_tar_offsets(d + "/t.tar");
  REQUIRE(expected.size() == 2);
  CountedRange source(dir.path() / "t.tar");
  TarReader reader(source);
  TarEntry entry;
  std::vector<std::uint64_t> offsets;
  std::string small;
  while (reader.next(entry)) {
    offsets.push_back(reader.data_offset());
    if (entry.path == "small") small = to_string(read_entry_data(reader, 100));
  }
  CHECK(offsets == std::vector<std::uint64_t>{expected[0].second, expected[1].second});
  CHECK(small == "small\n");
  // The 8 MiB member is seeked past, not read: only headers and a buffer's worth are read.
  CHECK(source.skipped_bytes() >= (std::uint64_t{7} << 20U));
  CHECK(source.read_bytes() < (std::uint64_t{1} << 20U));
}

namespace {

/// A file whose reads work and whose skips fail (an inflater past corrupt bytes, a limit
/// passed), counting the skips asked of it; after 100 it skips nothing, so a reader that asks
/// again and again ends.
class FailingSkip final : public ByteSource {
 public:
  explicit FailingSkip(const std::filesystem::path& file)
      : inner_(std::make_shared<const UniqueFd>(open_read(file)), 0,
               std::filesystem::file_size(file), file.string()) {}
  std::size_t read(std::span<std::byte> buf) override { return inner_.read(buf); }
  std::uint64_t skip(std::uint64_t /*count*/) override {
    if (++skips_ > 100) return 0;
    throw Error::bad_input(inner_.name(), "corrupt bytes");
  }
  std::string name() const override { return inner_.name(); }
  int skips() const { return skips_; }

 private:
  FileRangeSource inner_;
  int skips_ = 0;
};

}  // namespace

TEST_CASE("TarReader stops at a skip that fails, with its error, asking it once") {
  // Found by the archive fuzz target: a failed skip returned -1 to libarchive, whose skip loop
  // then asked for one byte more, forever.
  if (!have_tool("tar")) return;
  const TempDir dir("pare-tarskip");
  const auto d = dir.path().string();
  must_run("cd " + d + " && mkdir m && head -c 8388608 /dev/zero > m/big && echo small > m/small" +
           " && tar --sort=name -C m -cf t.tar big small");
  FailingSkip source(dir.path() / "t.tar");
  TarReader reader(source);
  TarEntry entry;
  try {
    while (reader.next(entry)) {
    }
    FAIL("the failed skip went unnoticed");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("corrupt bytes") != std::string::npos);
  }
  CHECK(source.skips() == 1);
}

TEST_CASE("a damaged tar header is a bad-input error, not libarchive's state error") {
  const TempDir dir("pare-tar-test");
  const auto root = dir.path();
  std::filesystem::create_directory(root / "in");
  std::ofstream(root / "in" / "a") << std::string(600, 'a');
  std::ofstream(root / "in" / "b") << "b";
  const std::string tar = (root / "t.tar").string();
  must_run("tar --format=ustar -C '" + (root / "in").string() + "' -cf '" + tar + "' a b");
  // b's header follows a's (512 bytes of header, 1024 of data): its name's first byte changed,
  // the header's checksum no longer holds.
  {
    std::FILE* f = std::fopen(tar.c_str(), "r+b");
    REQUIRE(f != nullptr);
    std::fseek(f, 1536, SEEK_SET);
    std::fputc('c', f);
    std::fclose(f);
  }
  FileSource source(tar);
  TarReader reader(source);
  TarEntry entry;
  std::vector<std::byte> buf(4096);
  try {
    while (reader.next(entry)) {
      while (reader.read_data(buf) > 0) {
      }
    }
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kBadInput);
    const std::string what = e.what();
    CHECK(what.find("t.tar") != std::string::npos);
    CHECK(what.find("INTERNAL ERROR") == std::string::npos);
    CHECK(what.find("Damaged tar archive") != std::string::npos);
  }
}
