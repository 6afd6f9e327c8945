#include "pare/diff/compare.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <string_view>
#include <variant>

#include "pare/digest/crc64.hpp"

namespace pare {

namespace {

using Children = std::map<std::string, std::unique_ptr<Node>, std::less<>>;

PathState state_of(const Node& node) {
  PathState s;
  s.type = node.type == EntryType::kHardlink ? EntryType::kFile : node.type;
  s.mode = node.mode & 07777U;
  s.uid = node.uid;
  s.gid = node.gid;
  if (s.type == EntryType::kFile) s.size = node.size;
  if (s.type == EntryType::kSymlink) s.link_target = node.link_target;
  if (s.type == EntryType::kCharDevice || s.type == EntryType::kBlockDevice) {
    s.dev_major = node.dev_major;
    s.dev_minor = node.dev_minor;
  }
  return s;
}

/// What a file's bytes summed to when its layer streamed; bytes the tree stored itself are
/// summed now (they are in the ContentStore, not in a layer read by offset).
std::optional<std::uint64_t> crc64_of_node(const ImageTree& tree, const Node& node) {
  if (const auto* at = std::get_if<LayerBytes>(&node.origin)) return at->crc64;
  if (const auto* stored = std::get_if<StoredBytes>(&node.origin)) {
    return crc64_of(tree.content.read(stored->ref));
  }
  return std::nullopt;
}

bool same_content(const ImageTree& ta, const Node& a, const ImageTree& tb, const Node& b) {
  if (a.size != b.size) return false;
  if (!a.sha256.empty() && !b.sha256.empty()) return a.sha256 == b.sha256;
  if (a.size == 0) return true;
  const auto ca = crc64_of_node(ta, a);
  const auto cb = crc64_of_node(tb, b);
  // Without a sum on both sides (a host file: never in an image) the sizes are all there is.
  return !ca || !cb || *ca == *cb;
}

Differences differences(const ImageTree& ta, const Node& a, const PathState& sa,
                        const ImageTree& tb, const Node& b, const PathState& sb) {
  Differences d;
  if (sa.type != sb.type) {
    d.type = true;  // a file that became a symlink: its mode and owner say nothing more
    return d;
  }
  switch (sa.type) {
    case EntryType::kFile:
      d.content = !same_content(ta, a, tb, b);
      break;
    case EntryType::kSymlink:
      d.link_target = sa.link_target != sb.link_target;
      break;
    case EntryType::kCharDevice:
    case EntryType::kBlockDevice:
      d.content = sa.dev_major != sb.dev_major || sa.dev_minor != sb.dev_minor;
      break;
    default:
      break;
  }
  d.mode = sa.mode != sb.mode;
  d.owner = sa.uid != sb.uid || sa.gid != sb.gid;
  return d;
}

/// One walk over both trees at once: each folder's children are merged by name, so a path is
/// built in one buffer while the walk passes it and copied only when it is reported.
class Comparison {
 public:
  Comparison(const ImageTree& a, const ImageTree& b, const CompareOptions& options)
      : a_(a), b_(b), options_(options) {}

  TreeDiff run() {
    // A record per folder being walked, not a stack frame: paths may be 32,000 folders deep.
    struct Frame {
      Children::const_iterator ia, ea, ib, eb;
      std::size_t path_size = 0;
    };
    const Children none;
    const auto frame = [&](const Node* na, const Node* nb, std::size_t path_size) {
      const Children& ca = na != nullptr && na->type == EntryType::kDir ? na->children : none;
      const Children& cb = nb != nullptr && nb->type == EntryType::kDir ? nb->children : none;
      return Frame{ca.begin(), ca.end(), cb.begin(), cb.end(), path_size};
    };
    std::vector<Frame> stack{frame(&a_.rootfs.root(), &b_.rootfs.root(), 0)};
    while (!stack.empty()) {
      Frame& f = stack.back();
      const bool a_left = f.ia != f.ea;
      const bool b_left = f.ib != f.eb;
      if (!a_left && !b_left) {
        stack.pop_back();
        continue;
      }
      const Node* na = nullptr;
      const Node* nb = nullptr;
      std::string_view name;
      if (a_left && (!b_left || f.ia->first <= f.ib->first)) {
        na = f.ia->second.get();
        name = f.ia->first;
      }
      if (b_left && (!a_left || f.ib->first <= f.ia->first)) {
        nb = f.ib->second.get();
        name = f.ib->first;
      }
      path_.resize(f.path_size);
      path_.append("/").append(name);
      if (na != nullptr) ++f.ia;
      if (nb != nullptr) ++f.ib;
      visit(na, nb);
      Frame below = frame(na, nb, path_.size());
      if (below.ia != below.ea || below.ib != below.eb) stack.push_back(below);  // f is void now
    }
    const auto by_path = [](const PathChange& x, const PathChange& y) { return x.path < y.path; };
    // The walk goes name by name ("/a", "/a/b", "/a-b"); byte order of whole paths differs.
    std::sort(diff_.added.begin(), diff_.added.end(), by_path);
    std::sort(diff_.removed.begin(), diff_.removed.end(), by_path);
    std::sort(diff_.changed.begin(), diff_.changed.end(), by_path);
    std::sort(diff_.common.begin(), diff_.common.end());
    for (auto& [name, folder] : folders_) diff_.folders.push_back(std::move(folder));
    return std::move(diff_);
  }

 private:
  /// One path: in A (`na`), in B (`nb`), or both; never neither.
  void visit(const Node* na, const Node* nb) {
    if (na != nullptr) count(*na, &FolderSize::a, diff_.size_a);
    if (nb != nullptr) count(*nb, &FolderSize::b, diff_.size_b);
    if (na != nullptr && nb != nullptr) {
      compare(*na, *nb);
    } else if (na != nullptr) {
      // Filled in place: GCC 12's -O3 takes a braced temporary's empty strings for uninitialized.
      PathChange& removed = diff_.removed.emplace_back();
      removed.path = path_;
      removed.a = state_of(*na);
    } else if (nb != nullptr) {
      PathChange& added = diff_.added.emplace_back();
      added.path = path_;
      added.b = state_of(*nb);
    }
  }

  void compare(const Node& na, const Node& nb) {
    if (options_.list_common) diff_.common.push_back(path_);
    PathState sa = state_of(na);
    PathState sb = state_of(nb);
    const Differences d = differences(a_, na, sa, b_, nb, sb);
    if (d.any()) {
      diff_.changed.push_back({path_, std::move(sa), std::move(sb), d, {}});
    } else {
      ++diff_.unchanged;
    }
  }

  /// Regular files only: a hardlink's bytes are its target's, counted there.
  void count(const Node& node, std::uint64_t FolderSize::*side, std::uint64_t& total) {
    if (node.type != EntryType::kFile) return;
    total += node.size;
    const std::string_view top = std::string_view(path_).substr(0, path_.find('/', 1));
    auto it = folders_.find(top);
    if (it == folders_.end()) {
      it = folders_.emplace(std::string(top), FolderSize{std::string(top), 0, 0}).first;
    }
    it->second.*side += node.size;
  }

  const ImageTree& a_;
  const ImageTree& b_;
  const CompareOptions& options_;
  std::string path_;
  TreeDiff diff_;
  std::map<std::string, FolderSize, std::less<>> folders_;
};

}  // namespace

TreeDiff compare_trees(const ImageTree& a, const ImageTree& b, const CompareOptions& options) {
  return Comparison(a, b, options).run();
}

}  // namespace pare
