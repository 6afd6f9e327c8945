#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "commands.hpp"
#include "image_options.hpp"
#include "output_target.hpp"
#include "pare/sbom/sbom.hpp"
#include "pare/slim/check.hpp"
#include "pare/slim/options.hpp"
#include "pare/slim/output.hpp"
#include "pare/slim/plan_render.hpp"
#include "pare/slim/slim.hpp"
#include "pare/util/error.hpp"
#include "pare/util/file.hpp"
#include "pare/util/format.hpp"
#include "plan_output.hpp"
#include "terminal.hpp"

namespace pare::cli {

namespace {

struct SlimCommandOptions {
  ImageOptions image;
  OutputFlags out;
  std::string config_file;
  // Rules as given on the command line; merged over the config file's.
  std::vector<std::string> keep;
  std::vector<std::string> drop;
  bool no_package_metadata = false;
  bool trace = false;
  std::vector<std::string> probes;
  double probe_timeout = 0;  ///< seconds; 0: the config's, else 5
  bool check = false;
  bool strict = false;
  std::string sbom;  ///< --sbom FILE: the SPDX SBOM of the written image
};

SlimOptions merge(const SlimCommandOptions& cli) {
  SlimOptions o = read_slim_options(cli.config_file);
  o.keep.insert(o.keep.end(), cli.keep.begin(), cli.keep.end());
  o.drop.insert(o.drop.end(), cli.drop.begin(), cli.drop.end());
  if (cli.no_package_metadata) o.package_metadata = false;
  if (cli.trace) o.trace = true;
  if (cli.strict) o.strict = true;
  o.probes.insert(o.probes.end(), cli.probes.begin(), cli.probes.end());
  if (cli.probe_timeout != 0) {
    o.probe_timeout = probe_timeout_of(cli.probe_timeout, "--probe-timeout");
  }
  apply_output_flags(cli.out, o);
  return o;
}

/// --sbom: a file beside the image, of one image that is written.
void check_sbom_flag(const SlimCommandOptions& options, const SlimRequest& request) {
  if (options.out.dry_run) {
    throw Error::usage("--sbom describes the written image: not with --dry-run");
  }
  if (request.all_platforms) {
    throw Error::usage("--sbom describes one image, not --platform all",
                       "slim one platform per output: --platform linux/amd64");
  }
  const auto lexical = [](const std::string& p) {
    return std::filesystem::absolute(p).lexically_normal();
  };
  if (lexical(options.sbom) == lexical(options.out.output)) {
    throw Error::usage("--sbom " + options.sbom + " is the image output (-o)");
  }
  OutputTarget::refuse_over(options.sbom, {options.image.image, options.out.output});
  if (!request.options.package_metadata && !options.out.quiet) {
    std::cerr << "pare: warning: --no-package-metadata: the SBOM lists no packages\n";
  }
}

int run_slim(const SlimCommandOptions& options) {
  const Terminal term = Terminal::detect(options.out.quiet);
  SlimRequest request;
  request.options = merge(options);
  request.preset = options.out.preset;
  request.selector = options.image.selector();
  request.all_platforms = options.image.platform == "all";
  request.limits = options.image.limits();
  request.check = options.check;
  if (!options.out.dry_run && options.out.output.empty()) {
    throw Error::usage("pare slim needs -o OUT (or --dry-run)");
  }
  if (!options.out.dry_run) OutputTarget::refuse_over(options.out.output, {options.image.image});
  if (!options.sbom.empty()) check_sbom_flag(options, request);
  const OutputTarget target(options.out.dry_run ? std::string() : options.out.output);
  const auto bundle = options.image.open();
  const std::vector<PlannedImage> planned = plan_slim(*bundle, request, term.progress());
  if (options.out.dry_run) {
    check_planned(planned, request.options, request.preset);
    print_plans(planned, options.out.format);
    return 0;
  }
  print_warnings(planned, options.out.quiet);
  if (request.options.strict) {
    for (const auto& p : planned) {
      if (!p.plan.blind_spots.empty()) {
        throw Error(ExitCode::kCheckFailed,
                    p.source + ": --strict: " + std::to_string(p.plan.blind_spots.size()) +
                        " reason(s) to believe the program reads what static analysis cannot see",
                    "trace it with --trace, or drop --strict");
      }
    }
  }
  const auto written =
      write_planned(planned, target.path(), request.options, request.preset, term.progress());
  // Made from the archive just written (a registry output's too, before its push); the file
  // appears once the image is out.
  std::optional<Sbom> sbom;
  if (!options.sbom.empty()) {
    const std::string& out = options.out.output;
    sbom = sbom_of_slim(planned, written, target.path(),
                        out.starts_with("docker://") ? out.substr(9) : out, request.limits,
                        term.progress());
    if (!options.out.quiet) {
      for (const auto& w : sbom->warnings) std::cerr << "pare: warning: " << w << "\n";
    }
  }
  if (options.check) {
    const auto output = open_bundle(target.path());
    std::vector<SlimCheck> checks;
    checks.reserve(planned.size());
    for (const auto& p : planned) {
      checks.push_back(check_slim(p, *output, probes_of(request.options),
                                  probe_settings(request.options, request.limits),
                                  term.progress()));
    }
    std::cerr << render_check(checks);
    if (!std::all_of(checks.begin(), checks.end(), [](const SlimCheck& c) { return c.passed(); })) {
      std::cerr << "pare: error: " << options.out.output
                << ": --check: the slim image does not run as the source does\n"
                << "hint: keep what it lacks with --keep, or trace more runs with --probe\n";
      return static_cast<int>(ExitCode::kCheckFailed);
    }
  }
  const std::string wrote =
      target.finish(options.image.registry, options.image.image, term.progress());
  if (sbom) {
    AtomicFile file(options.sbom);
    file.write(sbom->document);
    file.commit();
  }
  if (options.out.quiet) return 0;
  std::uint64_t before = 0;
  std::uint64_t after = 0;
  std::size_t paths = 0;
  for (const auto& p : planned) {
    before += p.plan.before;
    after += p.plan.after;
    paths += p.plan.entries.size();
  }
  const double ratio =
      before == 0 ? 0.0 : 100.0 * static_cast<double>(after) / static_cast<double>(before);
  char pct[32];
  std::snprintf(pct, sizeof pct, "%.1f%%", ratio);
  std::cerr << "pare: " << bundle->describe() << ": " << human_size(before) << " -> "
            << human_size(after) << " (" << pct << "), " << paths << " paths kept; wrote " << wrote
            << (target.is_registry() ? "" : " (" + written.front().digest.str() + ")") << "\n";
  return 0;
}

}  // namespace

void add_slim_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<SlimCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "slim", "Write a distroless-style image holding only what the entrypoint needs");
  add_image_options(*cmd, o->image);
  add_output_flags(*cmd, o->out);
  cmd->add_option("--config", o->config_file,
                  "rules file (default: .pare.json in the working folder)");
  cmd->add_option("--keep", o->keep, "a path or glob to keep (an ELF brings its libraries)");
  cmd->add_option("--drop", o->drop, "a glob to drop");
  cmd->add_flag("--no-package-metadata", o->no_package_metadata,
                "do not write /var/lib/dpkg/status.d or the apk database");
  cmd->add_flag("--trace", o->trace,
                "run the image's Entrypoint and Cmd in a sandbox and keep every path it touches");
  cmd->add_option("--probe", o->probes,
                  "ARGS (shell words) replacing the Cmd for one more traced run; repeatable");
  cmd->add_option("--probe-timeout", o->probe_timeout,
                  "seconds a traced run may take before SIGTERM (default 5)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--strict", o->strict,
                "exit 1 (writing nothing) when the program may read what pare cannot see");
  cmd->add_option("--sbom", o->sbom,
                  "also write an SPDX 2.3 JSON SBOM of the written image to this file");
  cmd->add_flag("--check", o->check,
                "run the probes on the written image too; exit 1 when a run differs");
  cmd->callback([o, &exit_code] { exit_code = run_slim(*o); });
}

}  // namespace pare::cli
