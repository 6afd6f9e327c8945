#include "pare/verify/content.hpp"

#include <algorithm>

#include "pare/deps/resolver.hpp"
#include "pare/image/walk.hpp"
#include "pare/rules/user.hpp"
#include "pare/util/error.hpp"

namespace pare {

namespace {

std::optional<std::string> text_of(const ImageTree& tree, const std::string& path) {
  const Resolution r = tree.rootfs.resolve(path);
  if (r.node == nullptr || r.node->type != EntryType::kFile) return std::nullopt;
  const auto bytes = tree.read(*r.node);
  if (!bytes) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(bytes->data()), bytes->size());
}

}  // namespace

Capture capture_for_content(std::string_view path, std::span<const std::byte> head) {
  if (path == "etc/passwd" || path == "etc/group") return Capture::kWhole;
  return capture_for_deps(path, head);
}

ContentReport check_content(const ImageTree& tree, const Image& image, const std::string& name) {
  ContentReport report;
  report.closure = resolve_closure(tree, image.config, name);
  const Closure& c = report.closure;
  const std::string program =
      c.program.empty() ? (c.argv.empty() ? "" : c.argv.front()) : c.program;
  const std::string detail = c.detail.empty() ? "" : ": " + c.detail;
  switch (c.program_class) {
    case ProgramClass::kNone:  // a base or data image: nothing to start, nothing to check
      break;
    case ProgramClass::kMissing:
      report.problems.push_back({"entrypoint-missing", program, "not in the image" + detail});
      break;
    case ProgramClass::kNotExecutable:
      report.problems.push_back({"entrypoint-not-executable", program, "not executable" + detail});
      break;
    case ProgramClass::kWrongArchitecture:
      report.problems.push_back(
          {"entrypoint-architecture", program,
           c.detail.empty() ? "built for another architecture than " + image.platform().str()
                            : c.detail});
      break;
    case ProgramClass::kNotElf:
      report.problems.push_back({"entrypoint-format", program, "not a program" + detail});
      break;
    default:
      break;
  }
  if (const std::string why = user_problem(image.config.config.user, text_of(tree, "/etc/passwd"),
                                           text_of(tree, "/etc/group"));
      !why.empty()) {
    report.problems.push_back({"user", "User " + image.config.config.user,
                               why + ": a runtime refuses to start the program"});
  }
  if (!c.error.empty() && !cannot_start(c.program_class)) {  // the class's problem says it
    // "<image>: <what>": the image name is the report's, keep the what.
    std::string what = c.error;
    if (what.starts_with(name + ": ")) what.erase(0, name.size() + 2);
    report.problems.push_back({"closure", program, what});
  }
  return report;
}

LambdaFacts lambda_facts(const Bundle& bundle, const Image& image, const ImageTree& tree) {
  LambdaFacts f;
  ImageSelector all;
  if (!image.names.empty()) all.name = image.names.front();
  try {
    f.images = list_platforms(bundle, all, tree.limits).size();
  } catch (const Error&) {
    f.images = list_platforms(bundle, {}, tree.limits).size();
  }
  {
    // The image walk reads index.json; its faults are the structure checks' to report.
    FaultCollector ignored;
    FormatWalk walk(bundle, ignored, tree.limits);
    walk.walk_index([](const ListedManifest&) {});
    f.index = walk.indexes() > 1;  // index.json lists an index
  }
  for (const auto& layer : image.layers) {
    if (!layer.media_type.empty()) f.layer_media_types.push_back(layer.media_type);
  }
  f.config = image.config;
  tree.rootfs.walk([&](const std::string& path, const Node& node) {
    const EntryType type = node.type == EntryType::kHardlink ? EntryType::kFile : node.type;
    f.files.push_back({path, type, node.mode, type == EntryType::kFile ? node.size : 0});
  });
  std::sort(f.files.begin(), f.files.end(),
            [](const LambdaFile& a, const LambdaFile& b) { return a.path < b.path; });
  return f;
}

}  // namespace pare
