#include <iostream>
#include <memory>

#include "commands.hpp"
#include "image_options.hpp"
#include "output_target.hpp"
#include "pare/sbom/sbom.hpp"
#include "pare/util/error.hpp"
#include "pare/util/file.hpp"
#include "plan_output.hpp"
#include "terminal.hpp"

namespace pare::cli {

namespace {

struct SbomOptions {
  ImageOptions image;
  std::string output;  ///< -o FILE; empty or "-": standard output
  bool quiet = false;
};

int run_sbom(const SbomOptions& options) {
  const Terminal term = Terminal::detect(options.quiet);
  const bool to_stdout = options.output.empty() || options.output == "-";
  if (!to_stdout) OutputTarget::refuse_over(options.output, {options.image.image});
  SbomRequest request;
  request.selector = options.image.selector();
  request.limits = options.image.limits();
  request.source_date_epoch = source_date_epoch();
  const auto bundle = options.image.open();
  const Sbom sbom = sbom_of_image(*bundle, request, term.progress());
  if (!options.quiet) {
    for (const auto& w : sbom.warnings) std::cerr << "pare: warning: " << w << "\n";
  }
  if (to_stdout) {
    std::cout << sbom.document << std::flush;
    if (!std::cout) throw Error(ExitCode::kSystem, "standard output: cannot write the SBOM");
    return 0;
  }
  AtomicFile file(options.output);
  file.write(sbom.document);
  file.commit();
  return 0;
}

}  // namespace

void add_sbom_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<SbomOptions>();
  CLI::App* cmd = app.add_subcommand(
      "sbom", "Write an SPDX 2.3 JSON SBOM of an image: its packages, files and program");
  add_image_options(*cmd, options->image);
  cmd->add_option("-o,--output", options->output,
                  "the file to write (atomically); default: standard output");
  cmd->add_flag("-q,--quiet", options->quiet, "print nothing but errors (and the SBOM)");
  cmd->callback([options, &exit_code] { exit_code = run_sbom(*options); });
}

}  // namespace pare::cli
