#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pare/util/byte_source.hpp"
#include "pare/util/file.hpp"
#include "pare/util/limits.hpp"

namespace pare {

/// How the named files are kept, which is what tells an oci-archive from an oci-layout folder
/// holding the same files.
enum class BundleKind {
  kArchive,   ///< the members of a tar file (possibly spooled from standard input)
  kFolder,    ///< the files of a folder
  kRegistry,  ///< a registry's manifests and blobs, seen as an OCI layout's files
};

/// The named files an image is stored in: the members of an image tarball, or the files of an
/// OCI layout folder. Paths are relative and '/'-separated ("blobs/sha256/ab..", "manifest.json").
class Bundle {
 public:
  virtual ~Bundle() = default;
  /// How the files are kept; a bundle that is not a folder (a test's files in memory) is an
  /// archive's members.
  virtual BundleKind kind() const { return BundleKind::kArchive; }
  /// The path the user gave, for messages.
  virtual const std::string& describe() const = 0;
  /// The size of a regular file, following links inside the bundle; nullopt when absent.
  virtual std::optional<std::uint64_t> size(const std::string& path) const = 0;
  /// A new stream over a file; throws Error (exit 3) when it is absent.
  virtual std::unique_ptr<ByteSource> open(const std::string& path) const = 0;
  /// A new stream over a file from byte `offset` on (at most its size): what reading a layer
  /// again from a checkpoint needs. This default reads and discards the bytes before it.
  virtual std::unique_ptr<ByteSource> open_at(const std::string& path, std::uint64_t offset) const;

  bool contains(const std::string& path) const { return size(path).has_value(); }
  /// The whole file, which must be at most `limit` bytes (JSON documents).
  std::vector<std::byte> read(const std::string& path, std::uint64_t limit) const;
};

/// Opens what the user named: "-" (standard input, spooled to a temporary file), a folder (an
/// OCI layout), or a file holding a tar, plain or gzip/zstd compressed (decompressed to a
/// temporary file, so members can be read by range). The kind comes from the bytes, never the
/// name. What is spooled may be at most limits.max_image_bytes, so a small zstd stream cannot
/// fill the disk. Throws Error: exit 3 for an empty file, one that is no tar or one past the
/// limit, exit 4 for I/O errors.
std::unique_ptr<Bundle> open_bundle(const std::string& path, const InputLimits& limits = {});

}  // namespace pare
