#pragma once

// What the fuzz targets share: the input as bytes or text, an input split into named files,
// an in-memory file for the APIs that open a path, and an image tree built from files.

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "pare/digest/sha256.hpp"
#include "pare/fs/image_tree.hpp"
#include "pare/image/bundle.hpp"
#include "pare/image/image.hpp"
#include "pare/util/byte_source.hpp"
#include "pare/util/error.hpp"
#include "pare/util/path.hpp"

namespace pare::fuzz {

inline std::span<const std::byte> bytes_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const std::byte*>(data), size};
}

inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// The input cut at each NUL byte: how one input carries several files.
inline std::vector<std::string_view> split_at_nul(std::string_view text) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const auto end = text.find('\0', start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

/// One file of a split input: part 0 is the file a target is about (`first_path`); every
/// other part is "PATH\nCONTENT".
struct InputFile {
  std::string path;
  std::string_view content;
};

inline std::vector<InputFile> input_files(std::string_view text, const std::string& first_path) {
  std::vector<InputFile> files;
  const auto parts = split_at_nul(text);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i == 0) {
      files.push_back({first_path, parts[i]});
      continue;
    }
    const auto newline = parts[i].find('\n');
    if (newline == std::string_view::npos) continue;
    files.push_back({std::string(parts[i].substr(0, newline)), parts[i].substr(newline + 1)});
  }
  return files;
}

/// The input as a file with a path, without touching the disk: a memfd, named through /proc.
class MemoryFile {
 public:
  explicit MemoryFile(std::span<const std::byte> bytes) : fd_(::memfd_create("fuzz", 0)) {
    if (fd_ < 0) throw Error(ExitCode::kSystem, errno_message("memfd_create"));
    for (std::size_t done = 0; done < bytes.size();) {
      const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
      if (n <= 0) throw Error(ExitCode::kSystem, errno_message("write"));
      done += static_cast<std::size_t>(n);
    }
  }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  ~MemoryFile() { ::close(fd_); }
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};

/// An image tree holding `files`, each captured whole (what the parsers of image files read),
/// under Debian's merged /usr links, and then, in a second layer, an empty file at each of
/// `empty_files`; paths that are no path inside the root are left out, as a layer read would
/// refuse them.
inline ImageTree tree_of(const std::vector<InputFile>& files,
                         const std::vector<std::string>& empty_files = {}) {
  ImageTree tree;
  const auto apply = [&](int layer, const std::vector<CapturedEntry>& entries) {
    try {
      tree.rootfs.apply_layer(layer, entries, "fuzz");
    } catch (const Error&) {
      // A hardlink or whiteout the layer cannot hold: the tree keeps what was applied.
    }
  };
  std::vector<CapturedEntry> entries;
  const auto add = [&](const std::string& path, std::string_view content) {
    const auto normal = normalize_path(path);
    if (!normal || normal->empty()) return;
    CapturedEntry c;
    c.entry.path = *normal;
    c.entry.type = EntryType::kFile;
    c.entry.mode = 0644;
    c.entry.size = content.size();
    c.captured = tree.content.add(
        std::span(reinterpret_cast<const std::byte*>(content.data()), content.size()));
    entries.push_back(std::move(c));
  };
  for (const char* link : {"lib", "bin", "sbin", "lib64"}) {
    CapturedEntry c;
    c.entry.path = link;
    c.entry.type = EntryType::kSymlink;
    c.entry.link_target = std::string("usr/") + link;
    entries.push_back(std::move(c));
  }
  for (const auto& f : files) add(f.path, f.content);
  apply(0, entries);
  entries.clear();
  for (const auto& path : empty_files) add(path, {});
  apply(1, entries);
  tree.layers.resize(2);
  return tree;
}

/// An image's files in memory.
class MemoryBundle : public Bundle {
 public:
  std::map<std::string, std::vector<std::byte>> files;

  const std::string& describe() const override { return name_; }
  std::optional<std::uint64_t> size(const std::string& path) const override {
    const auto it = files.find(path);
    if (it == files.end()) return std::nullopt;
    return it->second.size();
  }
  std::unique_ptr<ByteSource> open(const std::string& path) const override {
    const auto it = files.find(path);
    if (it == files.end()) throw Error::bad_input(name_, "has no member " + path);
    return std::make_unique<MemorySource>(it->second, name_ + ": " + path);
  }
  /// Stores a blob under its digest; its descriptor.
  nlohmann::json add_blob(std::span<const std::byte> bytes, std::string_view media_type) {
    const Digest d = sha256_of(bytes);
    files[blob_path(d)] = {bytes.begin(), bytes.end()};
    return {{"mediaType", media_type}, {"digest", d.str()}, {"size", bytes.size()}};
  }
  nlohmann::json add_json_blob(const nlohmann::json& j, std::string_view media_type) {
    const std::string text = j.dump();
    return add_blob(std::as_bytes(std::span(text)), media_type);
  }
  void add_file(const std::string& path, std::span<const std::byte> bytes) {
    files[path] = {bytes.begin(), bytes.end()};
  }
  void add_json_file(const std::string& path, const nlohmann::json& j) {
    const std::string text = j.dump();
    add_file(path, std::as_bytes(std::span(text)));
  }

 private:
  std::string name_ = "fuzz";
};

}  // namespace pare::fuzz
