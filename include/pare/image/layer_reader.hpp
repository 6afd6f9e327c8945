#pragma once

#include <cstdint>
#include <functional>

#include "pare/archive/compression.hpp"
#include "pare/archive/tar_reader.hpp"
#include "pare/image/bundle.hpp"
#include "pare/image/image.hpp"

namespace pare {

/// Bounds on what one layer may expand to: the guard against decompression bombs.
struct LayerLimits {
  std::uint64_t max_uncompressed_bytes = 64ULL << 30U;  ///< 64 GiB
  std::uint64_t max_entries = 5'000'000;
};

/// What reading a layer measured.
struct LayerStats {
  std::uint64_t compressed_size = 0;    ///< bytes stored
  std::uint64_t uncompressed_size = 0;  ///< bytes of the tar stream
  Compression compression = Compression::kNone;
  std::uint64_t entries = 0;
  Digest digest;  ///< of the stored bytes
};

/// Streams layer `index` of `image` once: hashes the stored bytes (digest), inflates them
/// (gzip, zstd or none, detected from the bytes), hashes the plain stream (diff_id) and parses
/// its tar, calling `visit` for every member (it may read the member's data from the reader).
/// Throws Error (exit 3) naming the layer on a digest, size or diff_id mismatch, a corrupt or
/// truncated stream, or a limit passed.
LayerStats read_layer(const Bundle& bundle, const Image& image, std::size_t index,
                      const LayerLimits& limits,
                      const std::function<void(const TarEntry&, TarReader&)>& visit);

}  // namespace pare
