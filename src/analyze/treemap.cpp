#include "pare/analyze/treemap.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <queue>
#include <string_view>
#include <unordered_map>

namespace pare {

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr std::size_t kMaxName = 120;    ///< bytes of a box's name before the ellipsis
constexpr std::size_t kMaxReason = 160;  ///< bytes of a kept file's reason
constexpr double kFolderPad = 1;         ///< around a folder's contents
constexpr double kLabelHeight = 13;      ///< a folder's name above its contents, when it fits
constexpr double kMinSide = 4;           ///< a folder whose inside is thinner shows no contents

/// The worst aspect ratio of a row of rectangles of these areas laid along `side`.
double worst_ratio(double sum, double smallest, double largest, double side) {
  if (sum <= 0 || smallest <= 0 || side <= 0) return kInfinity;
  const double side2 = side * side;
  const double sum2 = sum * sum;
  return std::max(side2 * largest / sum2, sum2 / (side2 * smallest));
}

/// `text` cut to at most `max` bytes at a UTF-8 character boundary, with an ellipsis.
std::string shorten(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  std::size_t cut = max - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) --cut;
  return std::string(text.substr(0, cut)) + "\u2026";
}

std::uint64_t own_bytes(const Node& node) {
  return node.type == EntryType::kFile ? node.size : 0;
}

/// The first kind of a set of marks, -1 for none.
int first_mark(std::uint32_t marks) {
  for (int k = 0; k < 32; ++k) {
    if ((marks & (1U << static_cast<unsigned>(k))) != 0) return k;
  }
  return -1;
}

/// The merged tree in pre-order, one slot per path: a folder's subtree is the slots
/// [i, end[i]), its children the slots from i + 1, each followed by its own subtree.
struct IndexedTree {
  std::vector<const Node*> node;
  std::vector<std::string_view> name;  ///< the key of the parent's children map
  std::vector<std::size_t> end;
  std::vector<std::uint64_t> bytes;      ///< at or below
  std::vector<std::uint64_t> files;      ///< paths with bytes at or below
  std::vector<std::uint64_t> kept;       ///< bytes a slim keeps at or below
  std::vector<std::uint32_t> marks;      ///< of the path and of the folders above it
  std::vector<std::uint32_t> below;      ///< of the paths with bytes at or below
  std::vector<std::string_view> reason;  ///< why a slim keeps the path; empty when it does not
};

IndexedTree index_tree(const Rootfs& rootfs, const TreemapMarks& marks) {
  std::unordered_map<const Node*, std::uint32_t> marked;
  for (const auto& [path, kind] : marks.paths) {
    if (kind >= 32) continue;
    if (const Node* n = rootfs.find(path); n != nullptr) marked[n] |= 1U << kind;
  }
  std::unordered_map<const Node*, std::string_view> kept;
  for (const auto& [path, why] : marks.kept) {
    if (const Node* n = rootfs.find(path); n != nullptr) kept.emplace(n, why);
  }

  IndexedTree t;
  std::vector<std::size_t> parent;
  auto add = [&](const Node* n, std::string_view name, std::size_t up) {
    const std::size_t i = t.node.size();
    t.node.push_back(n);
    t.name.push_back(name);
    t.end.push_back(i + 1);
    parent.push_back(up);
    const std::uint64_t bytes = own_bytes(*n);
    t.bytes.push_back(bytes);
    t.files.push_back(bytes > 0 ? 1 : 0);
    const auto m = marked.find(n);
    const std::uint32_t own = (m != marked.end() ? m->second : 0U) | (i > 0 ? t.marks[up] : 0U);
    t.marks.push_back(own);
    t.below.push_back(bytes > 0 ? own : 0U);
    const auto k = kept.find(n);
    t.reason.push_back(k != kept.end() ? k->second : std::string_view());
    t.kept.push_back(k != kept.end() ? bytes : 0);
    return i;
  };

  struct Level {
    std::size_t index;
    std::map<std::string, std::unique_ptr<Node>, std::less<>>::const_iterator next;
  };
  const Node& root = rootfs.root();
  std::vector<Level> stack{{add(&root, "", 0), root.children.begin()}};
  while (!stack.empty()) {
    Level& level = stack.back();
    if (level.next == t.node[level.index]->children.end()) {
      t.end[level.index] = t.node.size();
      stack.pop_back();
      continue;
    }
    const auto& [name, child] = *level.next++;
    const std::size_t i = add(child.get(), name, level.index);
    if (!child->children.empty()) stack.push_back({i, child->children.begin()});
  }
  for (std::size_t i = t.node.size(); i-- > 1;) {
    const std::size_t up = parent[i];
    t.bytes[up] += t.bytes[i];
    t.files[up] += t.files[i];
    t.kept[up] += t.kept[i];
    t.below[up] |= t.below[i];
  }
  return t;
}

/// Lays the tree out folder by folder, the biggest folder first, until the boxes run out.
class Layout {
 public:
  Layout(const IndexedTree& tree, const TreemapLimits& limits, std::size_t kinds)
      : tree_(tree), limits_(limits), kinds_(kinds) {}

  std::vector<TreemapBox> run() {
    TreemapBox root = folder_box(0, 0);
    root.name = "/";
    root.rect = {0, 0, limits_.width, limits_.height};
    boxes_.push_back(std::move(root));
    box_node_.push_back(0);
    if (tree_.bytes[0] > 0) queue_.push({tree_.bytes[0], 0});
    while (!queue_.empty()) {
      const std::size_t box = queue_.top().box;
      queue_.pop();
      expand(box);
    }
    return std::move(boxes_);
  }

 private:
  struct Pending {
    std::uint64_t bytes;
    std::size_t box;
    /// The biggest folder first; of two as big, the one made first.
    bool operator<(const Pending& other) const {
      return bytes != other.bytes ? bytes < other.bytes : box > other.box;
    }
  };
  /// The slots a summary box stands for: whole subtrees, as [first, end) ranges.
  using Ranges = std::vector<std::pair<std::size_t, std::size_t>>;

  Rect inside(std::size_t box) const {
    const Rect& r = boxes_[box].rect;
    if (box == 0) return r;
    const double label = r.h >= 3 * kLabelHeight && r.w >= 50 ? kLabelHeight : 0;
    return {r.x + kFolderPad, r.y + kFolderPad + label, std::max(0.0, r.w - 2 * kFolderPad),
            std::max(0.0, r.h - 2 * kFolderPad - label)};
  }

  void expand(std::size_t box) {
    const std::size_t at = box_node_[box];
    const Rect in = inside(box);
    if (in.w < kMinSide || in.h < kMinSide) {
      summarize(box, {{at + 1, tree_.end[at]}});
      return;
    }
    std::vector<std::size_t> children;
    for (std::size_t c = at + 1; c < tree_.end[at]; c = tree_.end[c]) {
      if (tree_.bytes[c] > 0) children.push_back(c);
    }
    std::stable_sort(children.begin(), children.end(),
                     [&](std::size_t a, std::size_t b) { return tree_.bytes[a] > tree_.bytes[b]; });
    const double scale = in.area() / static_cast<double>(tree_.bytes[at]);
    std::size_t shown = 0;
    while (shown < children.size() &&
           static_cast<double>(tree_.bytes[children[shown]]) * scale >= limits_.min_area) {
      ++shown;
    }
    const std::size_t budget =
        limits_.max_boxes > boxes_.size() ? limits_.max_boxes - boxes_.size() : 0;
    if (shown == children.size() && shown > budget) shown = budget > 0 ? budget - 1 : 0;
    if (shown < children.size() && shown + 1 > budget) shown = budget > 0 ? budget - 1 : 0;
    if (shown == 0) {
      summarize(box, {{at + 1, tree_.end[at]}});
      return;
    }
    std::vector<double> sizes;
    for (std::size_t k = 0; k < shown; ++k) {
      sizes.push_back(static_cast<double>(tree_.bytes[children[k]]));
    }
    Ranges rest;
    std::uint64_t rest_bytes = 0;
    for (std::size_t k = shown; k < children.size(); ++k) {
      rest.emplace_back(children[k], tree_.end[children[k]]);
      rest_bytes += tree_.bytes[children[k]];
    }
    if (!rest.empty()) sizes.push_back(static_cast<double>(rest_bytes));
    const std::vector<Rect> rects = squarify(sizes, in);
    for (std::size_t k = 0; k < shown; ++k) {
      std::size_t c = children[k];
      const bool folder = tree_.node[c]->type == EntryType::kDir;
      std::string name(tree_.name[c]);
      if (folder) c = chain_end(c, name);
      TreemapBox b = folder ? folder_box(c, box) : file_box(c, box);
      b.name = shorten(name, kMaxName);
      b.rect = rects[k];
      boxes_.push_back(std::move(b));
      box_node_.push_back(c);
      if (folder) queue_.push({tree_.bytes[c], boxes_.size() - 1});
    }
    if (!rest.empty()) {
      TreemapBox b;
      b.parent = box;
      b.rect = rects.back();
      boxes_.push_back(std::move(b));
      box_node_.push_back(at);
      summarize(boxes_.size() - 1, rest);
    }
  }

  /// A folder whose bytes are all in one folder below it is drawn as one box with both
  /// names ("var/cache/apt"): no frame and label a level for nothing. Returns the lowest
  /// folder of the chain; `name` gets its names, up to a few times a box's name.
  std::size_t chain_end(std::size_t at, std::string& name) const {
    while (name.size() < 4 * kMaxName) {
      std::size_t only = at;
      for (std::size_t c = at + 1; c < tree_.end[at]; c = tree_.end[c]) {
        if (tree_.bytes[c] == 0) continue;
        if (only != at) return at;  // two children with bytes
        only = c;
      }
      if (only == at || tree_.node[only]->type != EntryType::kDir) return at;
      name.append("/").append(tree_.name[only]);
      at = only;
    }
    return at;
  }

  TreemapBox folder_box(std::size_t at, std::size_t parent) const {
    TreemapBox b;
    b.name = shorten(tree_.name[at], kMaxName);
    b.parent = parent;
    b.kind = BoxKind::kFolder;
    b.bytes = tree_.bytes[at];
    b.files = tree_.files[at];
    b.layer = tree_.node[at]->layer;
    b.marks = tree_.below[at];
    b.kept = tree_.kept[at];
    return b;
  }

  TreemapBox file_box(std::size_t at, std::size_t parent) const {
    TreemapBox b = folder_box(at, parent);
    b.kind = BoxKind::kFile;
    b.marks = tree_.marks[at];
    b.mark = first_mark(b.marks);
    b.reason = shorten(tree_.reason[at], kMaxReason);
    return b;
  }

  /// Makes `box` a summary of the paths in `ranges`: its layer and kind are those of most of
  /// their bytes.
  void summarize(std::size_t box, const Ranges& ranges) {
    TreemapBox& b = boxes_[box];
    b.kind = BoxKind::kSummary;
    b.bytes = 0;
    b.files = 0;
    b.kept = 0;
    b.marks = 0;
    std::map<int, std::uint64_t> by_layer;
    std::vector<std::uint64_t> by_kind(kinds_, 0);
    for (const auto& [first, end] : ranges) {
      for (std::size_t i = first; i < end; ++i) {
        const std::uint64_t bytes = own_bytes(*tree_.node[i]);
        if (bytes == 0) continue;
        b.bytes += bytes;
        ++b.files;
        if (!tree_.reason[i].empty()) b.kept += bytes;
        b.marks |= tree_.marks[i];
        by_layer[tree_.node[i]->layer] += bytes;
        const int kind = first_mark(tree_.marks[i]);
        if (kind >= 0 && static_cast<std::size_t>(kind) < kinds_) by_kind[kind] += bytes;
      }
    }
    std::uint64_t most = 0;
    for (const auto& [layer, bytes] : by_layer) {
      if (bytes > most) {
        most = bytes;
        b.layer = layer;
      }
    }
    most = 0;
    b.mark = -1;
    for (std::size_t k = 0; k < kinds_; ++k) {
      if (by_kind[k] > most && 2 * by_kind[k] >= b.bytes) {
        most = by_kind[k];
        b.mark = static_cast<int>(k);
      }
    }
  }

  const IndexedTree& tree_;
  const TreemapLimits& limits_;
  std::size_t kinds_;
  std::vector<TreemapBox> boxes_;
  std::vector<std::size_t> box_node_;  ///< the slot each box was made from
  std::priority_queue<Pending> queue_;
};

}  // namespace

std::vector<Rect> squarify(std::span<const double> sizes, const Rect& bounds) {
  std::vector<Rect> out(sizes.size(), Rect{bounds.x, bounds.y, 0, 0});
  double total = 0;
  std::size_t last_positive = 0;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] > 0) {
      total += sizes[i];
      last_positive = i;
    }
  }
  if (total <= 0 || bounds.w <= 0 || bounds.h <= 0) return out;
  const double scale = bounds.area() / total;
  auto area = [&](std::size_t i) { return std::max(sizes[i], 0.0) * scale; };
  Rect free = bounds;
  std::size_t i = 0;
  while (i <= last_positive) {
    const double side = std::min(free.w, free.h);
    double sum = 0;
    double smallest = kInfinity;
    double largest = 0;
    double worst = kInfinity;
    std::size_t j = i;
    while (j <= last_positive) {
      const double a = area(j);
      const double ratio = worst_ratio(sum + a, std::min(smallest, a), std::max(largest, a), side);
      if (j > i && ratio > worst) break;
      sum += a;
      smallest = std::min(smallest, a);
      largest = std::max(largest, a);
      worst = ratio;
      ++j;
    }
    if (sum <= 0) {  // empty rectangles take no room
      for (std::size_t k = i; k < j; ++k) out[k] = {free.x, free.y, 0, 0};
      i = j;
      continue;
    }
    // The last row takes all that is left, so rounding never leaves a gap or spills over.
    const bool last = j > last_positive;
    const bool column = free.w >= free.h;  // the row runs down the left side
    const double length = column ? free.h : free.w;
    const double thickness = last ? (column ? free.w : free.h) : sum / length;
    double along = column ? free.y : free.x;
    const double stop = along + length;
    for (std::size_t k = i; k < j; ++k) {
      const double extent = k + 1 == j ? stop - along : length * area(k) / sum;
      out[k] =
          column ? Rect{free.x, along, thickness, extent} : Rect{along, free.y, extent, thickness};
      along += extent;
    }
    if (column) {
      free.x += thickness;
      free.w = std::max(0.0, free.w - thickness);
    } else {
      free.y += thickness;
      free.h = std::max(0.0, free.h - thickness);
    }
    i = j;
  }
  for (std::size_t k = last_positive + 1; k < sizes.size(); ++k) out[k] = {free.x, free.y, 0, 0};
  return out;
}

std::string_view to_string(BoxKind kind) {
  switch (kind) {
    case BoxKind::kFolder:
      return "folder";
    case BoxKind::kFile:
      return "file";
    case BoxKind::kSummary:
      return "summary";
  }
  return "file";
}

Treemap make_treemap(const Rootfs& rootfs, const TreemapMarks& marks, const TreemapLimits& limits) {
  Treemap map;
  map.width = limits.width;
  map.height = limits.height;
  map.kinds = marks.kinds;
  map.slim = marks.slim;
  const IndexedTree tree = index_tree(rootfs, marks);
  map.files = tree.files[0];
  map.bytes = tree.bytes[0];
  map.empty_paths = tree.node.size() - 1 - tree.files[0];
  map.boxes = Layout(tree, limits, std::min<std::size_t>(marks.kinds.size(), 32)).run();
  for (const auto& b : map.boxes) {
    if (b.kind == BoxKind::kSummary) {
      map.summarized_files += b.files;
      map.summarized_bytes += b.bytes;
    }
  }
  return map;
}

}  // namespace pare
