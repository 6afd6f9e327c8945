#include <doctest/doctest.h>

#include <fstream>
#include <limits>
#include <string>

#include "pare/slim/options.hpp"
#include "pare/util/error.hpp"
#include "pare/util/file.hpp"

using namespace pare;

namespace {

/// A .pare.json holding `text`, read by read_slim_options.
SlimOptions slim_options_of(const std::string& text) {
  const TempDir dir("pare-options-test");
  const std::string path = (dir.path() / "pare.json").string();
  std::ofstream(path) << text;
  return read_slim_options(path);
}

ExitCode exit_of(const std::string& text) {
  try {
    slim_options_of(text);
  } catch (const Error& e) {
    return e.code();
  }
  return ExitCode::kOk;
}

}  // namespace

TEST_CASE("slim options: probeTimeout in seconds becomes milliseconds") {
  CHECK(slim_options_of(R"({"slim": {"probeTimeout": 2.5}})").probe_timeout.count() == 2500);
}

TEST_CASE("slim options: a probeTimeout too large for milliseconds is a usage error") {
  // Found by the project_file fuzz target: the conversion of 1e300 s was undefined.
  CHECK(exit_of(R"({"slim": {"probeTimeout": 1e300}})") == ExitCode::kUsage);
  CHECK(exit_of(R"({"slim": {"probeTimeout": -1e300}})") == ExitCode::kUsage);
  CHECK(exit_of(R"({"slim": {"probeTimeout": 1000000000}})") == ExitCode::kOk);
}

TEST_CASE("slim options: --probe-timeout goes through the same bound as probeTimeout") {
  CHECK(probe_timeout_of(2.5, "--probe-timeout").count() == 2500);
  CHECK_THROWS_AS(probe_timeout_of(1e300, "--probe-timeout"), Error);
  CHECK_THROWS_AS(probe_timeout_of(std::numeric_limits<double>::quiet_NaN(), "--probe-timeout"),
                  Error);
}

TEST_CASE("slim options: layers that is no int is a usage error, not an undefined conversion") {
  CHECK(exit_of(R"({"slim": {"layers": 1e300}})") == ExitCode::kUsage);
  CHECK(exit_of(R"({"slim": {"layers": 4294967297}})") == ExitCode::kUsage);
  CHECK(slim_options_of(R"({"slim": {"layers": 2}})").layers == 2);
}
