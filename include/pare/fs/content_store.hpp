#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "pare/util/file.hpp"

namespace pare {

/// Where a captured file's bytes are in a ContentStore.
struct ContentRef {
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  bool operator==(const ContentRef&) const = default;
};

/// The bytes of the files the planner reads (ELF objects, loader and NSS configuration,
/// script heads), captured while the layers stream once. They live in one temporary file, so
/// memory stays bounded by the index, not by the image.
class ContentStore {
 public:
  /// Creates the backing temporary file; throws Error (exit 4) on failure.
  ContentStore();
  ContentStore(ContentStore&&) noexcept = default;
  ContentStore& operator=(ContentStore&&) noexcept = default;
  ContentStore(const ContentStore&) = delete;
  ContentStore& operator=(const ContentStore&) = delete;
  ~ContentStore() = default;

  /// Appends bytes to the file being captured; begin() starts a new one.
  std::uint64_t begin() const { return end_; }
  void append(std::span<const std::byte> bytes);
  ContentRef finish(std::uint64_t begin) const { return {begin, end_ - begin}; }

  /// The captured bytes; throws Error (exit 4) on a read failure.
  std::vector<std::byte> read(const ContentRef& ref) const;
  /// Bytes captured so far, dead copies included.
  std::uint64_t size() const { return end_; }

 private:
  std::unique_ptr<TempFile> file_;
  std::uint64_t end_ = 0;
};

}  // namespace pare
