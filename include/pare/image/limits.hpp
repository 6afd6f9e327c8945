#pragma once

#include <cstdint>

namespace pare {

/// The largest JSON document (oci-layout, index, manifest, config, manifest.json) any reader
/// parses: real ones are kilobytes; the bound keeps a hostile one from filling memory.
inline constexpr std::uint64_t kMaxJsonBytes = 16U << 20U;

/// How deep image indexes may nest (buildx writes 2 levels); past it a loop is assumed.
inline constexpr int kMaxIndexDepth = 8;

/// Bounds on what one layer may expand to: the guard against decompression bombs, and against
/// paths whose length or depth would make the merged tree's work grow with their square.
struct LayerLimits {
  std::uint64_t max_uncompressed_bytes = 64ULL << 30U;  ///< 64 GiB
  std::uint64_t max_entries = 5'000'000;
  /// Of an entry's path and of a link's target: Linux's PATH_MAX, the longest path a program
  /// opens in one call.
  std::uint64_t max_path_bytes = 4096;
  std::uint64_t max_path_depth = 512;  ///< folders and name of an entry's path
};

}  // namespace pare
