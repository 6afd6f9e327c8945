#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "image_options.hpp"
#include "pare/slim/options.hpp"
#include "pare/slim/output.hpp"
#include "pare/slim/plan_render.hpp"
#include "pare/slim/slim.hpp"
#include "pare/util/error.hpp"
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
};

SlimOptions merge(const SlimCommandOptions& cli) {
  SlimOptions o = read_slim_options(cli.config_file);
  o.keep.insert(o.keep.end(), cli.keep.begin(), cli.keep.end());
  o.drop.insert(o.drop.end(), cli.drop.begin(), cli.drop.end());
  if (cli.no_package_metadata) o.package_metadata = false;
  apply_output_flags(cli.out, o);
  return o;
}

int run_slim(const SlimCommandOptions& options) {
  const Terminal term = Terminal::detect(options.out.quiet);
  SlimRequest request;
  request.options = merge(options);
  request.preset = options.out.preset;
  request.selector = options.image.selector();
  request.all_platforms = options.image.platform == "all";
  request.limits = options.image.limits();
  if (!options.out.dry_run && options.out.output.empty()) {
    throw Error::usage("pare slim needs -o OUT (or --dry-run)");
  }
  const auto bundle = open_bundle(options.image.image);
  const std::vector<PlannedImage> planned = plan_slim(*bundle, request, term.progress());
  if (options.out.dry_run) {
    check_planned(planned, request.options, request.preset);
    print_plans(planned, options.out.format);
    return 0;
  }
  print_warnings(planned, options.out.quiet);
  const auto written =
      write_planned(planned, options.out.output, request.options, request.preset, term.progress());
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
            << human_size(after) << " (" << pct << "), " << paths << " paths kept; wrote "
            << options.out.output << " (" << written.front().digest.str() << ")\n";
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
  cmd->callback([o, &exit_code] { exit_code = run_slim(*o); });
}

}  // namespace pare::cli
