#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pare/archive/tar_entry.hpp"
#include "pare/fs/content_store.hpp"

namespace pare {

/// One file of the merged tree, as the last layer that touched it left it.
struct Node {
  EntryType type = EntryType::kDir;
  std::uint32_t mode = 0755;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::int64_t mtime = 0;
  std::uint64_t size = 0;   ///< regular files and hardlinks: bytes of content
  std::string link_target;  ///< symlink: the target as written; hardlink: normalized path
  std::uint32_t dev_major = 0;
  std::uint32_t dev_minor = 0;
  std::map<std::string, std::string> xattrs;
  int layer = -1;                     ///< index of the layer it came from; -1 for implicit dirs
  std::optional<ContentRef> content;  ///< captured bytes (whole file or its head), if any
  std::string sha256;                 ///< hex digest of the content, when the tree was hashed
  /// Hardlinks: the layer and path of the tar entry that carries the bytes (their target's).
  int data_layer = -1;
  std::string data_path;
  /// Files taken from a host folder (pack): where the bytes are on the host, read on demand.
  std::string host_path;
  std::map<std::string, std::unique_ptr<Node>, std::less<>> children;  ///< dirs only
};

/// What applying one layer did to the merged tree.
struct LayerChanges {
  std::uint64_t added = 0;    ///< paths that did not exist below this layer
  std::uint64_t changed = 0;  ///< paths that existed and were replaced (dirs: attributes changed)
  std::uint64_t removed = 0;  ///< paths a whiteout or opaque dir deleted, with their subtrees
};

/// Why a path did not resolve.
enum class ResolveError { kNone, kMissing, kLoop, kNotADirectory };

/// The result of resolving a path inside the image.
struct Resolution {
  const Node* node = nullptr;  ///< null on error
  std::string path;            ///< the normalized path reached ("" is the root)
  ResolveError error = ResolveError::kNone;
};

/// The merged file tree of an image's layers: the OCI layer changeset rules applied in order,
/// without touching the host filesystem.
class Rootfs {
 public:
  Rootfs();

  /// Applies one layer's entries (metadata only). Whiteouts (`.wh.NAME`) and opaque markers
  /// (`.wh..wh..opq`) act on lower layers only and are applied first, whatever their order in
  /// the tar. An entry's parent folders are resolved inside the root (a symlinked parent is
  /// followed, as containerd and umoci do); missing parents are created. Throws Error (exit 3,
  /// prefixed by `what`) for a path that climbs out of the root, a bare ".wh." or a hardlink to
  /// a path that does not exist.
  /// `contents`, `hashes` and `host_paths`, when not empty, hold for each entry the bytes
  /// captured of it, their SHA-256, and the host file it was read from.
  LayerChanges apply_layer(int layer, const std::vector<TarEntry>& entries, const std::string& what,
                           const std::vector<std::optional<ContentRef>>& contents = {},
                           const std::vector<std::string>& hashes = {},
                           const std::vector<std::string>& host_paths = {});

  /// The node at a normalized path, symlinks not followed; null when absent.
  const Node* find(std::string_view path) const;
  /// Resolves a path as the kernel would inside a chroot of this tree: relative to the root,
  /// symlinks followed (absolute targets from the image root, ".." never above it), at most 40
  /// links. `follow_last` = false leaves a final symlink unresolved. `links`, when given,
  /// receives the normalized path of every symlink followed on the way, in order.
  Resolution resolve(std::string_view path, bool follow_last = true,
                     std::vector<std::string>* links = nullptr) const;

  /// Visits every path below the root, depth-first in byte order of names; paths have a
  /// leading '/'.
  void walk(const std::function<void(const std::string& path, const Node& node)>& visit) const;

  const Node& root() const { return *root_; }

 private:
  Node* resolve_parent(std::string_view parent, int layer, const std::string& what);
  std::unique_ptr<Node> root_;
};

/// Why resolving failed, in words ("symlink loop", ...).
std::string_view to_string(ResolveError error);

}  // namespace pare
