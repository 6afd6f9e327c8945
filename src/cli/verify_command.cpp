#include <cstdint>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "commands.hpp"
#include "image_options.hpp"
#include "pare/image/bundle.hpp"
#include "pare/util/error.hpp"
#include "pare/verify/structure.hpp"
#include "terminal.hpp"

namespace pare::cli {

namespace {

struct VerifyOptions {
  ImageOptions image;
  std::string format = "text";
  bool quiet = false;
};

/// What every group of checks hands back: its failures and what it looked at. The structure
/// checks are the first group; content and run checks append theirs to the same list, and the
/// result is rendered once.
struct VerifyResult {
  std::vector<Problem> problems;
  /// Counts in the order they are shown: "blobs", "manifests", ... Each group adds its own keys.
  std::vector<std::pair<std::string, std::uint64_t>> checked;
};

void add_structure_checks(const Bundle& bundle, const VerifyOptions& options,
                          VerifyResult& result) {
  StructureOptions structure;
  structure.limits = options.image.limits();
  structure.selector = options.image.selector();
  StructureReport report = verify_structure(bundle, structure);
  for (auto& p : report.problems) result.problems.push_back(std::move(p));
  const StructureCounts& c = report.counts;
  result.checked.insert(result.checked.end(), {{"blobs", c.blobs},
                                               {"indexes", c.indexes},
                                               {"manifests", c.manifests},
                                               {"configs", c.configs},
                                               {"layers", c.layers},
                                               {"bytes", c.bytes}});
}

std::string plural(std::uint64_t n, const std::string& one) {
  return std::to_string(n) + " " + one + (n == 1 ? "" : "s");
}

/// "5 blobs, 1 manifest, 2 layers": the counts a reader cares about; the JSON report has all.
std::string summary(const VerifyResult& result) {
  std::string out;
  for (const auto& [key, n] : result.checked) {
    std::string one;
    if (key == "blobs") one = "blob";
    if (key == "manifests") one = "manifest";
    if (key == "layers") one = "layer";
    if (one.empty()) continue;
    out += (out.empty() ? "" : ", ") + plural(n, one);
  }
  return out;
}

void render_text(const VerifyResult& result, const VerifyOptions& options, const Terminal& term) {
  const char* fail = term.color_stdout ? "\033[31mFAIL\033[0m" : "FAIL";
  for (const auto& p : result.problems) {
    std::cout << fail << " " << p.check << ": " << p.where << ": " << p.message << "\n";
  }
  if (options.quiet) return;
  if (result.problems.empty()) {
    std::cout << "verify: ok (" << summary(result) << ")\n";
  } else {
    std::cout << "verify: " << result.problems.size() << " checks failed\n";
  }
}

void render_json(const VerifyResult& result, const VerifyOptions& options) {
  nlohmann::ordered_json j;
  j["schemaVersion"] = 1;
  j["image"] = options.image.image;
  j["ok"] = result.problems.empty();
  j["problems"] = nlohmann::ordered_json::array();
  for (const auto& p : result.problems) {
    j["problems"].push_back({{"check", p.check}, {"where", p.where}, {"message", p.message}});
  }
  j["checked"] = nlohmann::ordered_json::object();
  for (const auto& [key, n] : result.checked) j["checked"][key] = n;
  std::cout << j.dump(2) << "\n";
}

int run_verify(const VerifyOptions& options) {
  const Terminal term = Terminal::detect(options.quiet);
  // An input that is no tar or folder at all is an error (exit 3 or 4), not a failed check.
  const auto bundle = open_bundle(options.image.image);
  VerifyResult result;
  add_structure_checks(*bundle, options, result);
  if (options.format == "json") {
    render_json(result, options);
  } else {
    render_text(result, options, term);
  }
  return result.problems.empty() ? 0 : static_cast<int>(ExitCode::kCheckFailed);
}

}  // namespace

void add_verify_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<VerifyOptions>();
  CLI::App* cmd = app.add_subcommand(
      "verify",
      "Check that an image is what it states: digests, sizes, diff_ids, counts, media "
      "types, platforms");
  add_image_options(*cmd, options->image);
  cmd->add_option("--format", options->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_flag("-q,--quiet", options->quiet, "print only the FAIL lines");
  cmd->callback([options, &exit_code] { exit_code = run_verify(*options); });
}

}  // namespace pare::cli
