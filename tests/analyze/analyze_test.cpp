#include "pare/analyze/analyze.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "../support.hpp"
#include "pare/util/error.hpp"
#include "pare/util/file.hpp"

using namespace pare;

namespace {

AnalyzeReport analyze_fixture(const std::string& name, const AnalyzeRequest& request = {}) {
  const auto bundle = open_bundle(testdata(name));
  return analyze_image(*bundle, request);
}

std::string write_file(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = (dir.path() / name).string();
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("analyze: one call reads the image, its program, the slim estimate and the gates") {
  const AnalyzeReport report = analyze_fixture("churn-oci-gzip.tar");
  CHECK(report.layers.size() == 3);
  CHECK(report.format == "oci-archive");
  CHECK(report.program.program == "/bin/hello");
  // The script's interpreter is missing: no plan, and the reason says why.
  CHECK_FALSE(report.slim_size.has_value());
  CHECK(report.slim_error.find("/bin/sh") != std::string::npos);
  CHECK(report.gates.empty());
  CHECK_FALSE(gates_failed(report));
}

TEST_CASE("analyze: the request's gates are evaluated on the report") {
  AnalyzeRequest request;
  request.gates.max_layers = 2;
  const AnalyzeReport report = analyze_fixture("churn-oci-gzip.tar", request);
  REQUIRE(report.gates.size() == 1);
  CHECK(report.gates[0].name == "max-layers");
  CHECK_FALSE(report.gates[0].passed);
  CHECK(gates_failed(report));
  request.gates.max_layers = 3;
  CHECK_FALSE(gates_failed(analyze_fixture("churn-oci-gzip.tar", request)));
}

TEST_CASE("analyze: gate files are pare's JSON or dive's .dive-ci, told apart by their bytes") {
  const TempDir dir("pare-gates");
  const GateConfig json = read_gate_files(write_file(
      dir, "rules", R"({"analyze": {"maxSize": "300MB", "maxLayers": 4, "forbid": ["shell"]}})"));
  CHECK(json.max_size == 300'000'000U);
  CHECK(json.max_layers == 4U);
  CHECK(json.forbid.count("shell") == 1);
  const GateConfig dive =
      read_gate_files(write_file(dir, "dive", "rules:\n  lowestEfficiency: 0.95\n"));
  REQUIRE(dive.min_efficiency.has_value());
  CHECK(*dive.min_efficiency == doctest::Approx(0.95));
  CHECK(read_gate_files(write_file(dir, "empty", "{}")).max_size == std::nullopt);
  try {
    read_gate_files(write_file(dir, "bad", R"({"analyze": {"maxSize": "lots"}})"));
    FAIL("a malformed size was accepted");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kUsage);
    CHECK(std::string(e.what()).find("maxSize") != std::string::npos);
  }
  try {
    read_gate_files((dir.path() / "absent").string());
    FAIL("an absent file was accepted");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kSystem);
  }
}

TEST_CASE("analyze: merging gate configs keeps what the later one does not set") {
  GateConfig into;
  into.max_size = 10;
  into.forbid = {"shell"};
  GateConfig from;
  from.max_layers = 3;
  from.forbid = {"setuid"};
  merge(into, from);
  CHECK(into.max_size == 10U);
  CHECK(into.max_layers == 3U);
  CHECK(into.forbid.size() == 2);
}
