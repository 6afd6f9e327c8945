#include "pare/fs/listing.hpp"

#include <functional>

#include "pare/fs/image_tree.hpp"
#include "pare/util/error.hpp"
#include "pare/util/path.hpp"

namespace pare {

namespace {

ListedPath listed(const std::string& path, const Node& n) {
  return {path, n.type, n.mode, n.uid, n.gid, n.size, n.layer, n.link_target};
}

}  // namespace

std::vector<ListedPath> list_image(const Bundle& bundle, const ListRequest& request) {
  const Image image = load_image(bundle, request.selector);
  BuildTreeOptions reading;
  reading.limits = request.limits;
  const ImageTree tree = build_tree(bundle, image, reading);
  std::string prefix;
  const Node* start = &tree.rootfs.root();
  if (!request.path.empty()) {
    const Resolution r = tree.rootfs.resolve(request.path);
    if (r.node == nullptr) {
      throw Error::bad_input(bundle.describe(), "/" + clamp_path(request.path) + ": " +
                                                    std::string(to_string(r.error)) + " (at /" +
                                                    r.path + ")");
    }
    start = r.node;
    prefix = r.path.empty() ? "" : "/" + r.path;
  }
  std::vector<ListedPath> out;
  if (!prefix.empty()) out.push_back(listed(prefix, *start));
  const std::function<void(const Node&, const std::string&)> walk = [&](const Node& node,
                                                                        const std::string& base) {
    for (const auto& [name, child] : node.children) {
      const std::string path = base + "/" + name;
      out.push_back(listed(path, *child));
      walk(*child, path);
    }
  };
  walk(*start, prefix);
  return out;
}

std::string listing_text(const std::vector<ListedPath>& paths) {
  std::string out;
  for (const auto& p : paths) {
    out.append(mode_string(p.type, p.mode)).append(" ");
    out.append(std::to_string(p.uid)).append(":").append(std::to_string(p.gid)).append(" ");
    out.append(std::to_string(p.size)).append(" ");
    out.append(p.layer < 0 ? std::string("-") : std::string("L").append(std::to_string(p.layer)));
    out.append(" ").append(p.path);
    if (p.type == EntryType::kSymlink) out.append(" -> ").append(p.link_target);
    if (p.type == EntryType::kHardlink) out.append(" link to /").append(p.link_target);
    out += "\n";
  }
  return out;
}

nlohmann::json listing_json(const std::vector<ListedPath>& paths) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& p : paths) {
    nlohmann::json j = {{"path", p.path},  {"type", to_string(p.type)},
                        {"mode", p.mode},  {"uid", p.uid},
                        {"gid", p.gid},    {"size", p.size},
                        {"layer", p.layer}};
    if (!p.link_target.empty()) j["linkTarget"] = p.link_target;
    list.push_back(std::move(j));
  }
  return list;
}

}  // namespace pare
