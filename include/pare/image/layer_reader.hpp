#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "pare/archive/checkpoints.hpp"
#include "pare/archive/compression.hpp"
#include "pare/archive/tar_reader.hpp"
#include "pare/image/bundle.hpp"
#include "pare/image/image.hpp"
#include "pare/util/limits.hpp"

namespace pare {

/// What reading a layer measured.
struct LayerStats {
  std::uint64_t compressed_size = 0;    ///< bytes stored
  std::uint64_t uncompressed_size = 0;  ///< bytes of the tar stream
  Compression compression = Compression::kNone;
  std::uint64_t entries = 0;
  Digest digest;  ///< of the stored bytes
};

/// Called for every member of a layer's tar; it may read the member's data from the reader.
using LayerVisitor = std::function<void(const TarEntry&, TarReader&)>;

/// A layer's stored bytes streamed once, every fault kept as a value: what a reader that
/// collects faults needs.
struct LayerScan {
  LayerStats stats;
  /// Of the tar stream; nullopt when the stream could not be read to its end (corrupt
  /// compression, a limit passed).
  std::optional<Digest> diff_id;
  std::string fault_check;  ///< "layer-tar", "layer-limit" or "diff-id"; empty when sound
  std::string fault;        ///< what went wrong, without the stream's name
};

/// The inflated bytes all of an image's layers may take together (InputLimits::
/// max_image_bytes), counted by the layers streaming at once, each on threads of its own.
class ImageBudget {
 public:
  explicit ImageBudget(std::uint64_t max_bytes) : max_bytes_(max_bytes) {}
  /// Counts `bytes` more; false once the layers together have passed the limit.
  bool take(std::uint64_t bytes) {
    return used_.fetch_add(bytes, std::memory_order_relaxed) + bytes <= max_bytes_;
  }
  std::uint64_t max_bytes() const { return max_bytes_; }

 private:
  std::uint64_t max_bytes_;
  std::atomic<std::uint64_t> used_ = 0;
};

/// What a layer's reader may ask of the pipeline besides the members.
struct LayerStreamHooks {
  Checkpoints* checkpoints = nullptr;  ///< a gzip layer records its inflate checkpoints here
  /// The image's budget the layer's inflated bytes count against; none: only the layer's own.
  ImageBudget* image_budget = nullptr;
  /// Called on the caller's thread, between members, with the stored bytes read so far: about
  /// every 4 MiB, and once at the end.
  std::function<void(std::uint64_t stored)> on_progress;
};

/// The one layer pipeline: hashes the stored bytes (digest), inflates them (gzip, zstd or
/// none, detected from the bytes), counts them against the limits, hashes the plain stream
/// (diff_id) and parses its tar, calling `visit` for every member. After the tar's end the rest
/// of both streams is drained, so padding counts in the hashes. With `collect` false the first
/// fault throws Error (exit 3, naming `stored`); with `collect` true a fault of the bytes is
/// kept in the result instead, and only I/O errors (exit 4) throw.
LayerScan stream_layer(ByteSource& stored, const InputLimits& limits, const LayerVisitor& visit,
                       bool collect, const LayerStreamHooks& hooks = {});

/// Streams layer `index` of `image` once (stream_layer, stopping at the first fault) and checks
/// the digest and diff_id the image states. Throws Error (exit 3) naming the layer on a
/// digest, size or diff_id mismatch, a corrupt or truncated stream, or a limit passed.
LayerStats read_layer(const Bundle& bundle, const Image& image, std::size_t index,
                      const InputLimits& limits, const LayerVisitor& visit,
                      const LayerStreamHooks& hooks = {});

}  // namespace pare
