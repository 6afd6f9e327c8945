#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "image_options.hpp"
#include "pare/analyze/report.hpp"
#include "pare/deps/resolver.hpp"
#include "pare/fs/image_tree.hpp"
#include "pare/util/error.hpp"
#include "terminal.hpp"

namespace pare::cli {

namespace {

struct AnalyzeOptions {
  ImageOptions image;
  std::string format = "text";
  bool quiet = false;
};

int run_analyze(const AnalyzeOptions& options) {
  const Terminal term = Terminal::detect(options.quiet);
  const auto bundle = open_bundle(options.image.image);
  const Image image = load_image(*bundle, options.image.selector());
  const ImageTree tree =
      build_tree(*bundle, image, options.image.limits(), capture_for_deps, [&](std::size_t i) {
        term.progress_line("reading layer " + std::to_string(i + 1) + "/" +
                           std::to_string(image.layers.size()));
      });
  term.progress_done();
  Closure closure = resolve_closure(tree, image.config, bundle->describe());
  const AnalyzeReport report = make_report(bundle->describe(), image, tree, std::move(closure));
  if (options.format == "json") {
    std::cout << to_json_report(report).dump(2) << "\n";
  } else if (!options.quiet) {
    std::cout << render_text(report, term.color_stdout);
  }
  // The report is out; an image whose program cannot start still fails the command.
  require_complete(report.program);
  return 0;
}

}  // namespace

void add_analyze_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<AnalyzeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "analyze", "Report an image: its config, entrypoint and a table of its layers");
  add_image_options(*cmd, options->image);
  cmd->add_option("--format", options->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_flag("-q,--quiet", options->quiet, "print nothing but errors (text format)");
  cmd->callback([options, &exit_code] { exit_code = run_analyze(*options); });
}

}  // namespace pare::cli
