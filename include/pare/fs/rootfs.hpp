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
#include "pare/fs/byte_origin.hpp"
#include "pare/fs/content_store.hpp"
#include "pare/util/limits.hpp"

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
  int layer = -1;  ///< index of the layer it came from; -1 for implicit dirs
  /// Regular files and hardlinks: where the bytes are (a hardlink shares its target's).
  ByteOrigin origin;
  /// A copy made while the layer streamed, when the capture rule asked for one: the whole
  /// file, or its first kCaptureHeadBytes. The origin still says where all the bytes are.
  std::optional<ContentRef> captured;
  std::string sha256;  ///< hex digest of the bytes, when the tree was hashed
  std::string sha1;    ///< hex SHA-1 of the bytes, when built with BuildTreeOptions::hash_files
  std::map<std::string, std::unique_ptr<Node>, std::less<>> children;  ///< dirs only
};

/// One entry of a layer as reading it found it: the tar entry, where its bytes are, and what
/// was captured or hashed of them.
struct CapturedEntry {
  TarEntry entry;
  /// Regular files: where the bytes are; left empty, the entry itself in the layer applied.
  ByteOrigin origin;
  std::optional<ContentRef> captured;  ///< see Node::captured
  std::string sha256;                  ///< hex, when hashed
  /// Hex SHA-1, when hashed (hash_files); defaulted, so brace initializers may leave it out.
  std::string sha1 = {};
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
  /// Takes the tree apart without recursion: a path 32,000 folders deep must not take a stack
  /// frame per folder.
  ~Rootfs();
  Rootfs(Rootfs&&) = default;
  Rootfs& operator=(Rootfs&&) = default;

  /// Applies one layer's entries (metadata only). Whiteouts (`.wh.NAME`) and opaque markers
  /// (`.wh..wh..opq`) act on lower layers only and are applied first, whatever their order in
  /// the tar. An entry's parent folders are resolved inside the root (a symlinked parent is
  /// followed, as containerd and umoci do); missing parents are created. Throws Error (exit 3,
  /// prefixed by `what`) for a path that climbs out of the root, a bare ".wh." or a hardlink to
  /// a path that does not exist.
  /// A regular file whose origin is empty gets LayerBytes{layer, its normalized tar path}.
  LayerChanges apply_layer(int layer, const std::vector<CapturedEntry>& entries,
                           const std::string& what);
  /// The same for entries that carry nothing but themselves (tests, listings).
  LayerChanges apply_layer(int layer, const std::vector<TarEntry>& entries,
                           const std::string& what);

  /// The node at a normalized path, symlinks not followed; null when absent.
  const Node* find(std::string_view path) const;
  /// Resolves a path as the kernel would inside a chroot of this tree: relative to the root,
  /// symlinks followed (absolute targets from the image root, ".." never above it), at most
  /// max_symlinks() links (Linux's 40 unless set). `follow_last` = false leaves a final symlink
  /// unresolved. `links`, when given, receives the normalized path of every symlink followed on the
  /// way, in order.
  Resolution resolve(std::string_view path, bool follow_last = true,
                     std::vector<std::string>* links = nullptr) const;

  /// Visits every path below the root, depth-first in byte order of names; paths have a
  /// leading '/'.
  void walk(const std::function<void(const std::string& path, const Node& node)>& visit) const;

  /// walk() with the nodes writable: for what is learnt of files after the tree is built
  /// (their digests); names and types must not change.
  void update(const std::function<void(const std::string& path, Node& node)>& visit);

  const Node& root() const { return *root_; }

  /// How many symlinks resolve() follows for one path (InputLimits::max_symlinks).
  std::uint64_t max_symlinks() const { return max_symlinks_; }
  void set_max_symlinks(std::uint64_t links) { max_symlinks_ = links; }

 private:
  Node* resolve_parent(std::string_view parent, int layer, const std::string& what);
  std::unique_ptr<Node> root_;
  std::uint64_t max_symlinks_ = InputLimits{}.max_symlinks;
};

/// Why resolving failed, in words ("symlink loop", ...).
std::string_view to_string(ResolveError error);

}  // namespace pare
