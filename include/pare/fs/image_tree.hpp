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
#include "pare/image/layer_reader.hpp"

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

  /// What there is to read of a node without a layer pass: what was captured of it (whole, or
  /// its head), bytes pare wrote itself, or a host file's (read now through host_files).
  /// nullopt for a file whose bytes are only in its layer, and for what is not a file. Throws
  /// Error (exit 4) when a host file cannot be read.
  std::optional<std::vector<std::byte>> read(const Node& node) const;
};

/// What build_tree keeps and reports while the layers stream.
struct BuildTreeOptions {
  LayerLimits limits;
  CaptureRule capture;  ///< what to keep of each regular file; empty: nothing
  /// Told when each layer starts, for progress.
  std::function<void(std::size_t index)> on_layer;
  /// Gets each layer's entries, in tar order, before they are merged (per-layer statistics).
  std::function<void(std::size_t index, const std::vector<TarEntry>& entries)> on_entries;
  /// Hashes every regular file's bytes into Node::sha256 (to find identical files).
  bool hash_files = false;
};

/// Reads every layer of `image` once, in order, verifying each (see read_layer), and merges
/// them, capturing and reporting as `options` asks. Throws the errors of read_layer and
/// Rootfs::apply_layer.
ImageTree build_tree(const Bundle& bundle, const Image& image,
                     const BuildTreeOptions& options = {});

}  // namespace pare
