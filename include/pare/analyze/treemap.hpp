#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "pare/fs/rootfs.hpp"

namespace pare {

/// A rectangle of the treemap's plane: x to the right, y down.
struct Rect {
  double x = 0;
  double y = 0;
  double w = 0;
  double h = 0;

  double area() const { return w * h; }
};

/// Lays `sizes` out in `bounds` as a squarified treemap (Bruls, Huizing and van Wijk, 2000):
/// rows along the shorter side of what is left, a row closed when one more rectangle would
/// worsen its worst aspect ratio. One rectangle per size, in order; their areas are
/// proportional to the sizes and they tile `bounds`. Best on sizes sorted largest first;
/// negative sizes count as 0 (an empty rectangle).
std::vector<Rect> squarify(std::span<const double> sizes, const Rect& bounds);

/// What a box of the treemap stands for.
enum class BoxKind {
  kFolder,   ///< a folder drawn with its contents inside
  kFile,     ///< one path with bytes
  kSummary,  ///< files too small to draw one by one, together: a folder's small files, or a
             ///< whole folder too small (or past the budget) to draw its contents
};

/// "folder", "file", "summary".
std::string_view to_string(BoxKind kind);

/// One box of the treemap.
struct TreemapBox {
  std::string name;  ///< the file's or folder's name (shortened); empty for small files together
  std::size_t parent = 0;  ///< the folder box it is drawn in; the root's is itself (0)
  BoxKind kind = BoxKind::kFile;
  std::uint64_t bytes = 0;  ///< of regular files at or below it
  std::uint64_t files = 0;  ///< paths with bytes at or below it
  /// The layer that last wrote it; for a summary, the layer that wrote most of its bytes; -1
  /// for a folder no layer listed.
  int layer = -1;
  std::uint32_t marks = 0;  ///< bit i: a path of kind i is at or below it (Treemap::kinds)
  /// The kind its bytes are: a file's first kind; for a summary, the kind of most of its
  /// bytes when that is at least half; -1 for none.
  int mark = -1;
  std::uint64_t kept = 0;  ///< bytes a slim would keep
  std::string reason;      ///< a file a slim keeps: why (shortened)
  Rect rect;
};

/// Paths of the merged tree marked for the treemap's colours: the findings, in the order a
/// file's first kind is chosen, and what a slim would keep.
struct TreemapMarks {
  std::vector<std::string> kinds;  ///< names: "setuid", "shell", "docs", ... (at most 32)
  /// A path (absolute or normalized) and the index of its kind; a folder marks everything
  /// below it. Paths the tree lacks are ignored.
  std::vector<std::pair<std::string, std::size_t>> paths;
  bool slim = false;  ///< a slim plan was made: `kept` says what it keeps
  std::vector<std::pair<std::string, std::string>> kept;  ///< a path a slim keeps, and why
};

/// How big the treemap may get.
struct TreemapLimits {
  std::size_t max_boxes = 3000;  ///< the page stays small on an image of a million paths
  double width = 1200;           ///< of the plane
  double height = 720;
  double min_area = 24;  ///< a box smaller than this (plane units squared) is not drawn alone
};

/// The merged tree, bounded: the biggest folders drawn first, down to boxes of `min_area`,
/// at most `max_boxes`; what is smaller is drawn in summary boxes, and counted.
struct Treemap {
  double width = 0;
  double height = 0;
  std::vector<std::string> kinds;      ///< TreemapMarks::kinds
  bool slim = false;                   ///< TreemapMarks::slim
  std::vector<TreemapBox> boxes;       ///< boxes[0] is the root; a folder before what it holds
  std::uint64_t files = 0;             ///< paths with bytes in the tree
  std::uint64_t bytes = 0;             ///< bytes of regular files in the tree
  std::uint64_t summarized_files = 0;  ///< of `files`, those drawn inside summary boxes
  std::uint64_t summarized_bytes = 0;
  /// Paths without bytes (folders, links, empty files, devices): they take no room.
  std::uint64_t empty_paths = 0;
};

/// Lays the merged tree out. A hardlink's bytes count once, at the file it links to. Never
/// recurses: a chain of 32,000 folders takes no stack frame per folder, and the boxes' names
/// (not their paths) are all that is copied.
Treemap make_treemap(const Rootfs& rootfs, const TreemapMarks& marks,
                     const TreemapLimits& limits = {});

}  // namespace pare
