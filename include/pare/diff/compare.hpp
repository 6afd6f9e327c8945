#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pare/archive/tar_entry.hpp"
#include "pare/fs/image_tree.hpp"

namespace pare {

/// One image's view of a path, as the diff compares and prints it.
struct PathState {
  /// A hardlink is shown and compared as the regular file it names: which paths share an
  /// inode is not compared (a slim writes each hardlink as a file).
  EntryType type = EntryType::kFile;
  std::uint32_t mode = 0;  ///< permission bits with setuid, setgid and sticky
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint64_t size = 0;   ///< regular files: bytes of content
  std::string link_target;  ///< symlinks: the target as written
  std::uint32_t dev_major = 0;
  std::uint32_t dev_minor = 0;
};

/// What differs about a path both images have. A folder's mtime is never compared (nor any
/// mtime): a rebuilt folder whose only change is its time is no change.
struct Differences {
  bool type = false;     ///< when set, nothing else is compared
  bool content = false;  ///< files: size or bytes; devices: their numbers
  bool mode = false;
  bool owner = false;  ///< uid or gid
  bool link_target = false;

  bool any() const { return type || content || mode || owner || link_target; }
  bool operator==(const Differences&) const = default;
};

/// A path one image has and the other lacks, or both have and differ in.
struct PathChange {
  std::string path;    ///< absolute, "/etc/passwd"
  PathState a;         ///< removed and changed paths
  PathState b;         ///< added and changed paths
  Differences what;    ///< changed paths
  std::string reason;  ///< why a pare slim B has it, when that is known (slim_reasons)
};

/// Bytes of regular files under one top-level name ("/usr"; a file at the top is its own).
struct FolderSize {
  std::string folder;
  std::uint64_t a = 0;
  std::uint64_t b = 0;
};

/// What compare_trees found. Every list is sorted by path in byte order.
struct TreeDiff {
  std::vector<PathChange> added;    ///< in B only
  std::vector<PathChange> removed;  ///< in A only
  std::vector<PathChange> changed;  ///< in both, differing
  std::uint64_t unchanged = 0;      ///< paths in both that compare the same
  /// Paths in both, changed or not; filled only when asked (CompareOptions::list_common).
  std::vector<std::string> common;
  std::vector<FolderSize> folders;  ///< top-level names holding regular files in A or B
  std::uint64_t size_a = 0;         ///< bytes of regular files in A (hardlinks not counted again)
  std::uint64_t size_b = 0;

  bool differ() const { return !added.empty() || !removed.empty() || !changed.empty(); }
};

struct CompareOptions {
  bool list_common = false;  ///< fill TreeDiff::common
};

/// Compares two merged trees path by path, in one walk over both (no path string kept for a
/// path that is not reported). Two regular files have the same content when their sizes are
/// equal and their SHA-256 digests are (when both trees hashed them), else their CRC-64s: the
/// ones their layers summed to while streaming (LayerBytes), or, for bytes the tree stored
/// itself (a sparse file), summed now from its ContentStore. No other file content is read.
/// Throws Error (exit 4) when stored bytes cannot be read.
TreeDiff compare_trees(const ImageTree& a, const ImageTree& b, const CompareOptions& options = {});

}  // namespace pare
