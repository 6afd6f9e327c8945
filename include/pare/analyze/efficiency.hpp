#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pare/archive/tar_entry.hpp"

namespace pare {

/// A path dive lists as inefficient: seen in two layers or more.
struct InefficientFile {
  std::string path;  ///< normalized, no leading '/'
  std::uint64_t count = 0;
  std::uint64_t cumulative_size = 0;
};

/// dive's numbers (wagoodman/dive filetree/efficiency.go, image/analysis.go), computed exactly
/// as dive computes them, from each layer's tar entries in order. Paths are normalized with
/// pare::normalize_path. Whiteouts count as dive counts them: `.wh.NAME` counts the size of
/// NAME's subtree in the layers below when NAME is a folder there, and 0 when it is a file (dive
/// sizes only folders); a whiteout whose target is absent below stops dive's walk of that
/// layer, and the layer's later leaves are not counted. A folder a layer's tar does not list
/// but needs (a parent of its entries) becomes a node without info in dive's stacked tree,
/// so a later whiteout of it counts 0. dive never adds `.wh..wh..opq` markers
/// to its trees, so an opaque folder counts nothing here (pare's own WasteReport counts it).
struct DiveMetrics {
  double efficiency = 1.0;            ///< Σ smallest size per path / Σ cumulative size per path
  std::uint64_t size_bytes = 0;       ///< sum of layer sizes (a layer's size: sum of its entries')
  std::uint64_t user_size_bytes = 0;  ///< layers with index >= 1
  std::uint64_t wasted_bytes = 0;     ///< Σ cumulative size of inefficient paths: every copy
                                      ///< counts, the kept one too (dive bug #684)
  double user_wasted_percent = 0.0;   ///< wasted / user size; 0 when user size is 0 (dive: NaN)
  std::vector<InefficientFile> inefficient;  ///< largest cumulative size first, then by path
};

/// pare's own waste accounting for one layer.
struct LayerWaste {
  std::uint64_t bytes_added = 0;  ///< bytes of regular files this layer's tar holds
  /// Bytes of this layer's files that a later layer (or a later entry of the same tar) replaces
  /// or deletes, so they no longer show. Content a hardlink still shows is not counted.
  std::uint64_t bytes_overwritten_later = 0;
};

/// pare's waste for the image: only copies that do not show in the final tree.
struct WasteReport {
  std::vector<LayerWaste> layers;
  std::uint64_t wasted_bytes = 0;  ///< sum of bytes_overwritten_later
};

/// Accumulates dive's metrics and pare's waste while layers stream. Memory is proportional to
/// the number of paths and their names (dive's trees hold each folder by name below its parent,
/// not by its whole path), never to bytes.
class LayerAccounting {
 public:
  /// Feeds one layer's entries, in tar order, base layer first. Hardlinks have size 0 in the
  /// tar and count 0 bytes.
  void add_layer(const std::vector<TarEntry>& entries);

  DiveMetrics dive() const;
  WasteReport waste() const;

 private:
  /// A node of dive's trees, by name below its parent. Children in bytewise order of names:
  /// the depth-first order is dive's (Go sorts strings bytewise, and a folder's descendants
  /// come before its next sibling).
  struct DiveNode {
    using Children = std::map<std::string, std::unique_ptr<DiveNode>, std::less<>>;
    std::uint64_t size = 0;
    bool is_dir = false;  ///< false for a folder the layer's tar needs but does not list
    Children children;

    DiveNode() = default;
    DiveNode(const DiveNode&) = delete;
    DiveNode& operator=(const DiveNode&) = delete;
    /// Takes the subtree apart without recursion: a chain 32,000 folders deep must not take a
    /// stack frame per folder.
    ~DiveNode();
    /// The child named `name`, made (size 0, not a folder) when absent.
    DiveNode& child(std::string_view name);
  };
  struct PathStats {
    std::uint64_t cumulative = 0;
    std::uint64_t minimum = 0;
    std::uint64_t count = 0;
  };
  struct Blob {
    std::size_t layer = 0;
    std::uint64_t size = 0;
    std::uint64_t refs = 0;
  };
  struct WasteNode {
    EntryType type = EntryType::kDir;
    std::size_t blob = kNoBlob;
  };
  static constexpr std::size_t kNoBlob = static_cast<std::size_t>(-1);

  void add_dive_layer(const std::vector<TarEntry>& entries);
  void count_dive_leaves(const DiveNode& layer);
  void stack_dive_layer(const DiveNode& layer);
  /// The stacked node at a normalized path; null when absent.
  const DiveNode* find_stacked(std::string_view path) const;
  void add_waste_layer(const std::vector<TarEntry>& entries);
  void release(std::size_t blob);
  void remove_waste_subtree(const std::string& path, bool keep_root);

  // dive
  std::vector<std::uint64_t> layer_sizes_;
  DiveNode stacked_;  ///< the root of layers 0..n-1 as dive stacks them
  std::unordered_map<std::string, PathStats> paths_;
  // pare
  std::vector<LayerWaste> waste_;
  std::vector<Blob> blobs_;
  std::map<std::string, WasteNode> merged_;  ///< the merged tree's paths, lexical
};

}  // namespace pare
