#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pare/image/image_writer.hpp"
#include "pare/rules/lambda.hpp"
#include "pare/slim/plan.hpp"

namespace pare::cli {

/// The flags slim and pack share: where and how to write, and the config's overrides, as given
/// (empty or 0: not given).
struct OutputFlags {
  std::string output;
  bool dry_run = false;
  std::string format = "text";
  bool quiet = false;
  bool no_ca_certs = false;
  bool no_tzdata = false;
  std::string user;
  std::string workdir;
  std::string entrypoint;
  std::string cmd;
  std::vector<std::string> env;
  std::vector<std::string> tags;
  std::string compression;
  int layers = 0;
  std::string preset;
};

/// Adds the OutputFlags to a subcommand.
void add_output_flags(CLI::App& command, OutputFlags& flags);

/// Sets in `options` what the flags give (the rest stays as the defaults or a config file left
/// it), checks it (--env KEY=VALUE, --layers, the lambda preset's compression) and reads
/// SOURCE_DATE_EPOCH. Throws a usage Error.
void apply_output_flags(const OutputFlags& flags, SlimOptions& options);

/// The image to write from a plan and the layers built from it: the config gets their diff_ids.
OutputImage output_image(const Platform& platform, const Plan& plan, std::vector<LayerBlob> layers);

/// A JSON array of strings ('["/app", "-v"]') or one plain string, for --entrypoint and --cmd.
std::vector<std::string> argv_of(const std::string& flag, const std::string& text);

/// SOURCE_DATE_EPOCH from the environment, when set; a usage Error when it is not a number.
std::optional<std::int64_t> source_date_epoch();

/// The plan `--dry-run --format json` prints (schemaVersion 1).
nlohmann::json plan_json(const std::string& source, const std::string& platform, const Plan& p);
/// The plan `--dry-run` prints: every path with its size and reason, then folders and totals.
std::string plan_text(const std::string& platform, const Plan& p);

/// The Lambda facts of an image about to be written from `plan`.
LambdaFacts lambda_facts(const Plan& plan, const SlimOptions& options, std::size_t images);
/// Throws Error (exit 3) naming `source`, the first broken rule and how many more there are.
void require_lambda(const std::string& source, const std::vector<Problem>& problems);

}  // namespace pare::cli
