#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "pare/fs/byte_origin.hpp"
#include "pare/fs/content_store.hpp"
#include "pare/fs/rootfs.hpp"
#include "pare/image/image.hpp"
#include "pare/image/layer_files.hpp"
#include "pare/image/layer_reader.hpp"
#include "pare/util/limits.hpp"

namespace pare {

/// One layer as reading it found it.
struct LayerResult {
  LayerStats stats;
  LayerChanges changes;
};

/// How much of a regular file to keep while its layer streams.
enum class Capture { kNone, kHead, kWhole };

/// The bytes of a file's start that a CaptureRule sees (and that kHead keeps).
inline constexpr std::size_t kCaptureHeadBytes = 4096;

/// Decides, from a file's normalized path and first bytes, what to capture of it.
using CaptureRule = std::function<Capture(std::string_view path, std::span<const std::byte> head)>;

/// The merged tree of an image, what each layer did, and the bytes captured.
struct ImageTree {
  Rootfs rootfs;
  ContentStore content;
  std::vector<LayerResult> layers;
  /// Reads the nodes whose bytes are host files (HostBytes); set by whoever adds them.
  std::shared_ptr<const HostFiles> host_files;
  /// Reads the nodes whose bytes are in a source layer (LayerBytes) again; set by build_tree.
  std::shared_ptr<const LayerFiles> layer_files;
  /// What the image was read with; the readers of its files (the ELF parser) keep to them too.
  InputLimits limits;

  /// A regular file's whole bytes: what was captured of it whole, bytes pare wrote itself, a
  /// host file's (read now through host_files), or its layer's, read again by offset through
  /// layer_files (a layer pass: for the files a plan must parse, not for every file). nullopt
  /// for what is not a file and when there is nothing to read it from. Throws Error: exit 3
  /// when a layer's bytes are no longer what the first read summed (crc64), exit 4 when a host
  /// file or the bundle cannot be read.
  std::optional<std::vector<std::byte>> read(const Node& node) const;
  /// Its first bytes (at most kCaptureHeadBytes) without a layer pass: what was captured of it,
  /// or the start of stored or host bytes; nullopt when only its layer holds them.
  std::optional<std::vector<std::byte>> head(const Node& node) const;

 private:
  /// The last few files read from their layers: the program and its libraries are parsed by
  /// the resolver, the planner and the blind spots in turn, and a layer read is an inflate.
  struct Recent {
    LayerBytes at;
    std::vector<std::byte> bytes;
  };
  mutable std::vector<Recent> recent_;
};

/// Streams the `size` bytes `at` names to `sink` through `files`, then checks they are the
/// bytes the indexing pass summed (crc64). Throws Error: exit 3 naming the layer and the path when
/// they are not, and the errors of LayerFiles::copy.
void copy_layer_bytes(const LayerFiles& files, const LayerBytes& at, std::uint64_t size,
                      const std::function<void(std::span<const std::byte>)>& sink);

/// What build_tree keeps and reports while the layers stream.
struct BuildTreeOptions {
  InputLimits limits;
  /// What to keep of each regular file; empty: nothing. Called from the layers' threads, several
  /// at once: it must only look at its arguments.
  CaptureRule capture;
  /// Told, for progress, when each layer starts (read 0) and as its stored bytes are read; on
  /// the caller's thread, in layer order.
  std::function<void(std::size_t index, std::uint64_t read, std::uint64_t total)> on_layer;
  /// Gets each layer's entries, in tar order, before they are merged (per-layer statistics); on
  /// the caller's thread, in layer order.
  std::function<void(std::size_t index, const std::vector<TarEntry>& entries)> on_entries;
  /// Finds identical files: those of equal size and crc64 are hashed (read again by offset)
  /// into Node::sha256.
  bool find_duplicates = false;
  /// Hashes every regular file as its layer streams, into Node::sha256 and Node::sha1 (an
  /// SBOM's checksums): on the layers' threads, with no second read of any layer.
  bool hash_files = false;
};

/// Reads every layer of `image` once, verifying each (see read_layer), and merges them in order,
/// capturing and reporting as `options` asks. A few layers stream at once, each on threads of its
/// own; the first error in layer order is the one thrown. Every regular file gets a LayerBytes
/// origin with its offset and crc64, and the gzip layers' checkpoints are kept in the tree's
/// layer_files, so a file can be read again without a second pass over its layer. A sparse
/// file (whose tar data is not its bytes in one piece) is captured whole instead. Throws the
/// errors of read_layer and Rootfs::apply_layer.
ImageTree build_tree(const Bundle& bundle, const Image& image,
                     const BuildTreeOptions& options = {});

}  // namespace pare
