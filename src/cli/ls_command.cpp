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
  const auto bundle = options.image.open();
  // Each path printed as it is reached: a listing's memory does not grow with its length.
  if (options.format == "json") {
    // What listing_json(...).dump(2) prints, one element at a time: an element at level 1 of
    // the array is indented 2 more (its strings hold no raw newline).
    bool first = true;
    list_image(*bundle, request, [&](const ListedPath& p) {
      std::string element = listed_json(p).dump(2);
      for (std::size_t at = element.find('\n'); at != std::string::npos;
           at = element.find('\n', at + 3)) {
        element.insert(at + 1, "  ");
      }
      std::cout << (first ? "[\n  " : ",\n  ") << element;
      first = false;
    });
    std::cout << (first ? "[]\n" : "\n]\n");
  } else {
    list_image(*bundle, request, [](const ListedPath& p) { std::cout << listing_line(p); });
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
