#include "pare/fs/rootfs.hpp"

#include <deque>

#include "pare/util/error.hpp"
#include "pare/util/path.hpp"

namespace pare {

namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

std::uint64_t count_nodes(const Node& node) {
  std::uint64_t n = 1;
  for (const auto& [name, child] : node.children) n += count_nodes(*child);
  return n;
}

std::unique_ptr<Node> implicit_dir(int layer) {
  auto dir = std::make_unique<Node>();
  dir->layer = layer;
  return dir;
}

struct Walk {
  Node* node = nullptr;
  std::string path;
  ResolveError error = ResolveError::kNone;
};

/// The path walk behind resolve() and the parent lookup of apply_layer. With `create`, missing
/// folders are made and a non-folder in the way is replaced by one, as an overlay filesystem
/// shows an upper layer's folder over a lower file.
Walk walk_path(Node& root, std::string_view path, bool follow_last, bool create, int layer,
               std::uint64_t max_symlinks, std::vector<std::string>* links_followed = nullptr) {
  std::vector<Node*> stack{&root};
  std::vector<std::string> names;
  std::deque<std::string> todo;
  for (auto part : split_path(path)) todo.emplace_back(part);
  std::uint64_t links = 0;
  auto current_path = [&] {
    std::string p;
    for (const auto& n : names) p = join_path(p, n);
    return p;
  };
  while (!todo.empty()) {
    const std::string part = std::move(todo.front());
    todo.pop_front();
    if (part == "..") {
      if (stack.size() > 1) {
        stack.pop_back();
        names.pop_back();
      }
      continue;
    }
    Node* dir = stack.back();
    auto it = dir->children.find(part);
    if (it == dir->children.end()) {
      if (!create) return {nullptr, join_path(current_path(), part), ResolveError::kMissing};
      it = dir->children.emplace(part, implicit_dir(layer)).first;
    }
    Node* child = it->second.get();
    const bool last = todo.empty();
    if (child->type == EntryType::kSymlink && (!last || follow_last)) {
      if (++links > max_symlinks) {
        return {nullptr, join_path(current_path(), part), ResolveError::kLoop};
      }
      if (links_followed != nullptr) links_followed->push_back(join_path(current_path(), part));
      if (child->link_target.starts_with('/')) {
        stack.resize(1);
        names.clear();
      }
      const auto target = split_path(child->link_target);
      todo.insert(todo.begin(), target.begin(), target.end());
      continue;
    }
    if (child->type != EntryType::kDir && !last) {
      if (!create) return {nullptr, join_path(current_path(), part), ResolveError::kNotADirectory};
      it->second = implicit_dir(layer);
      child = it->second.get();
    }
    stack.push_back(child);
    names.push_back(part);
  }
  return {stack.back(), current_path(), ResolveError::kNone};
}

/// Mode, owner, mtime and xattrs: what a re-declared folder updates and a hardlink shares.
template <typename From>
void copy_attributes(Node& to, const From& from) {
  to.mode = from.mode;
  to.uid = from.uid;
  to.gid = from.gid;
  to.mtime = from.mtime;
  to.xattrs = from.xattrs;
}

bool same_attributes(const Node& n, const TarEntry& e) {
  return n.mode == e.mode && n.uid == e.uid && n.gid == e.gid && n.xattrs == e.xattrs;
}

}  // namespace

std::string_view to_string(ResolveError error) {
  switch (error) {
    case ResolveError::kNone:
      return "ok";
    case ResolveError::kMissing:
      return "no such file";
    case ResolveError::kLoop:
      return "too many levels of symbolic links (a symlink loop, or more links than "
             "--max-symlinks)";
    case ResolveError::kNotADirectory:
      return "a path component is not a directory";
  }
  return "unknown";
}

Rootfs::Rootfs() : root_(implicit_dir(-1)) {}

Rootfs::~Rootfs() {
  if (!root_) return;  // moved from
  std::vector<std::unique_ptr<Node>> doomed;
  doomed.push_back(std::move(root_));
  while (!doomed.empty()) {
    const std::unique_ptr<Node> node = std::move(doomed.back());
    doomed.pop_back();
    for (auto& [name, child] : node->children) doomed.push_back(std::move(child));
    node->children.clear();
  }
}

Node* Rootfs::resolve_parent(std::string_view parent, int layer, const std::string& what) {
  Walk w = walk_path(*root_, parent, true, true, layer, max_symlinks_);
  if (w.node == nullptr) {
    throw Error(ExitCode::kBadInput, what + ": cannot place entries under /" + w.path + ": " +
                                         std::string(to_string(w.error)));
  }
  return w.node;
}

LayerChanges Rootfs::apply_layer(int layer, const std::vector<TarEntry>& entries,
                                 const std::string& what) {
  std::vector<CapturedEntry> captured;
  captured.reserve(entries.size());
  for (const auto& e : entries) captured.push_back({e, {}, {}, {}});
  return apply_layer(layer, captured, what);
}

LayerChanges Rootfs::apply_layer(int layer, const std::vector<CapturedEntry>& entries,
                                 const std::string& what) {
  LayerChanges changes;
  std::vector<std::string> paths;
  paths.reserve(entries.size());
  for (const auto& c : entries) {
    auto normalized = normalize_path(c.entry.path);
    if (!normalized) {
      throw Error(ExitCode::kBadInput,
                  what + ": entry \"" + c.entry.path + "\" climbs out of the image root");
    }
    paths.push_back(std::move(*normalized));
  }

  // Phase 1: whiteouts and opaque markers remove what lower layers put there.
  for (const auto& path : paths) {
    const std::string name = base_name(path);
    if (!name.starts_with(kWhiteoutPrefix)) continue;
    if (name == kWhiteoutPrefix) throw Error(ExitCode::kBadInput, what + ": bare whiteout " + path);
    Walk dir = walk_path(*root_, parent_path(path), true, false, layer, max_symlinks_);
    if (dir.node == nullptr || dir.node->type != EntryType::kDir) continue;
    if (name == kOpaqueMarker) {
      for (const auto& [child_name, child] : dir.node->children)
        changes.removed += count_nodes(*child);
      dir.node->children.clear();
      continue;
    }
    const std::string target = name.substr(kWhiteoutPrefix.size());
    if (target.starts_with(kWhiteoutPrefix)) continue;  // AUFS metadata (.wh..wh.plnk): not a path
    if (auto it = dir.node->children.find(target); it != dir.node->children.end()) {
      changes.removed += count_nodes(*it->second);
      dir.node->children.erase(it);
    }
  }

  // Phase 2: every other entry, in tar order.
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const TarEntry& e = entries[i].entry;
    const std::string& path = paths[i];
    if (path.empty()) continue;  // "./": the root's own entry
    const std::string name = base_name(path);
    if (name.starts_with(kWhiteoutPrefix)) continue;
    Node* dir = resolve_parent(parent_path(path), layer, what);
    auto existing = dir->children.find(name);
    const bool exists = existing != dir->children.end();

    if (e.type == EntryType::kDir && exists && existing->second->type == EntryType::kDir) {
      Node& d = *existing->second;
      if (!same_attributes(d, e)) ++changes.changed;
      copy_attributes(d, e);
      d.layer = layer;
      continue;
    }

    auto node = std::make_unique<Node>();
    node->type = e.type;
    copy_attributes(*node, e);
    node->size = e.size;
    node->link_target = e.link_target;
    node->dev_major = e.dev_major;
    node->dev_minor = e.dev_minor;
    node->layer = layer;
    if (e.type == EntryType::kFile) {
      node->origin = entries[i].origin;
      if (std::holds_alternative<std::monostate>(node->origin)) {
        node->origin = LayerBytes{layer, path};
      }
      node->captured = entries[i].captured;
      node->sha256 = entries[i].sha256;
      node->sha1 = entries[i].sha1;
    }
    if (e.type == EntryType::kSymlink) node->mode = 0777;  // Linux ignores a symlink's mode
    if (e.type == EntryType::kHardlink) {
      auto target = normalize_path(e.link_target);
      if (!target) {
        throw Error(ExitCode::kBadInput, what + ": hardlink /" + path + " -> \"" + e.link_target +
                                             "\" climbs out of the image root");
      }
      Walk t = walk_path(*root_, *target, false, false, layer, max_symlinks_);
      if (t.node == nullptr || t.node->type == EntryType::kDir) {
        throw Error(ExitCode::kBadInput,
                    what + ": hardlink /" + path + " -> /" + *target + ": target " +
                        (t.node == nullptr ? "does not exist" : "is a directory"));
      }
      // A link shares its target's inode: same content and attributes.
      const Node& src = *t.node;
      copy_attributes(*node, src);
      node->size = src.size;
      node->origin = src.origin;
      node->captured = src.captured;
      node->sha256 = src.sha256;
      node->sha1 = src.sha1;
      node->link_target = src.type == EntryType::kHardlink ? src.link_target : *target;
      if (src.type != EntryType::kFile && src.type != EntryType::kHardlink) node->type = src.type;
    }
    if (exists) {
      ++changes.changed;
      existing->second = std::move(node);
    } else {
      ++changes.added;
      dir->children.emplace(name, std::move(node));
    }
  }
  return changes;
}

const Node* Rootfs::find(std::string_view path) const {
  auto normalized = normalize_path(path);
  if (!normalized) return nullptr;
  const Node* node = root_.get();
  for (auto part : split_path(*normalized)) {
    auto it = node->children.find(part);
    if (it == node->children.end()) return nullptr;
    node = it->second.get();
  }
  return node;
}

Resolution Rootfs::resolve(std::string_view path, bool follow_last,
                           std::vector<std::string>* links) const {
  Walk w = walk_path(*root_, path, follow_last, false, -1, max_symlinks_, links);
  return {w.node, w.path, w.error};
}

namespace {

/// Depth first in name order over one path buffer, without recursion: a path 32,000 folders
/// deep costs its own length and a small record per folder, not a stack frame.
template <typename N, typename Visit>
void walk_node(N& node, std::string& path, const Visit& visit) {
  using Iterator = decltype(node.children.begin());
  struct Level {
    N* dir;
    Iterator next;
    std::size_t mark;  ///< the folder's path is path[0, mark)
  };
  std::vector<Level> stack{{&node, node.children.begin(), path.size()}};
  while (!stack.empty()) {
    Level& level = stack.back();
    path.resize(level.mark);
    if (level.next == level.dir->children.end()) {
      stack.pop_back();
      continue;
    }
    auto& [name, child] = *level.next++;
    path += '/';
    path += name;
    visit(path, *child);
    if (!child->children.empty()) {
      stack.push_back({child.get(), child->children.begin(), path.size()});
    }
  }
}

}  // namespace

void Rootfs::walk(const std::function<void(const std::string&, const Node&)>& visit) const {
  std::string path;
  walk_node(static_cast<const Node&>(*root_), path, visit);
}

void Rootfs::update(const std::function<void(const std::string&, Node&)>& visit) {
  std::string path;
  walk_node(*root_, path, visit);
}

}  // namespace pare
