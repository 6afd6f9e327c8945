#include "plan_output.hpp"

#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "image_options.hpp"
#include "pare/slim/options.hpp"
#include "pare/slim/plan_render.hpp"
#include "pare/util/error.hpp"
#include "terminal.hpp"

namespace pare::cli {

std::vector<std::string> argv_of(const std::string& flag, const std::string& text) {
  if (!text.starts_with('[')) return {text};
  try {
    return nlohmann::json::parse(text).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception&) {
    throw Error::usage(flag + " " + text + ": not a JSON array of strings");
  }
}

std::optional<std::int64_t> source_date_epoch() {
  const char* epoch = std::getenv("SOURCE_DATE_EPOCH");
  if (epoch == nullptr || *epoch == '\0') return std::nullopt;
  char* end = nullptr;
  const long long v = std::strtoll(epoch, &end, 10);
  if (end == nullptr || *end != '\0' || v < 0) {
    throw Error::usage("SOURCE_DATE_EPOCH=" + std::string(epoch) + ": not a number of seconds");
  }
  return v;
}

void add_output_flags(CLI::App& command, OutputFlags& flags) {
  command.add_option("-o,--output", flags.output,
                     "the image tarball to write (OCI layout + manifest.json), or "
                     "docker://HOST/REPOSITORY:TAG to push to");
  command.add_flag("--dry-run,--explain", flags.dry_run,
                   "print the plan: every path and why it is kept; write nothing");
  command.add_option("--format", flags.format, "text or json (with --dry-run)")
      ->check(CLI::IsMember({"text", "json"}));
  command.add_flag("-q,--quiet", flags.quiet, "print nothing but errors");
  command.add_flag("--no-ca-certs", flags.no_ca_certs, "do not keep the CA bundle");
  command.add_flag("--no-tzdata", flags.no_tzdata, "do not keep /usr/share/zoneinfo");
  command.add_option("--user", flags.user, "the User of the output config");
  command.add_option("--workdir", flags.workdir, "the WorkingDir of the output config");
  command.add_option("--entrypoint", flags.entrypoint, "the Entrypoint: a path or a JSON array");
  command.add_option("--cmd", flags.cmd, "the Cmd: a string or a JSON array");
  command.add_option("--env", flags.env, "KEY=VALUE to set in the output config");
  command.add_option("--tag", flags.tags, "NAME:TAG to name the output image");
  command.add_option("--compression", flags.compression, "gzip (default), zstd or none")
      ->check(CLI::IsMember({"gzip", "zstd", "none"}));
  command.add_option("--layers", flags.layers, "1, or 2: a base layer and an app layer")
      ->check(CLI::Range(1, 2));
  add_preset_option(command, flags.preset,
                    "lambda: AWS Lambda's rules (one platform, gzip layers, absolute non-symlink "
                    "entrypoint, world-readable files, read-only root)");
}

void apply_output_flags(const OutputFlags& flags, SlimOptions& options) {
  SlimOptions& o = options;
  if (flags.no_ca_certs) o.ca_certs = false;
  if (flags.no_tzdata) o.tzdata = false;
  if (!flags.user.empty()) o.user = flags.user;
  if (!flags.workdir.empty()) o.workdir = flags.workdir;
  if (!flags.entrypoint.empty()) o.entrypoint = argv_of("--entrypoint", flags.entrypoint);
  if (!flags.cmd.empty()) o.cmd = argv_of("--cmd", flags.cmd);
  o.env.insert(o.env.end(), flags.env.begin(), flags.env.end());
  if (!flags.tags.empty()) o.tags = flags.tags;
  if (!flags.compression.empty()) {
    o.compression = parse_compression(flags.compression).value_or(Compression::kGzip);
  }
  if (flags.layers != 0) o.layers = flags.layers;
  check_slim_options(o, flags.preset);
  o.source_date_epoch = source_date_epoch();
}

void print_plans(const std::vector<PlannedImage>& planned, const std::string& format) {
  if (format != "json") {
    for (const auto& p : planned) std::cout << plan_text(p.image.platform().str(), p.plan);
    return;
  }
  nlohmann::json plans = nlohmann::json::array();
  for (const auto& p : planned)
    plans.push_back(plan_json(p.source, p.image.platform().str(), p.plan));
  std::cout << (plans.size() == 1 ? plans[0] : plans).dump(2) << "\n";
}

void print_warnings(const std::vector<PlannedImage>& planned, bool quiet) {
  if (quiet) return;
  for (const auto& p : planned) {
    for (const auto& w : p.plan.warnings) std::cerr << "pare: warning: " << w << "\n";
    for (const auto& w : p.plan.blind_spots) std::cerr << "pare: warning: " << w << "\n";
  }
}

}  // namespace pare::cli
