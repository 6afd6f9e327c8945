#include "pare/fs/listing.hpp"

#include <functional>
#include <map>
#include <memory>

#include "pare/fs/image_tree.hpp"
#include "pare/util/error.hpp"
#include "pare/util/path.hpp"

namespace pare {

namespace {

ListedPath listed(const std::string& path, const Node& n) {
  return {path, n.type, n.mode, n.uid, n.gid, n.size, n.layer, n.link_target};
}

}  // namespace

void list_image(const Bundle& bundle, const ListRequest& request,
                const std::function<void(const ListedPath&)>& visit) {
  const Image image = load_image(bundle, request.selector, request.limits);
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
  if (!prefix.empty()) visit(listed(prefix, *start));
  // One path buffer for the whole walk, and no recursion: a path 32,000 folders deep costs its
  // own length, not the sum of its prefixes' (nor a frame per folder).
  std::string path = prefix;
  struct Level {
    const Node* dir;
    std::map<std::string, std::unique_ptr<Node>, std::less<>>::const_iterator next;
    std::size_t mark;
  };
  std::vector<Level> stack{{start, start->children.begin(), path.size()}};
  while (!stack.empty()) {
    Level& top = stack.back();
    if (top.next == top.dir->children.end()) {
      path.resize(top.mark);
      stack.pop_back();
      continue;
    }
    const auto& [name, child] = *top.next++;
    path.resize(top.mark);
    path.append("/").append(name);
    visit(listed(path, *child));
    if (!child->children.empty())
      stack.push_back({child.get(), child->children.begin(), path.size()});
  }
}

std::vector<ListedPath> list_image(const Bundle& bundle, const ListRequest& request) {
  std::vector<ListedPath> out;
  list_image(bundle, request, [&](const ListedPath& p) { out.push_back(p); });
  return out;
}

std::string listing_line(const ListedPath& p) {
  std::string out;
  out.append(mode_string(p.type, p.mode)).append(" ");
  out.append(std::to_string(p.uid)).append(":").append(std::to_string(p.gid)).append(" ");
  out.append(std::to_string(p.size)).append(" ");
  out.append(p.layer < 0 ? std::string("-") : std::string("L").append(std::to_string(p.layer)));
  out.append(" ").append(p.path);
  if (p.type == EntryType::kSymlink) out.append(" -> ").append(p.link_target);
  if (p.type == EntryType::kHardlink) out.append(" link to /").append(p.link_target);
  out += "\n";
  return out;
}

nlohmann::json listed_json(const ListedPath& p) {
  nlohmann::json j = {{"path", p.path},  {"type", to_string(p.type)},
                      {"mode", p.mode},  {"uid", p.uid},
                      {"gid", p.gid},    {"size", p.size},
                      {"layer", p.layer}};
  if (!p.link_target.empty()) j["linkTarget"] = p.link_target;
  return j;
}

std::string listing_text(const std::vector<ListedPath>& paths) {
  std::string out;
  for (const auto& p : paths) out += listing_line(p);
  return out;
}

nlohmann::json listing_json(const std::vector<ListedPath>& paths) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& p : paths) list.push_back(listed_json(p));
  return list;
}

}  // namespace pare
