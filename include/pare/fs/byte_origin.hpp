#pragma once

#include <memory>
#include <string>
#include <tuple>
#include <variant>

#include "pare/fs/content_store.hpp"
#include "pare/util/byte_source.hpp"

namespace pare {

/// The bytes are in a source layer: the regular-file entry at `path` (normalized, as the tar
/// names it, which may differ from where the tree placed it: "lib/x" under a symlinked lib),
/// whose data starts `offset` bytes into the layer's tar stream. A hardlink's bytes are its
/// target's entry. `crc64` is what the bytes summed to when the layer was indexed, so reading
/// them again by offset can tell they are still the same.
struct LayerBytes {
  int layer = -1;
  std::string path;
  std::uint64_t offset = 0;
  std::uint64_t crc64 = 0;
  bool operator==(const LayerBytes&) const = default;
  bool operator<(const LayerBytes& other) const {
    return std::tie(layer, offset, path) < std::tie(other.layer, other.offset, other.path);
  }
};

/// The bytes are a host file (pack's program, sysroot and --add files), read when asked for
/// through a HostFiles.
struct HostBytes {
  std::string path;
  bool operator==(const HostBytes&) const = default;
};

/// The bytes are all in a ContentStore: a file pare wrote itself, or one captured whole.
struct StoredBytes {
  ContentRef ref;
  bool operator==(const StoredBytes&) const = default;
};

/// Where a regular file's bytes are, as a value a tree, a plan and the layer builder pass
/// around instead of a node: nowhere (folders, symlinks, devices), a layer entry, a host file,
/// or a ContentStore.
using ByteOrigin = std::variant<std::monostate, LayerBytes, HostBytes, StoredBytes>;

/// Opens host files. fs never opens a host path itself: the code that puts host files in a
/// tree supplies this (pack's HostFileReader), tests a fake over memory.
class HostFiles {
 public:
  HostFiles() = default;
  HostFiles(const HostFiles&) = delete;
  HostFiles& operator=(const HostFiles&) = delete;
  HostFiles(HostFiles&&) = delete;
  HostFiles& operator=(HostFiles&&) = delete;
  virtual ~HostFiles() = default;

  /// A new stream over host file `path`; throws Error (exit 4) when it cannot be opened.
  virtual std::unique_ptr<ByteSource> open(const std::string& path) const = 0;
};

}  // namespace pare
