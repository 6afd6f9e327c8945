#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "pare/fs/image_tree.hpp"

namespace pare {

/// A host file or folder to place at a path of an image (pack's binary, --add, the sysroot).
struct HostCopy {
  std::filesystem::path source;       ///< on the host; a folder is copied with what it holds
  std::string dest;                   ///< absolute path in the image
  std::optional<std::uint32_t> mode;  ///< replaces the host mode of `source` itself
  bool root_owned = true;             ///< uid and gid 0, as COPY writes them; else the host's
  bool missing_ok = false;            ///< a sysroot folder the host may lack
};

/// Reads host files with plain open(2): what a tree of host copies reads its bytes through.
class HostFileReader final : public HostFiles {
 public:
  std::unique_ptr<ByteSource> open(const std::string& path) const override;
};

/// Applies `copies` to `tree` as layer `layer` (again, to add to a layer already applied): metadata
/// from lstat (symlinks are recorded, never followed on the host; sockets skipped), bytes left on
/// the host (HostBytes) and read when first asked for through a HostFileReader the tree is
/// given, so a sysroot of gigabytes costs only
/// its index. Throws Error: exit 2 when a source is absent (unless missing_ok), exit 4 when a
/// folder cannot be read.
void add_host_copies(ImageTree& tree, std::span<const HostCopy> copies, int layer);

}  // namespace pare
