#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "image_options.hpp"
#include "pare/fs/image_tree.hpp"
#include "pare/util/error.hpp"
#include "pare/util/path.hpp"

namespace pare::cli {

namespace {

struct LsOptions {
  ImageOptions image;
  std::string path;
  std::string format = "text";
};

/// "drwxr-xr-x", as ls -l and tar -tv print modes.
std::string mode_string(const Node& n) {
  std::string s(10, '-');
  switch (n.type) {
    case EntryType::kDir:
      s[0] = 'd';
      break;
    case EntryType::kSymlink:
      s[0] = 'l';
      break;
    case EntryType::kCharDevice:
      s[0] = 'c';
      break;
    case EntryType::kBlockDevice:
      s[0] = 'b';
      break;
    case EntryType::kFifo:
      s[0] = 'p';
      break;
    default:
      break;
  }
  static constexpr char kRwx[] = "rwxrwxrwx";
  for (int i = 0; i < 9; ++i) {
    if ((n.mode & (0400U >> static_cast<unsigned>(i))) != 0) s[1 + i] = kRwx[i];
  }
  if ((n.mode & 04000U) != 0) s[3] = (n.mode & 0100U) != 0 ? 's' : 'S';
  if ((n.mode & 02000U) != 0) s[6] = (n.mode & 0010U) != 0 ? 's' : 'S';
  if ((n.mode & 01000U) != 0) s[9] = (n.mode & 0001U) != 0 ? 't' : 'T';
  return s;
}

std::string line_of(const std::string& path, const Node& n) {
  std::string line = mode_string(n) + " " + std::to_string(n.uid) + ":" + std::to_string(n.gid) +
                     " " + std::to_string(n.size) + " " +
                     (n.layer < 0 ? std::string("-") : "L" + std::to_string(n.layer)) + " " + path;
  if (n.type == EntryType::kSymlink) line += " -> " + n.link_target;
  if (n.type == EntryType::kHardlink) line += " link to /" + n.link_target;
  return line;
}

nlohmann::json json_of(const std::string& path, const Node& n) {
  nlohmann::json j = {{"path", path},    {"type", to_string(n.type)},
                      {"mode", n.mode},  {"uid", n.uid},
                      {"gid", n.gid},    {"size", n.size},
                      {"layer", n.layer}};
  if (!n.link_target.empty()) j["linkTarget"] = n.link_target;
  return j;
}

int run_ls(const LsOptions& options) {
  const auto bundle = open_bundle(options.image.image);
  const Image image = load_image(*bundle, options.image.selector());
  BuildTreeOptions reading;
  reading.limits = options.image.limits();
  const ImageTree tree = build_tree(*bundle, image, reading);

  std::string prefix;
  const Node* start = &tree.rootfs.root();
  if (!options.path.empty()) {
    const Resolution r = tree.rootfs.resolve(options.path);
    if (r.node == nullptr) {
      throw Error::bad_input(bundle->describe(), "/" + clamp_path(options.path) + ": " +
                                                     std::string(to_string(r.error)) + " (at /" +
                                                     r.path + ")");
    }
    start = r.node;
    prefix = r.path.empty() ? "" : "/" + r.path;
  }
  nlohmann::json list = nlohmann::json::array();
  auto emit = [&](const std::string& path, const Node& n) {
    if (options.format == "json") {
      list.push_back(json_of(path, n));
    } else {
      std::cout << line_of(path, n) << "\n";
    }
  };
  if (!prefix.empty()) emit(prefix, *start);
  // Walk the subtree below `start` with paths under `prefix`.
  std::function<void(const Node&, const std::string&)> walk = [&](const Node& node,
                                                                  const std::string& base) {
    for (const auto& [name, child] : node.children) {
      const std::string path = base + "/" + name;
      emit(path, *child);
      walk(*child, path);
    }
  };
  walk(*start, prefix);
  if (options.format == "json") std::cout << list.dump(2) << "\n";
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
