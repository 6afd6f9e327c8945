#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

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

  /// The captured bytes of a node, or a host file's (read now), if it has any.
  std::optional<std::vector<std::byte>> read(const Node& node) const;
};

/// Reads every layer of `image` once, in order, verifying each (see read_layer), and merges
/// them, capturing what `capture` asks for. `on_layer` (optional) is told when each layer
/// starts, for progress; `on_entries` (optional) gets each layer's entries, in tar order,
/// before they are merged (per-layer statistics). With `hash_files`, every regular file's bytes
/// are hashed into Node::sha256 (to find identical files).
ImageTree build_tree(
    const Bundle& bundle, const Image& image, const LayerLimits& limits,
    const CaptureRule& capture = {}, const std::function<void(std::size_t index)>& on_layer = {},
    const std::function<void(std::size_t index, const std::vector<TarEntry>& entries)>& on_entries =
        {},
    bool hash_files = false);

}  // namespace pare
