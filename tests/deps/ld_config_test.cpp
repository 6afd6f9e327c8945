#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "pare/deps/ld_config.hpp"

using namespace pare;

namespace {

std::vector<std::byte> read_host_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(chars.size());
  std::transform(chars.begin(), chars.end(), out.begin(), [](char c) { return std::byte(c); });
  return out;
}

}  // namespace

TEST_CASE("the ld.so.cache the host's ldconfig wrote parses to its libc") {
  // Written by glibc's own ldconfig: an independent producer of the format.
  const auto bytes = read_host_file("/etc/ld.so.cache");
  REQUIRE(bytes.size() > 48);
  const auto entries = parse_ld_so_cache(bytes);
  REQUIRE_FALSE(entries.empty());
  const auto libc = std::find_if(entries.begin(), entries.end(),
                                 [](const LdCacheEntry& e) { return e.soname == "libc.so.6"; });
  REQUIRE(libc != entries.end());
  CHECK(libc->path.ends_with("/libc.so.6"));
  CHECK(libc->flags == ld_cache_flags(62));  // x86-64, libc6
}

TEST_CASE("a malformed ld.so.cache gives what it can, never a crash") {
  auto bytes = read_host_file("/etc/ld.so.cache");
  for (std::size_t cut : {0UL, 10UL, 30UL, 47UL, 48UL, 100UL, bytes.size() / 2}) {
    CAPTURE(cut);
    const auto part = std::span(bytes).first(std::min(cut, bytes.size()));
    CHECK_NOTHROW(parse_ld_so_cache(part));
  }
  // A count far past the end.
  if (bytes.size() > 48) {
    bytes[20] = std::byte{0xff};
    bytes[21] = std::byte{0xff};
    bytes[22] = std::byte{0xff};
    CHECK_NOTHROW(parse_ld_so_cache(bytes));
  }
}

TEST_CASE("nsswitch.conf: services per database, actions and comments skipped") {
  const auto sources = parse_nsswitch(
      "# comment\npasswd:         files systemd\n"
      "hosts: files [NOTFOUND=return] mdns4_minimal dns  # trailing\n"
      "bogus line\n");
  std::vector<std::string> got;
  for (const auto& s : sources) got.push_back(s.database + ":" + s.service);
  CHECK(got == std::vector<std::string>{"passwd:files", "passwd:systemd", "hosts:files",
                                        "hosts:mdns4_minimal", "hosts:dns"});
}
