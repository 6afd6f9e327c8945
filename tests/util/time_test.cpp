#include "pare/util/time.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace pare;

TEST_CASE("RFC 3339 times as Go's time.RFC3339 reads them") {
  for (const std::string ok : {"2024-01-02T03:04:05Z", "2024-01-02T03:04:05.123456789Z",
                               "2024-02-29T23:59:59+01:00", "1970-01-01T00:00:00-08:00"}) {
    CAPTURE(ok);
    CHECK(is_rfc3339(ok));
  }
  for (const std::string bad :
       {"", "yesterday", "2024-01-02 03:04:05", "2024-01-02T03:04:05", "2024-01-02t03:04:05Z",
        "2024-01-02T03:04:05z", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z",
        "2024-01-02T24:00:00Z", "2024-01-02T03:04:05.Z", "2024-01-02T03:04:05+0100",
        "2024-01-02T03:04:05+01:00x", "2024-1-02T03:04:05Z"}) {
    CAPTURE(bad);
    CHECK_FALSE(is_rfc3339(bad));
  }
}
