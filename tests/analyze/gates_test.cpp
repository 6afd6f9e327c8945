#include <doctest/doctest.h>

#include "pare/analyze/gates.hpp"
#include "pare/util/error.hpp"

using namespace pare;

TEST_CASE("sizes and ratios as people write them") {
  CHECK(parse_size("300MB") == 300'000'000ULL);
  CHECK(parse_size("20Mb") == 20'000'000ULL);  // dive's sample .dive-ci
  CHECK(parse_size("1.5GiB") == 1'610'612'736ULL);
  CHECK(parse_size(" 1024 ") == 1024ULL);
  CHECK_FALSE(parse_size("lots").has_value());
  CHECK_FALSE(parse_size("10 parsecs").has_value());
  CHECK_FALSE(parse_size("-1MB").has_value());
  CHECK(parse_ratio("0.9") == doctest::Approx(0.9));
  CHECK(parse_ratio("90%") == doctest::Approx(0.9));
  CHECK_FALSE(parse_ratio("0.9x").has_value());
}

TEST_CASE(".dive-ci: dive's keys in either case, disabled rules skipped, bad values named") {
  const GateConfig c = parse_dive_ci(
      "plugins:\n  - p\nrules:\n  lowestEfficiency: 0.95 # comment\n"
      "  highest_wasted_bytes: disabled\n  highestUserWastedPercent: '0.5'\n  p/rule: error\n",
      ".dive-ci");
  CHECK(c.min_efficiency == doctest::Approx(0.95));
  CHECK_FALSE(c.dive_max_wasted.has_value());
  CHECK(c.dive_max_user_wasted_percent == doctest::Approx(0.5));
  CHECK_THROWS_WITH_AS(parse_dive_ci("rules:\n  lowestEfficiency: high\n", "ci.yaml"),
                       doctest::Contains("ci.yaml: lowestEfficiency"), Error);
}

TEST_CASE("gates say what failed and by how much; dive's rules fail at the threshold") {
  GateConfig c;
  c.max_layers = 3;
  c.dive_max_wasted = 100;
  c.forbid = {"root-user"};
  GateInputs in;
  in.layers = 5;
  in.dive_wasted = 100;
  in.user = "65532";
  const auto results = evaluate_gates(c, in);
  REQUIRE(results.size() == 3);
  CHECK_FALSE(results[0].passed);
  CHECK(results[0].message == "max-layers: 5 is over the limit of 3 by 2");
  CHECK_FALSE(results[1].passed);  // met, which dive counts as a failure
  CHECK(results[2].passed);
}
