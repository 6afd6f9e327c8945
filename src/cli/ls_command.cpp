#include <iostream>
#include <memory>

#include "commands.hpp"
#include "image_options.hpp"
#include "pare/fs/listing.hpp"

namespace pare::cli {

namespace {

struct LsOptions {
  ImageOptions image;
  std::string path;
  std::string format = "text";
};

int run_ls(const LsOptions& options) {
  ListRequest request;
  request.selector = options.image.selector();
  request.limits = options.image.limits();
  request.path = options.path;
  const auto bundle = open_bundle(options.image.image);
  const std::vector<ListedPath> paths = list_image(*bundle, request);
  if (options.format == "json") {
    std::cout << listing_json(paths).dump(2) << "\n";
  } else {
    std::cout << listing_text(paths);
  }
  return 0;
}

}  // namespace

void add_ls_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<LsOptions>();
  CLI::App* cmd = app.add_subcommand(
      "ls", "List the merged filesystem of an image (whiteouts applied), or one path in it");
  add_image_options(*cmd, options->image);
  cmd->add_option("PATH", options->path,
                  "a path inside the image; symlinks are followed inside it");
  cmd->add_option("--format", options->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->callback([options, &exit_code] { exit_code = run_ls(*options); });
}

}  // namespace pare::cli
