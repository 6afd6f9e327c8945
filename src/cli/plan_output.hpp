#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pare/rules/lambda.hpp"
#include "pare/slim/output.hpp"
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
  Preset preset = Preset::kNone;
};

/// Adds the OutputFlags to a subcommand.
void add_output_flags(CLI::App& command, OutputFlags& flags);

/// Sets in `options` what the flags give (the rest stays as the defaults or a config file left
/// it), checks it (--env KEY=VALUE, --layers, the lambda preset's compression) and reads
/// SOURCE_DATE_EPOCH. Throws a usage Error.
void apply_output_flags(const OutputFlags& flags, SlimOptions& options);

/// A JSON array of strings ('["/app", "-v"]') or one plain string, for --entrypoint and --cmd.
std::vector<std::string> argv_of(const std::string& flag, const std::string& text);

/// SOURCE_DATE_EPOCH from the environment, when set; a usage Error when it is not a number.
std::optional<std::int64_t> source_date_epoch();

/// Prints the dry run of planned images: one plan as text, or JSON (one object, or an array
/// of several).
void print_plans(const std::vector<PlannedImage>& planned, const std::string& format);

/// Prints each plan's warnings on stderr, unless quiet.
void print_warnings(const std::vector<PlannedImage>& planned, bool quiet);

}  // namespace pare::cli
