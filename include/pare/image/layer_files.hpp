#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "pare/archive/checkpoints.hpp"
#include "pare/archive/compression.hpp"
#include "pare/image/bundle.hpp"
#include "pare/image/image.hpp"

namespace pare {

/// The files of an image's layers read again by their offset in the layer's tar stream, after
/// the one pass that indexed them: an uncompressed layer is read at the offset directly, a gzip
/// or zstd layer decompressed from the last checkpoint before it (Checkpoints). A
/// layer nothing is asked of is never opened again. The bundle must outlive this. Not for use
/// from two threads at once: it keeps one open stream per layer, so reads in the order of the
/// layer (the copy pass sorts them) inflate each byte at most once.
class LayerFiles {
 public:
  LayerFiles(const Bundle& bundle, const Image& image);
  LayerFiles(const LayerFiles&) = delete;
  LayerFiles& operator=(const LayerFiles&) = delete;
  LayerFiles(LayerFiles&&) = delete;
  LayerFiles& operator=(LayerFiles&&) = delete;
  ~LayerFiles();

  /// What the indexing pass records into for layer `layer` (and what the bytes inflated from
  /// its checkpoints are counted in), and the compression it found.
  Checkpoints& checkpoints(std::size_t layer);
  const Checkpoints& checkpoints(std::size_t layer) const;
  void set_compression(std::size_t layer, Compression compression);

  /// Streams `size` bytes of layer `layer` from plain `offset` to `sink`, in pieces. Throws
  /// Error exit 3 naming the layer when the stream ends early or cannot be inflated, and the
  /// bundle's I/O errors (exit 4).
  void copy(std::size_t layer, std::uint64_t offset, std::uint64_t size,
            const std::function<void(std::span<const std::byte>)>& sink) const;

  /// What reading again cost, for the tests that say a layer is read once or resumed.
  struct Stats {
    std::uint64_t opens = 0;       ///< streams opened on stored bytes
    std::uint64_t from_start = 0;  ///< of them, a compressed layer read from its start
    std::uint64_t resumes = 0;     ///< of them, a compressed layer read from a checkpoint
  };
  Stats stats(std::size_t layer) const;
  /// "img.tar: layer 2 (sha256:..)": how messages name a layer.
  const std::string& name(std::size_t layer) const;

 private:
  struct Layer;
  /// A stream of layer `layer`'s plain bytes positioned at `offset`, reusing the open one when
  /// it is at or a little before it.
  ByteSource& seek(Layer& l, std::uint64_t offset) const;

  const Bundle& bundle_;
  std::vector<std::unique_ptr<Layer>> layers_;
};

}  // namespace pare
