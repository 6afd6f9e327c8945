#pragma once

#include <functional>
#include <vector>

#include "pare/fs/rootfs.hpp"
#include "pare/image/image.hpp"
#include "pare/image/layer_reader.hpp"

namespace pare {

/// One layer as reading it found it.
struct LayerResult {
  LayerStats stats;
  LayerChanges changes;
};

/// The merged tree of an image and what each layer did.
struct ImageTree {
  Rootfs rootfs;
  std::vector<LayerResult> layers;
};

/// Reads every layer of `image` once, in order, verifying each (see read_layer), and merges
/// them. `on_layer` (optional) is told when each layer starts, for progress.
ImageTree build_tree(const Bundle& bundle, const Image& image, const LayerLimits& limits,
                     const std::function<void(std::size_t index)>& on_layer = {});

}  // namespace pare
