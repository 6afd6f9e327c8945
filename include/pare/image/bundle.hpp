#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "pare/util/byte_source.hpp"
#include "pare/util/file.hpp"

namespace pare {

/// The named files an image is stored in: the members of an image tarball, or the files of an
/// OCI layout folder. Paths are relative and '/'-separated ("blobs/sha256/ab..", "manifest.json").
class Bundle {
 public:
  virtual ~Bundle() = default;
  /// The path the user gave, for messages.
  virtual const std::string& describe() const = 0;
  /// The size of a regular file, following links inside the bundle; nullopt when absent.
  virtual std::optional<std::uint64_t> size(const std::string& path) const = 0;
  /// A new stream over a file; throws Error (exit 3) when it is absent.
  virtual std::unique_ptr<ByteSource> open(const std::string& path) const = 0;

  bool contains(const std::string& path) const { return size(path).has_value(); }
  /// The whole file, which must be at most `limit` bytes (JSON documents).
  std::vector<std::byte> read(const std::string& path, std::uint64_t limit) const;
};

/// Opens what the user named: "-" (standard input, spooled to a temporary file), a folder (an
/// OCI layout), or a file holding a tar, plain or gzip/zstd compressed (decompressed to a
/// temporary file, so members can be read by range). The kind comes from the bytes, never the
/// name. Throws Error: exit 3 for an empty file or one that is no tar, exit 4 for I/O errors.
std::unique_ptr<Bundle> open_bundle(const std::string& path);

/// An uncompressed tar file indexed once (member -> offset and size), its members then read
/// by range. Symlinked and hardlinked members (podman's `<id>/layer.tar -> ../<diffid>.tar`)
/// are followed inside the archive.
class TarBundle : public Bundle {
 public:
  /// Indexes the tar at `file`; `display` names it in messages. `keep_alive` is held for the
  /// bundle's lifetime (the temporary file a spooled input lives in).
  TarBundle(const std::filesystem::path& file, std::string display,
            std::shared_ptr<void> keep_alive = nullptr);
  const std::string& describe() const override { return display_; }
  std::optional<std::uint64_t> size(const std::string& path) const override;
  std::unique_ptr<ByteSource> open(const std::string& path) const override;
  std::size_t member_count() const { return members_.size(); }

 private:
  struct Member {
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
    char kind = 'f';   ///< 'f' file, 'd' dir, 'l' symlink, 'h' hardlink
    std::string link;  ///< normalized target path for 'l' and 'h'
  };
  const Member* find_file(const std::string& path) const;

  std::string display_;
  std::shared_ptr<void> keep_alive_;
  std::shared_ptr<const UniqueFd> fd_;
  std::map<std::string, Member, std::less<>> members_;
};

/// An OCI image layout folder. Paths never leave the folder: ".." and absolute paths are
/// refused, and only regular files are opened.
class DirBundle : public Bundle {
 public:
  DirBundle(std::filesystem::path root, std::string display)
      : root_(std::move(root)), display_(std::move(display)) {}
  const std::string& describe() const override { return display_; }
  std::optional<std::uint64_t> size(const std::string& path) const override;
  std::unique_ptr<ByteSource> open(const std::string& path) const override;

 private:
  std::optional<std::filesystem::path> confined(const std::string& path) const;
  std::filesystem::path root_;
  std::string display_;
};

}  // namespace pare
