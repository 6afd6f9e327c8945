#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "pare/archive/compression.hpp"
#include "pare/util/byte_source.hpp"
#include "pare/util/file.hpp"

namespace pare {

/// Opens the stored (compressed) bytes of a stream from a byte offset.
using OpenStoredAt = std::function<std::unique_ptr<ByteSource>(std::uint64_t offset)>;

/// Checkpoints into one compressed stream, recorded while it was decompressed once
/// (open_decompressed with an index), so that a later pass reads the plain bytes at an offset by
/// decompressing from the last checkpoint before it instead of from the start. A checkpoint is a
/// plain offset, the stored offset the decoder had read to, and what the decoder needs there:
/// for gzip, as zlib's zran example does, a copy of ISA-L's inflate state (it holds the last
/// 32 KiB of plain bytes, which back-references need; tens of KiB each, in a temporary file
/// removed with the index, only the offsets in memory); for zstd, nothing, since a checkpoint is
/// a frame boundary (zstd:chunked and pzstd write many frames; a stream of one frame has only
/// the start). Not for use from several threads at once.
class Checkpoints {
 public:
  /// A checkpoint each time at least `spacing` plain bytes (1 at least) came out since the last.
  explicit Checkpoints(std::uint64_t spacing = std::uint64_t{4} << 20U);

  /// Checkpoints, the implicit one at the start of the stream included.
  std::size_t size() const { return points_.size(); }
  /// False when the stream was not decompressed by a decoder that records checkpoints (a gzip
  /// header ISA-L refuses went to zlib, or no compression at all): then open_at reads from the
  /// start.
  bool usable() const { return kind_ != Compression::kNone; }
  /// The plain offset of each checkpoint, in order (the first is 0).
  std::vector<std::uint64_t> plain_offsets() const;
  /// Bytes of inflate states in the temporary file.
  std::uint64_t state_bytes() const { return states_size_; }

  /// Plain bytes from `plain_offset` to the end of the stream, decompressed from the last
  /// checkpoint at or before it with stored bytes from `open_stored` (the same stream's, or reads
  /// fail with Error exit 3, as the first pass's would). Reads throw Error exit 3, naming `name`,
  /// for corrupt or truncated stored bytes and for a stream that ends before `plain_offset`. The
  /// result must not outlive the index (it counts into stats()).
  std::unique_ptr<ByteSource> open_at(std::uint64_t plain_offset, const OpenStoredAt& open_stored,
                                      const std::string& name) const;

  struct Stats {
    std::uint64_t resumes = 0;     ///< open_at calls started from a recorded checkpoint
    std::uint64_t from_start = 0;  ///< open_at calls started from the start of the stream
    /// Plain bytes decompressed by open_at's sources, discarded ones (before the offset)
    /// included.
    std::uint64_t inflated = 0;
  };
  /// What open_at and its sources did so far.
  const Stats& stats() const { return *stats_; }

  // Recording, by the decoder open_decompressed makes; nothing else calls these.
  /// Forgets every checkpoint: a new stream of `kind` (gzip or zstd) is about to be read.
  void clear(Compression kind);
  std::uint64_t spacing() const { return spacing_; }
  /// Records a checkpoint: for gzip, `state` is the inflater's whole state there, copied to the
  /// file; for zstd it is empty (a frame starts there).
  void add(std::uint64_t plain_offset, std::uint64_t stored_offset,
           std::span<const std::byte> state);
  /// The stream was not read by a decoder that records: no checkpoint but the start.
  void set_unusable();

 private:
  struct Point {
    std::uint64_t plain = 0;
    std::uint64_t stored = 0;
    std::uint64_t state_at = 0;    ///< where its state is in the file
    std::uint64_t state_size = 0;  ///< 0: a fresh decoder (the start, or a zstd frame)
  };
  std::vector<std::byte> read_state(const Point& point) const;

  std::uint64_t spacing_;
  std::vector<Point> points_;
  std::unique_ptr<TempFile> states_;
  std::uint64_t states_size_ = 0;
  Compression kind_ = Compression::kGzip;  ///< of the stream recorded; kNone: not usable
  std::shared_ptr<Stats> stats_;
};

}  // namespace pare
