#pragma once

#include <atomic>
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
/// memory stays bounded by the index, not by the image. Layers stream on several threads at
/// once: each capture reserves its range first and fills it, so captures never interleave.
class ContentStore {
 public:
  /// Creates the backing temporary file; throws Error (exit 4) on failure.
  ContentStore();
  ContentStore(ContentStore&&) noexcept = default;
  ContentStore& operator=(ContentStore&&) noexcept = default;
  ContentStore(const ContentStore&) = delete;
  ContentStore& operator=(const ContentStore&) = delete;
  ~ContentStore() = default;

  /// A range of `size` bytes of its own; thread-safe.
  ContentRef reserve(std::uint64_t size);
  /// Writes bytes `at` bytes into a reserved range (which they must not pass); thread-safe for
  /// distinct ranges. Throws Error (exit 4) on a write failure.
  void write(const ContentRef& ref, std::uint64_t at, std::span<const std::byte> bytes);
  /// Reserves and writes `bytes` in one go.
  ContentRef add(std::span<const std::byte> bytes);

  /// The captured bytes; throws Error (exit 4) on a read failure.
  std::vector<std::byte> read(const ContentRef& ref) const;
  /// Bytes reserved so far, dead copies included.
  std::uint64_t size() const { return state_->end.load(); }

 private:
  struct State {
    explicit State(TempFile f) : file(std::move(f)) {}
    TempFile file;
    std::atomic<std::uint64_t> end = 0;
  };
  std::unique_ptr<State> state_;
};

}  // namespace pare
