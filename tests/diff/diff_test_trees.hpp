#pragma once

// Merged trees built in memory for the diff tests: entries with the origin (layer, offset,
// crc64) a layer read would have given them, so content can be told apart without layers.

#include <cstdint>
#include <string>
#include <vector>

#include "pare/fs/image_tree.hpp"

namespace pare::diff_testing {

class Layer {
 public:
  /// A regular file whose bytes summed to `crc` at `offset` of layer 0.
  Layer& file(const std::string& path, std::uint64_t size, std::uint64_t crc,
              std::uint32_t mode = 0644, std::uint32_t uid = 0, std::uint32_t gid = 0,
              std::uint64_t offset = 0) {
    TarEntry e = entry(path, EntryType::kFile, mode);
    e.size = size;
    e.uid = uid;
    e.gid = gid;
    entries_.push_back({e, LayerBytes{0, path, offset, crc}, {}, {}});
    return *this;
  }
  Layer& dir(const std::string& path, std::uint32_t mode = 0755, std::int64_t mtime = 0,
             std::uint32_t uid = 0, std::uint32_t gid = 0) {
    TarEntry e = entry(path, EntryType::kDir, mode);
    e.mtime = mtime;
    e.uid = uid;
    e.gid = gid;
    entries_.push_back({e, {}, {}, {}});
    return *this;
  }
  Layer& symlink(const std::string& path, const std::string& target) {
    TarEntry e = entry(path, EntryType::kSymlink, 0777);
    e.link_target = target;
    entries_.push_back({e, {}, {}, {}});
    return *this;
  }
  Layer& hardlink(const std::string& path, const std::string& target) {
    TarEntry e = entry(path, EntryType::kHardlink, 0644);
    e.link_target = target;
    entries_.push_back({e, {}, {}, {}});
    return *this;
  }
  Layer& device(const std::string& path, std::uint32_t major, std::uint32_t minor) {
    TarEntry e = entry(path, EntryType::kCharDevice, 0666);
    e.dev_major = major;
    e.dev_minor = minor;
    entries_.push_back({e, {}, {}, {}});
    return *this;
  }
  /// Any entry as given, with its origin.
  Layer& add(CapturedEntry e) {
    entries_.push_back(std::move(e));
    return *this;
  }
  ImageTree build() {
    ImageTree tree;
    tree.rootfs.apply_layer(0, entries_, "test");
    tree.layers.resize(1);
    return tree;
  }

 private:
  static TarEntry entry(const std::string& path, EntryType type, std::uint32_t mode) {
    TarEntry e;
    e.path = path;
    e.type = type;
    e.mode = mode;
    return e;
  }
  std::vector<CapturedEntry> entries_;
};

}  // namespace pare::diff_testing
