#include "pare/util/limits.hpp"

#include <doctest/doctest.h>

#include <span>
#include <string>
#include <string_view>

using namespace pare;

namespace {

bool deeper(std::string_view text, std::uint64_t max_depth) {
  return json_nests_deeper(std::as_bytes(std::span(text)), max_depth);
}

}  // namespace

TEST_CASE("json_nests_deeper counts arrays and objects, not what strings hold") {
  CHECK_FALSE(deeper(R"({"a":[1,{"b":[]}]})", 4));
  CHECK(deeper(R"({"a":[1,{"b":[]}]})", 3));
  CHECK_FALSE(deeper("", 0));
  CHECK_FALSE(deeper("17", 0));
  CHECK(deeper("[]", 0));
  // Brackets in strings, escaped quotes among them, do not nest.
  CHECK_FALSE(deeper(R"(["[[[{{{", "\"[[[", "\\", {}])", 2));
  CHECK(deeper(R"(["\\", [[]]])", 2));
  // Siblings do not add up: depth is how far they nest.
  CHECK_FALSE(deeper("[[],[],[],{},{}]", 2));
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  CHECK(deeper(deep, 99));
  CHECK_FALSE(deeper(deep, 100));
}

TEST_CASE("the limits' defaults") {
  const InputLimits limits;
  CHECK(limits.max_image_bytes == 256ULL << 30U);
  CHECK(limits.max_layer_bytes == 64ULL << 30U);
  CHECK(limits.max_symlinks == 40);
  CHECK(limits.max_json_bytes == 16U << 20U);
  CHECK(limits.max_json_depth == 64);
  CHECK(limits.max_index_depth == 8);
}
