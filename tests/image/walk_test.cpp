#include "pare/image/walk.hpp"

#include <doctest/doctest.h>

#include "../test_images.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pare/digest/sha256.hpp"
#include "pare/image/image.hpp"
#include "pare/image/media_types.hpp"
#include "pare/util/error.hpp"

using namespace pare;
using nlohmann::json;

using pare::testing::bytes_of;
using pare::testing::MemoryBundle;

namespace {

/// index.json listing one image manifest (its blobs absent: the walk of the index does not
/// read them), an artifact, and a nested index holding a second manifest.
MemoryBundle layout_with_artifact() {
  MemoryBundle b;
  b.files["oci-layout"] = bytes_of(R"({"imageLayoutVersion":"1.0.0"})");
  json image = b.add_blob(R"({"schemaVersion":2})", media_type::kOciManifest);
  image["annotations"] = {{"io.containerd.image.name", "docker.io/library/app:1"},
                          {"org.opencontainers.image.ref.name", "1"}};
  const json artifact = b.add_blob("{}", "application/vnd.example.sbom+json");
  const json inner = b.add_blob(R"({"schemaVersion":2,"layers":[]})", media_type::kOciManifest);
  const json nested =
      b.add_blob(json{{"schemaVersion", 2}, {"manifests", json::array({inner})}}.dump(),
                 media_type::kOciIndex);
  b.files["index.json"] = bytes_of(
      json{{"schemaVersion", 2}, {"manifests", json::array({image, artifact, nested})}}.dump());
  return b;
}

}  // namespace

TEST_CASE("the walk lists image manifests depth first, with one name each") {
  const MemoryBundle b = layout_with_artifact();
  FaultCollector faults;
  FormatWalk walk(b, faults);
  std::vector<ListedManifest> listed;
  walk.walk_index([&](const ListedManifest& m) { listed.push_back(m); });
  REQUIRE(listed.size() == 2);
  // containerd's full name, not the bare tag ref.name holds.
  CHECK(listed[0].names == std::vector<std::string>{"docker.io/library/app:1"});
  CHECK_FALSE(listed[0].nested);
  CHECK(listed[1].nested);
  CHECK(walk.indexes() == 2);
}

TEST_CASE("an artifact is a fault the collecting policy reports and the stopping one reads past") {
  const MemoryBundle b = layout_with_artifact();
  FaultCollector faults;
  FormatWalk collecting(b, faults);
  collecting.walk_index([](const ListedManifest&) {});
  REQUIRE(faults.problems.size() == 1);
  CHECK(faults.problems[0].check == "media-type");
  CHECK(faults.problems[0].message == "unknown media type application/vnd.example.sbom+json");

  StopAtFirstFault stop(b);
  FormatWalk stopping(b, stop);
  std::size_t manifests = 0;
  CHECK_NOTHROW(stopping.walk_index([&](const ListedManifest&) { ++manifests; }));
  CHECK(manifests == 2);
}

TEST_CASE("the same fault: every piece collected, the first one thrown in the loader's words") {
  MemoryBundle b = layout_with_artifact();
  // A nested index that is missing, and an oci-layout of another version.
  b.files["oci-layout"] = bytes_of(R"({"imageLayoutVersion":"2.0.0"})");
  for (auto it = b.files.begin(); it != b.files.end();) {
    it = to_string(it->second).find("\"manifests\"") != std::string::npos &&
                 it->first != "index.json"
             ? b.files.erase(it)
             : std::next(it);
  }
  FaultCollector faults;
  FormatWalk collecting(b, faults);
  collecting.read_layout_file();
  collecting.walk_index([](const ListedManifest&) {});
  std::string checks;
  for (const auto& p : faults.problems) checks += (checks.empty() ? "" : ",") + p.check;
  CHECK(checks == "oci-layout,media-type,blob-missing");
  CHECK(collecting.indexes() == 2);

  StopAtFirstFault stop(b);
  FormatWalk stopping(b, stop);
  try {
    stopping.read_layout_file();
    FAIL("no throw");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kBadInput);
    CHECK(std::string(e.what()) ==
          R"(mem: oci-layout has imageLayoutVersion "2.0.0", expected "1.0.0")");
  }
  try {
    stopping.walk_index([](const ListedManifest&) {});
    FAIL("no throw");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).starts_with("mem: index blob sha256:"));
    CHECK(std::string(e.what()).ends_with(" is missing"));
  }
}

TEST_CASE("a fault said in finer pieces: the loader's one line, verify's several problems") {
  MemoryBundle b;
  b.files["oci-layout"] = bytes_of(R"({"imageLayoutVersion":"1.0.0"})");
  b.files["index.json"] = bytes_of(R"({"manifests":[{"mediaType":"x"}]})");
  FaultCollector faults;
  FormatWalk collecting(b, faults);
  collecting.walk_index([](const ListedManifest&) {});
  std::string checks;
  for (const auto& p : faults.problems) checks += (checks.empty() ? "" : ",") + p.check;
  CHECK(checks == "json,json");  // no schemaVersion; a descriptor without digest

  StopAtFirstFault stop(b);
  FormatWalk stopping(b, stop);
  CHECK_THROWS_WITH_AS(stopping.walk_index([](const ListedManifest&) {}),
                       doctest::Contains("mem: index.json is malformed: "), Error);
}

TEST_CASE("the collector says each fault once and counts each file once") {
  FaultCollector faults;
  faults.report({"json", "index.json", "two\nlines"});
  faults.report({"json", "index.json", "two\nlines"});
  faults.report({"", "index.json", "", "only the loader's words"});
  REQUIRE(faults.problems.size() == 1);
  CHECK(faults.problems[0].message == "two lines");
  faults.hashed("a", 10);
  faults.hashed("a", 10);
  faults.hashed("b", 5);
  CHECK(faults.blobs == 2);
  CHECK(faults.bytes == 15);
}

TEST_CASE("a number no double holds is invalid JSON to both policies, not another exception") {
  // Found by the model fuzz target: nlohmann throws out_of_range, not parse_error, for 1e400.
  MemoryBundle b;
  b.files["oci-layout"] = bytes_of(R"({"imageLayoutVersion":"1.0.0"})");
  b.files["index.json"] = bytes_of(R"({"schemaVersion":2,"manifests":[],"x":1e400})");
  try {
    load_image(b, {});
    FAIL("load_image read an index.json with 1e400");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kBadInput);
    CHECK(std::string(e.what()).find("index.json is not valid JSON") != std::string::npos);
  }
  FaultCollector faults;
  FormatWalk walk(b, faults);
  walk.walk_index([](const ListedManifest&) {});
  REQUIRE(faults.problems.size() == 1);
  CHECK(faults.problems[0].check == "json");
}
