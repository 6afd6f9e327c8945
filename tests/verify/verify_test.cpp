#include "pare/verify/verify.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "../support.hpp"
#include "pare/util/error.hpp"
#include "pare/verify/report.hpp"

using namespace pare;

namespace {

bool has_check(const VerifyReport& report, const std::string& check) {
  return std::any_of(report.problems.begin(), report.problems.end(),
                     [&](const Problem& p) { return p.check == check; });
}

std::vector<std::string> keys(const VerifyReport& report) {
  std::vector<std::string> out;
  for (const auto& [key, n] : report.checked) out.push_back(key);
  return out;
}

VerifyReport verify_fixture(const std::string& name, const VerifyRequest& request = {}) {
  const auto bundle = open_bundle(testdata(name));
  return verify_image(*bundle, request);
}

}  // namespace

TEST_CASE("verify: output_matches is grep -E, line by line, or over the whole output") {
  CHECK(output_matches("hello\nworld\n", "^world$"));
  CHECK(output_matches("hello\nworld\n", "o w") == false);
  CHECK(output_matches("hello\nworld", "hello\nworld"));
  CHECK_FALSE(output_matches("", "x"));
  CHECK(output_matches("", "^$"));
}

TEST_CASE("verify: a request that cannot run is a usage error") {
  VerifyRequest args_without_run;
  args_without_run.args = {"-v"};
  CHECK_THROWS_AS(validate(args_without_run), Error);
  try {
    validate(args_without_run);
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kUsage);
  }
  VerifyRequest bad_regex;
  bad_regex.expect_output = "(";
  CHECK_THROWS_AS(validate(bad_regex), Error);
  VerifyRequest fine;
  fine.run = true;
  fine.args = {"-v"};
  fine.expect_output = "^ok$";
  CHECK_NOTHROW(validate(fine));
}

TEST_CASE("verify: structure counts come first, then the content pass's, in a fixed order") {
  const VerifyReport report = verify_fixture("churn-oci-gzip.tar");
  CHECK(keys(report) == std::vector<std::string>{"blobs", "indexes", "manifests", "configs",
                                                 "layers", "bytes", "programs"});
  // The fixture's script names /bin/sh, which the image lacks: a content fault only.
  REQUIRE(report.problems.size() == 1);
  CHECK(report.problems[0].check == "closure");
  CHECK_FALSE(report.ok());
  CHECK(render_text(report, false, false).ends_with("verify: 1 checks failed\n"));
  CHECK(to_json(report, "x.tar")["checked"]["programs"] == 1);
}

TEST_CASE("verify: an image the content pass cannot read is explained by the structure fault") {
  const VerifyReport report = verify_fixture("bad-blob-digest.tar");
  CHECK(has_check(report, "blob-digest"));
  CHECK_FALSE(has_check(report, "image"));
}

TEST_CASE("verify: several images are named by their platform in each problem") {
  const VerifyReport report = verify_fixture("multi.tar");
  REQUIRE(report.problems.size() == 2);
  CHECK(report.problems[0].where.starts_with("linux/amd64 "));
  CHECK(report.problems[1].where.starts_with("linux/arm64/v8 "));
  CHECK(report.checked.back() == std::pair<std::string, std::uint64_t>{"programs", 2});
}

TEST_CASE("verify: the lambda preset adds its rules; without it they are not checked") {
  CHECK_FALSE(has_check(verify_fixture("churn-oci-zstd.tar"), "lambda-gzip-layers"));
  VerifyRequest lambda;
  lambda.preset = Preset::kLambda;
  const VerifyReport report = verify_fixture("churn-oci-zstd.tar", lambda);
  CHECK(std::count_if(report.problems.begin(), report.problems.end(),
                      [](const Problem& p) { return p.check == "lambda-gzip-layers"; }) == 3);
}

TEST_CASE("verify: with run, an image whose content checks fail is not started") {
  VerifyRequest run;
  run.run = true;
  const VerifyReport report = verify_fixture("churn-oci-gzip.tar", run);
  CHECK(report.runs.empty());
  REQUIRE(has_check(report, "run"));
  const auto it = std::find_if(report.problems.begin(), report.problems.end(),
                               [](const Problem& p) { return p.check == "run"; });
  CHECK(it->message == "not started: the closure check failed");
  CHECK(report.checked.back() == std::pair<std::string, std::uint64_t>{"runs", 0});
}
