#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "pare/digest/crc64.hpp"

using namespace pare;

namespace {

std::vector<std::byte> bytes_of(const std::string& s) {
  std::vector<std::byte> out(s.size());
  std::memcpy(out.data(), s.data(), s.size());
  return out;
}

}  // namespace

TEST_CASE("crc64: the ECMA-182 reflected check value, in one piece or many") {
  // CRC-64/XZ of "123456789" (the catalogue's check value; xz's own checksum).
  CHECK(crc64_of(bytes_of("123456789")) == 0x995dc9bbdf1939faULL);
  CHECK(crc64_of({}) == 0);
  std::string text;
  for (int i = 0; i < 100000; ++i) text += std::to_string(i * 7919) + ",";
  const auto all = bytes_of(text);
  Crc64 pieces;
  for (std::size_t at = 0; at < all.size(); at += 777) {
    pieces.update(std::span(all).subspan(at, std::min<std::size_t>(777, all.size() - at)));
  }
  CHECK(pieces.value() == crc64_of(all));
  auto changed = all;
  changed[12345] ^= std::byte{1};
  CHECK(crc64_of(changed) != crc64_of(all));
}
