#include <doctest/doctest.h>

#include "pare/util/path.hpp"

using pare::clamp_path;
using pare::normalize_path;

TEST_CASE("normalize_path applies tar semantics inside the root") {
  CHECK(normalize_path("./etc/passwd") == "etc/passwd");
  CHECK(normalize_path("/etc//passwd/") == "etc/passwd");
  CHECK(normalize_path("a/./b/../c") == "a/c");
  CHECK(normalize_path("./") == "");
  CHECK(normalize_path("a/..") == "");
}

TEST_CASE("normalize_path refuses a path that climbs out of the root") {
  CHECK_FALSE(normalize_path("../evil").has_value());
  CHECK_FALSE(normalize_path("a/../../evil").has_value());
  CHECK_FALSE(normalize_path("/../etc").has_value());
}

TEST_CASE("clamp_path keeps '..' at the root, as a chroot does") {
  CHECK(clamp_path("../../../../etc/hostname") == "etc/hostname");
  CHECK(clamp_path("/a/../../b") == "b");
}
