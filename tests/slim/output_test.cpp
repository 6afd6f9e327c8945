#include "pare/slim/output.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "pare/digest/sha256.hpp"
#include "pare/slim/plan_render.hpp"
#include "pare/util/error.hpp"

using namespace pare;

namespace {

PlanEntry entry(const std::string& path, EntryType type, std::uint32_t mode, std::uint64_t size,
                const std::string& reason) {
  PlanEntry e;
  e.path = path;
  e.type = type;
  e.mode = mode;
  e.size = size;
  e.reason = reason;
  return e;
}

/// A plan as the Planner leaves it: entries sorted by path, the output config without diff_ids.
Plan small_plan() {
  Plan p;
  p.config.architecture = "amd64";
  p.config.os = "linux";
  p.config.config.entrypoint = {"/app"};
  p.config.diff_ids = {Digest::parse("sha256:" + std::string(64, 'a')).value()};
  p.closure.program = "/app";
  p.closure.program_class = ProgramClass::kStatic;
  p.entries = {entry("/tmp", EntryType::kDir, 01777, 0, "base: writable temporary folder"),
               entry("/app", EntryType::kFile, 0755, 2000, "entrypoint")};
  p.folders = {{"app", 5000, 2000}};
  p.before = 5000;
  p.after = 2000;
  return p;
}

LayerBlob layer_with_diff_id(char hex) {
  LayerBlob l;
  l.diff_id = Digest::parse("sha256:" + std::string(64, hex)).value();
  return l;
}

}  // namespace

TEST_CASE("output: the config gets the built layers' diff_ids, and is serialized once") {
  const Plan plan = small_plan();
  std::vector<LayerBlob> layers{layer_with_diff_id('1'), layer_with_diff_id('2')};
  Platform platform;
  platform.os = "linux";
  platform.architecture = "amd64";
  const OutputImage out = to_output_image(platform, plan, std::move(layers));
  const auto config = nlohmann::json::parse(
      std::string(reinterpret_cast<const char*>(out.config.data()), out.config.size()));
  REQUIRE(config["rootfs"]["diff_ids"].size() == 2);
  CHECK(config["rootfs"]["diff_ids"][0] == "sha256:" + std::string(64, '1'));
  CHECK(config["rootfs"]["diff_ids"][1] == "sha256:" + std::string(64, '2'));
  CHECK(out.layers.size() == 2);
  CHECK(out.platform.architecture == "amd64");
  // The plan's own config is untouched: it is a value the dry run prints.
  CHECK(plan.config.diff_ids.size() == 1);
}

TEST_CASE("output: the lambda facts of a plan list its files sorted, one media type a layer") {
  SlimOptions options;
  options.layers = 2;
  const LambdaFacts facts = lambda_facts(small_plan(), options, 1);
  REQUIRE(facts.files.size() == 2);
  CHECK(facts.files[0].path == "/app");
  CHECK(facts.files[1].path == "/tmp");
  CHECK(facts.layer_media_types ==
        std::vector<std::string>(2, "application/vnd.oci.image.layer.v1.tar+gzip"));
  CHECK(check_lambda(facts).empty());
}

TEST_CASE("output: require_lambda names the first broken rule and counts the rest") {
  CHECK_NOTHROW(require_lambda("x", {}));
  try {
    require_lambda("app", {{"lambda-size", "image", "too big"}, {"lambda-read-only", "/", "rw"}});
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kBadInput);
    CHECK(std::string(e.what()) ==
          "app: preset lambda: rule lambda-size: image: too big (and 1 more)");
  }
}

TEST_CASE("plan render: the dry-run JSON and text say every path and why") {
  const Plan plan = small_plan();
  const nlohmann::json j = plan_json("in.tar", "linux/amd64", plan);
  CHECK(j["schemaVersion"] == 1);
  CHECK(j["program"] == "/app");
  REQUIRE(j["entries"].size() == 2);
  CHECK(j["entries"][1]["reason"] == "entrypoint");
  CHECK(j["entries"][1]["mode"] == 0755);
  const std::string text = plan_text("linux/amd64", plan);
  CHECK(text.starts_with("Plan for linux/amd64: /app (static)\n"));
  CHECK(text.find("  2.0 kB  /app  entrypoint\n") != std::string::npos);
  CHECK(text.ends_with("5.0 kB -> 2.0 kB of files, 2 paths\n"));
}
