#pragma once

// Images for the unit tests: a merged tree built in memory (TreeBuilder), layers and image
// archives written to temporary files (LayerSpec, write_image), and a Bundle that counts what
// is opened (CountingBundle). In their own namespace: several test files have helpers of these
// names.

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "pare/digest/sha256.hpp"
#include "pare/fs/image_tree.hpp"
#include "pare/image/bundle.hpp"
#include "pare/image/image.hpp"
#include "pare/image/image_writer.hpp"
#include "pare/image/layer_blob.hpp"
#include "pare/util/error.hpp"
#include "support.hpp"

namespace pare::testing {

/// A string's bytes.
inline std::vector<std::byte> bytes_of(std::string_view s) {
  const auto* p = reinterpret_cast<const std::byte*>(s.data());
  return {p, p + s.size()};
}

/// An image tree built in memory, as build_tree would build it from one layer: entries in the
/// order given, each regular file's bytes captured as `rule` asks (nothing, its head, or all).
class TreeBuilder {
 public:
  explicit TreeBuilder(pare::CaptureRule rule) : rule_(std::move(rule)) {}

  TreeBuilder& file(const std::string& path, const std::vector<std::byte>& bytes,
                    std::uint32_t mode = 0755) {
    pare::TarEntry e;
    e.path = path;
    e.type = pare::EntryType::kFile;
    e.mode = mode;
    e.size = bytes.size();
    return add(std::move(e), bytes);
  }
  TreeBuilder& text(const std::string& path, std::string_view text, std::uint32_t mode = 0644) {
    return file(path, bytes_of(text), mode);
  }
  TreeBuilder& symlink(const std::string& path, const std::string& target) {
    pare::TarEntry e;
    e.path = path;
    e.type = pare::EntryType::kSymlink;
    e.link_target = target;
    return add(std::move(e));
  }
  TreeBuilder& dir(const std::string& path, std::uint32_t mode = 0755) {
    pare::TarEntry e;
    e.path = path;
    e.type = pare::EntryType::kDir;
    e.mode = mode;
    return add(std::move(e));
  }
  /// Any entry; `bytes` are a regular file's.
  TreeBuilder& add(pare::TarEntry e, std::span<const std::byte> bytes = {}) {
    pare::CapturedEntry c{std::move(e), {}, {}, {}};
    if (c.entry.type == pare::EntryType::kFile && rule_) {
      const auto head = bytes.first(std::min(bytes.size(), pare::kCaptureHeadBytes));
      const pare::Capture what = rule_(c.entry.path, head);
      if (what != pare::Capture::kNone) {
        // Whole, whatever the rule says: a tree made here has no layers to read the rest from.
        c.captured = tree_.content.add(bytes);
      }
    }
    entries_.push_back(std::move(c));
    return *this;
  }
  /// Debian 12's merged /usr: /lib, /bin, /sbin and /lib64 are symlinks into /usr.
  TreeBuilder& merged_usr() {
    return dir("usr/lib/x86_64-linux-gnu")
        .dir("usr/bin")
        .dir("usr/sbin")
        .dir("usr/lib64")
        .symlink("lib", "usr/lib")
        .symlink("bin", "usr/bin")
        .symlink("sbin", "usr/sbin")
        .symlink("lib64", "usr/lib64");
  }
  pare::ImageTree build() {
    tree_.rootfs.apply_layer(0, entries_, "test");
    tree_.layers.resize(1);
    return std::move(tree_);
  }

 private:
  pare::CaptureRule rule_;
  pare::ImageTree tree_;
  std::vector<pare::CapturedEntry> entries_;
};

/// A Bundle that counts how often each of its files is opened.
class CountingBundle : public pare::Bundle {
 public:
  explicit CountingBundle(std::unique_ptr<pare::Bundle> inner) : inner_(std::move(inner)) {}
  const std::string& describe() const override { return inner_->describe(); }
  std::optional<std::uint64_t> size(const std::string& path) const override {
    return inner_->size(path);
  }
  std::unique_ptr<pare::ByteSource> open(const std::string& path) const override {
    count(path);
    return inner_->open(path);
  }
  std::unique_ptr<pare::ByteSource> open_at(const std::string& path,
                                            std::uint64_t offset) const override {
    count(path);
    return inner_->open_at(path, offset);
  }
  int opens(const std::string& path) const {
    const std::lock_guard lock(mutex_);
    const auto it = opens_.find(path);
    return it == opens_.end() ? 0 : it->second;
  }

 private:
  void count(const std::string& path) const {  // layers are opened on threads of their own
    const std::lock_guard lock(mutex_);
    ++opens_[path];
  }
  std::unique_ptr<pare::Bundle> inner_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, int> opens_;
};

/// A Bundle over files in memory, with blobs stored under their digest: the fake the format
/// walk and the structure checks run on.
class MemoryBundle : public pare::Bundle {
 public:
  std::map<std::string, std::vector<std::byte>> files;

  const std::string& describe() const override { return name_; }
  std::optional<std::uint64_t> size(const std::string& path) const override {
    auto it = files.find(path);
    if (it == files.end()) return std::nullopt;
    return it->second.size();
  }
  std::unique_ptr<pare::ByteSource> open(const std::string& path) const override {
    auto it = files.find(path);
    if (it == files.end()) throw pare::Error::bad_input(name_, "has no member " + path);
    return std::make_unique<pare::MemorySource>(it->second, name_ + ": " + path);
  }
  /// Stores a blob under its digest; returns its descriptor.
  nlohmann::json add_blob(const std::vector<std::byte>& bytes, std::string_view media_type) {
    const pare::Digest d = pare::sha256_of(bytes);
    files[pare::blob_path(d)] = bytes;
    return {{"mediaType", media_type}, {"digest", d.str()}, {"size", bytes.size()}};
  }
  nlohmann::json add_blob(std::string_view text, std::string_view media_type) {
    return add_blob(bytes_of(text), media_type);
  }

 private:
  std::string name_ = "mem";
};

/// Entries of a layer and their bytes, given to build_layer.
struct LayerSpec {
  std::vector<pare::TarEntry> entries;
  std::map<std::string, std::string> data;

  void dir(const std::string& path) { add(path, pare::EntryType::kDir, 0755, ""); }
  void file(const std::string& path, const std::string& bytes) {
    add(path, pare::EntryType::kFile, 0644, "").size = bytes.size();
    data[path] = bytes;
  }
  void symlink(const std::string& path, const std::string& target) {
    add(path, pare::EntryType::kSymlink, 0777, target);
  }
  void hardlink(const std::string& path, const std::string& target) {
    add(path, pare::EntryType::kHardlink, 0644, target);
  }
  pare::TarEntry& add(const std::string& path, pare::EntryType type, std::uint32_t mode,
                      const std::string& target) {
    pare::TarEntry e;
    e.path = path;
    e.type = type;
    e.mode = mode;
    e.mtime = 1700000000;
    e.link_target = target;
    entries.push_back(e);
    return entries.back();
  }
  pare::LayerBlob build() const {
    return pare::build_layer(
        entries,
        [&](const pare::TarEntry& e) -> std::unique_ptr<pare::ByteSource> {
          return std::make_unique<pare::MemorySource>(bytes_of(data.at(e.path)), e.path);
        },
        pare::Compression::kGzip);
  }
};

/// Writes an amd64 image of the given layers to `out`, running `entrypoint`.
inline void write_image(const std::filesystem::path& out, const std::vector<LayerSpec>& specs,
                        const std::string& entrypoint = "/bin/true") {
  pare::OutputImage image;
  nlohmann::json config;
  config["architecture"] = "amd64";
  config["os"] = "linux";
  config["config"] = {{"Entrypoint", {entrypoint}}};
  config["rootfs"] = {{"type", "layers"}, {"diff_ids", nlohmann::json::array()}};
  for (const auto& spec : specs) {
    image.layers.push_back(spec.build());
    config["rootfs"]["diff_ids"].push_back(image.layers.back().diff_id.str());
  }
  image.config = bytes_of(config.dump());
  pare::write_image_archive(out, {image}, {});
}

}  // namespace pare::testing
