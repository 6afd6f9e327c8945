#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "image_options.hpp"
#include "pare/diff/diff.hpp"
#include "pare/diff/render.hpp"
#include "pare/util/error.hpp"
#include "terminal.hpp"

namespace pare::cli {

namespace {

struct DiffOptions {
  ImageOptions a;  ///< A, and the flags both images are read with
  std::string b;
  std::string format = "text";
  std::size_t top = kDiffTopDefault;
  bool exit_code = false;
};

int run_diff(const DiffOptions& options) {
  if (options.a.image == "-" && options.b == "-") {
    throw Error::usage("A and B are both -: standard input can be read once",
                       "save one of them to a file first");
  }
  if (options.a.platform == "all") {
    throw Error::usage("--platform all: diff compares one platform of each image",
                       "name it, for example --platform linux/arm64");
  }
  const Terminal term = Terminal::detect(false);
  DiffRequest request;
  request.selector = options.a.selector();
  request.limits = options.a.limits();
  ImageOptions b = options.a;
  b.image = options.b;
  const auto bundle_a = options.a.open();
  const auto bundle_b = b.open();
  const DiffReport report = diff_images(*bundle_a, *bundle_b, request, term.progress());
  if (options.format == "json") {
    // A path that is not UTF-8 is printed with U+FFFD rather than failing the whole report.
    std::cout << to_json(report).dump(2, ' ', false,
                                      nlohmann::ordered_json::error_handler_t::replace)
              << "\n";
  } else if (options.format == "markdown") {
    std::cout << render_markdown(report, options.top);
  } else {
    std::cout << render_text(report, options.top, term.color_stdout);
  }
  return options.exit_code && report.differ() ? static_cast<int>(ExitCode::kCheckFailed) : 0;
}

}  // namespace

void add_diff_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<DiffOptions>();
  CLI::App* cmd = app.add_subcommand(
      "diff", "Compare two images path by path: what was added, removed and changed, and why");
  const std::string what =
      "docker-save or OCI archive (plain, gzip or zstd), OCI layout folder, - for standard "
      "input, or docker://HOST/REPOSITORY[:TAG|@DIGEST] in a registry";
  cmd->add_option("A", options->a.image, "the image to compare from: " + what)->required();
  cmd->add_option("B", options->b, "the image to compare with A: " + what)->required();
  cmd->add_option("--platform", options->a.platform,
                  "os/arch[/variant] to take from multi-platform images (both A and B)");
  cmd->add_option("--image", options->a.name,
                  "NAME:TAG to take from archives holding several images (both A and B)");
  cmd->add_option("--format", options->format, "text, json or markdown")
      ->check(CLI::IsMember({"text", "json", "markdown"}));
  cmd->add_option("--top", options->top,
                  "how many paths text and markdown list in each section (50); json lists all");
  cmd->add_flag("--exit-code", options->exit_code,
                "exit 1 when the images differ, 0 when they do not (as git diff --exit-code)");
  add_registry_options(*cmd, options->a.registry);
  add_limit_options(*cmd, options->a.input_limits);
  cmd->callback([options, &exit_code] { exit_code = run_diff(*options); });
}

}  // namespace pare::cli
