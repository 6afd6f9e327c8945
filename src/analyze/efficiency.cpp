#include "pare/analyze/efficiency.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>

#include "pare/util/path.hpp"

namespace pare {

namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaquePrefix = ".wh..wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

/// The path a whiteout `DIR/.wh.NAME` deletes: DIR/NAME.
std::string whiteout_target(const std::string& path) {
  return join_path(parent_path(path), base_name(path).substr(kWhiteoutPrefix.size()));
}

/// Whether `path` lies strictly below `root` ("" is the image root).
bool is_descendant(std::string_view path, std::string_view root) {
  if (root.empty()) return !path.empty();
  return path.size() > root.size() && path.starts_with(root) && path[root.size()] == '/';
}

}  // namespace

LayerAccounting::DiveNode::~DiveNode() {
  std::vector<std::unique_ptr<DiveNode>> doomed;
  for (auto& [name, c] : children) doomed.push_back(std::move(c));
  children.clear();
  while (!doomed.empty()) {
    const std::unique_ptr<DiveNode> node = std::move(doomed.back());
    doomed.pop_back();
    for (auto& [name, c] : node->children) doomed.push_back(std::move(c));
    node->children.clear();
  }
}

LayerAccounting::DiveNode& LayerAccounting::DiveNode::child(std::string_view name) {
  auto it = children.find(name);
  if (it == children.end()) {
    it = children.emplace(std::string(name), std::make_unique<DiveNode>()).first;
  }
  return *it->second;
}

void LayerAccounting::add_layer(const std::vector<TarEntry>& entries) {
  add_dive_layer(entries);
  add_waste_layer(entries);
}

// dive builds a tree per layer (AddPath: intermediate folders get an empty FileInfo, names
// starting with ".wh..wh." are never added), visits its leaves child first in name order, and
// stacks it (every node, implicit ones included, replaces the stacked node's info; a whiteout
// removes its target's subtree).
void LayerAccounting::add_dive_layer(const std::vector<TarEntry>& entries) {
  DiveNode tree;
  std::uint64_t layer_size = 0;
  // The folder of the entry before, all added: siblings follow one another in a tar, and
  // their folders need adding only once.
  DiveNode* added_parent = nullptr;
  std::string added_parent_path;
  for (const TarEntry& entry : entries) {
    const std::optional<std::string> path = normalize_path(entry.path);
    if (!path || path->empty()) continue;  // dive skips "."; pare refuses an escaping path
    layer_size += entry.size;
    const std::vector<std::string_view> parts = split_path(*path);
    std::string parent = parent_path(*path);
    DiveNode* node = &tree;
    std::size_t i = 0;
    if (added_parent != nullptr && !parent.empty() && parent == added_parent_path) {
      node = added_parent;
      i = parts.size() - 1;
    }
    for (; i < parts.size(); ++i) {
      if (parts[i].starts_with(kOpaquePrefix)) break;
      const bool leaf = i + 1 == parts.size();
      if (leaf) {
        added_parent = node;
        added_parent_path.assign(parent);  // keeps its capacity
      }
      node = &node->child(parts[i]);
      if (leaf) {
        node->size = entry.size;
        node->is_dir = entry.type == EntryType::kDir;
      }
    }
  }
  layer_sizes_.push_back(layer_size);
  count_dive_leaves(tree);
  stack_dive_layer(tree);
}

const LayerAccounting::DiveNode* LayerAccounting::find_stacked(std::string_view path) const {
  const DiveNode* node = &stacked_;
  for (const std::string_view part : split_path(path)) {
    const auto it = node->children.find(part);
    if (it == node->children.end()) return nullptr;
    node = it->second.get();
  }
  return node == &stacked_ ? nullptr : node;
}

// Efficiency: every leaf of the layer, depth first, against the layers below.
void LayerAccounting::count_dive_leaves(const DiveNode& layer) {
  struct Level {
    const DiveNode* node;
    DiveNode::Children::const_iterator next;
    std::size_t mark;  ///< the node's path is path[0, mark)
  };
  std::string path;
  std::vector<Level> stack{{&layer, layer.children.begin(), 0}};
  while (!stack.empty()) {
    Level& level = stack.back();
    if (level.next == level.node->children.end()) {
      stack.pop_back();
      continue;
    }
    const auto& [name, child] = *level.next++;
    path.resize(level.mark);
    if (!path.empty()) path += '/';
    path += name;
    if (!child->children.empty()) {
      stack.push_back({child.get(), child->children.begin(), path.size()});
      continue;
    }
    std::uint64_t size = child->size;
    const bool whiteout = name.starts_with(kWhiteoutPrefix);
    const std::string target = whiteout ? whiteout_target(path) : std::string();
    if (whiteout) {
      const DiveNode* below = find_stacked(target);
      if (below == nullptr) return;  // dive's visitor errors: the rest of the layer is skipped
      size = 0;
      if (below->is_dir) {
        std::vector<const DiveNode*> todo{below};
        while (!todo.empty()) {
          const DiveNode* n = todo.back();
          todo.pop_back();
          size += n->size;
          for (const auto& [sub_name, sub] : n->children) todo.push_back(sub.get());
        }
      }
    }
    PathStats& stats = paths_[whiteout ? target : path];
    stats.cumulative += size;
    if (stats.count == 0 || size < stats.minimum) stats.minimum = size;
    ++stats.count;
  }
}

// Stacks the layer for the next ones: both trees walked together, depth first.
void LayerAccounting::stack_dive_layer(const DiveNode& layer) {
  struct Level {
    const DiveNode* node;
    DiveNode::Children::const_iterator next;
    DiveNode* stacked;
  };
  std::vector<Level> stack{{&layer, layer.children.begin(), &stacked_}};
  while (!stack.empty()) {
    Level& level = stack.back();
    if (level.next == level.node->children.end()) {
      stack.pop_back();
      continue;
    }
    const auto& [name, child] = *level.next++;
    DiveNode* parent = level.stacked;
    if (name.starts_with(kWhiteoutPrefix)) {
      const std::string_view target = std::string_view(name).substr(kWhiteoutPrefix.size());
      if (const auto it = parent->children.find(target); it != parent->children.end()) {
        parent->children.erase(it);
      }
      // A whiteout is no node of its own; what a tar puts below one is (by its whole path in
      // dive's map), so it gets a node here that no lookup can reach but through it.
      if (child->children.empty()) continue;
    }
    DiveNode& stacked = parent->child(name);
    if (!name.starts_with(kWhiteoutPrefix)) {
      stacked.size = child->size;
      stacked.is_dir = child->is_dir;
    }
    if (!child->children.empty()) {
      stack.push_back({child.get(), child->children.begin(), &stacked});
    }
  }
}

DiveMetrics LayerAccounting::dive() const {
  DiveMetrics metrics;
  std::uint64_t minimum_total = 0;
  std::uint64_t cumulative_total = 0;
  for (const auto& [path, stats] : paths_) {
    minimum_total += stats.minimum;
    cumulative_total += stats.cumulative;
    if (stats.count >= 2) {
      metrics.inefficient.push_back({path, stats.count, stats.cumulative});
      metrics.wasted_bytes += stats.cumulative;
    }
  }
  metrics.efficiency = cumulative_total == 0 ? 1.0
                                             : static_cast<double>(minimum_total) /
                                                   static_cast<double>(cumulative_total);
  std::sort(metrics.inefficient.begin(), metrics.inefficient.end(),
            [](const InefficientFile& a, const InefficientFile& b) {
              if (a.cumulative_size != b.cumulative_size) {
                return a.cumulative_size > b.cumulative_size;
              }
              return a.path < b.path;
            });
  for (std::size_t i = 0; i < layer_sizes_.size(); ++i) {
    metrics.size_bytes += layer_sizes_[i];
    if (i >= 1) metrics.user_size_bytes += layer_sizes_[i];
  }
  metrics.user_wasted_percent = metrics.user_size_bytes == 0
                                    ? 0.0
                                    : static_cast<double>(metrics.wasted_bytes) /
                                          static_cast<double>(metrics.user_size_bytes);
  return metrics;
}

void LayerAccounting::release(std::size_t blob) {
  if (blob == kNoBlob) return;
  Blob& b = blobs_[blob];
  if (b.refs > 0 && --b.refs == 0) waste_[b.layer].bytes_overwritten_later += b.size;
}

void LayerAccounting::remove_waste_subtree(const std::string& path, bool keep_root) {
  auto first = merged_.lower_bound(path);
  if (first != merged_.end() && first->first == path) {
    if (keep_root) {
      ++first;
    }
  }
  auto last = first;
  while (last != merged_.end() && (last->first == path || is_descendant(last->first, path))) {
    release(last->second.blob);
    ++last;
  }
  merged_.erase(first, last);
}

// Layers apply as the OCI layer spec says: whiteouts and opaque markers first, then the other
// entries in tar order. Paths are lexical: an entry below a symlinked folder is not followed
// to where the link points.
void LayerAccounting::add_waste_layer(const std::vector<TarEntry>& entries) {
  const std::size_t layer = waste_.size();
  waste_.emplace_back();
  std::vector<std::string> paths;
  paths.reserve(entries.size());
  for (const TarEntry& entry : entries) {
    std::string path = normalize_path(entry.path).value_or("");
    const std::string name = base_name(path);
    if (name == kOpaqueMarker) {
      remove_waste_subtree(parent_path(path), /*keep_root=*/true);
      path.clear();
    } else if (name.starts_with(kWhiteoutPrefix)) {
      remove_waste_subtree(whiteout_target(path), /*keep_root=*/false);
      path.clear();
    }
    paths.push_back(std::move(path));
  }
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const TarEntry& entry = entries[i];
    const std::string& path = paths[i];
    if (path.empty()) continue;  // the root, a whiteout, or an escaping path
    // A file where a folder is needed is replaced by a folder.
    for (std::string parent = parent_path(path); !parent.empty(); parent = parent_path(parent)) {
      const auto it = merged_.find(parent);
      if (it != merged_.end() && it->second.type != EntryType::kDir &&
          it->second.type != EntryType::kSymlink) {
        release(it->second.blob);
        it->second = WasteNode{};
      }
    }
    const auto existing = merged_.find(path);
    if (existing != merged_.end()) {
      if (entry.type == EntryType::kDir && existing->second.type == EntryType::kDir) continue;
      if (existing->second.type == EntryType::kDir) {
        remove_waste_subtree(path, /*keep_root=*/false);
      } else {
        release(existing->second.blob);
        merged_.erase(existing);
      }
    }
    WasteNode node{entry.type, kNoBlob};
    if (entry.type == EntryType::kFile) {
      waste_[layer].bytes_added += entry.size;
      node.blob = blobs_.size();
      blobs_.push_back(Blob{layer, entry.size, 1});
    } else if (entry.type == EntryType::kHardlink) {
      const std::optional<std::string> target = normalize_path(entry.link_target);
      const auto it = target ? merged_.find(*target) : merged_.end();
      if (it != merged_.end() && it->second.blob != kNoBlob) {
        node.blob = it->second.blob;
        ++blobs_[node.blob].refs;
      }
    }
    merged_[path] = node;
  }
}

WasteReport LayerAccounting::waste() const {
  WasteReport report;
  report.layers = waste_;
  for (const LayerWaste& layer : waste_) report.wasted_bytes += layer.bytes_overwritten_later;
  return report;
}

}  // namespace pare
