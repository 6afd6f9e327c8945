#include "pare/analyze/efficiency.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
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

/// The key a map ordered by DiveLess (or bytewise) gives a folder's first descendant.
std::string first_descendant_key(const std::string& root) {
  return root + "/";
}

}  // namespace

bool LayerAccounting::DiveLess::operator()(const std::string& a, const std::string& b) const {
  // Bytewise but for '/', which ranks below every other byte: only the first difference counts.
  // Paths share long prefixes ("usr/lib/x86_64-linux-gnu/"), so equal words are skipped first.
  const std::size_t n = std::min(a.size(), b.size());
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t x = 0;
    std::uint64_t y = 0;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) break;
  }
  while (i < n && a[i] == b[i]) ++i;
  if (i == n) return a.size() < b.size();
  const auto rank = [](char c) {
    return c == '/' ? 0U : static_cast<unsigned>(static_cast<unsigned char>(c)) + 1U;
  };
  return rank(a[i]) < rank(b[i]);
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
  struct LayerNode {
    std::uint64_t size = 0;
    bool is_dir = false;
  };
  std::map<std::string, LayerNode, DiveLess> tree;
  std::uint64_t layer_size = 0;
  // The folders above the entry before, all added: siblings follow one another in a tar, and
  // their folders need adding only once.
  std::string added_parent;
  for (const TarEntry& entry : entries) {
    const std::optional<std::string> path = normalize_path(entry.path);
    if (!path || path->empty()) continue;  // dive skips "."; pare refuses an escaping path
    layer_size += entry.size;
    const std::vector<std::string_view> parts = split_path(*path);
    std::string parent = parent_path(*path);
    std::string key;
    std::size_t i = 0;
    if (!parent.empty() && parent == added_parent) {
      key = std::move(parent);
      i = parts.size() - 1;
    }
    for (; i < parts.size(); ++i) {
      if (parts[i].starts_with(kOpaquePrefix)) break;
      if (i + 1 == parts.size()) added_parent = key;
      key = join_path(key, parts[i]);
      if (i + 1 == parts.size()) {
        tree[key] = LayerNode{entry.size, entry.type == EntryType::kDir};
      } else {
        tree.try_emplace(key);
      }
    }
  }
  layer_sizes_.push_back(layer_size);

  // Efficiency: every leaf, against the layers below.
  for (auto it = tree.begin(); it != tree.end(); ++it) {
    const auto next = std::next(it);
    if (next != tree.end() && is_descendant(next->first, it->first)) continue;  // not a leaf
    std::uint64_t size = it->second.size;
    std::string path = it->first;
    if (base_name(it->first).starts_with(kWhiteoutPrefix)) {
      path = whiteout_target(it->first);
      const auto below = stacked_.find(path);
      if (below == stacked_.end())
        break;  // dive's visitor errors: the rest of the layer is skipped
      size = 0;
      if (below->second.is_dir) {
        for (auto sub = below;
             sub != stacked_.end() && (sub == below || is_descendant(sub->first, below->first));
             ++sub) {
          size += sub->second.size;
        }
      }
    }
    PathStats& stats = paths_[path];
    stats.cumulative += size;
    if (stats.count == 0 || size < stats.minimum) stats.minimum = size;
    ++stats.count;
  }

  // Stack this layer for the next ones. Both maps are in the same order: each key goes in just
  // after the one before (the hint), not by a search from the root.
  auto next = stacked_.begin();
  for (const auto& [key, node] : tree) {
    if (base_name(key).starts_with(kWhiteoutPrefix)) {
      const std::string target = whiteout_target(key);
      const auto first = stacked_.find(target);
      if (first == stacked_.end()) continue;
      auto last = stacked_.lower_bound(first_descendant_key(target));
      while (last != stacked_.end() && is_descendant(last->first, target)) ++last;
      next = stacked_.erase(first, last);
    } else {
      next = std::next(stacked_.insert_or_assign(next, key, DiveNode{node.size, node.is_dir}));
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
