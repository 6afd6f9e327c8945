#pragma once

#include <vector>

#include "pare/fs/image_tree.hpp"
#include "pare/image/bundle.hpp"
#include "pare/image/image.hpp"
#include "pare/image/layer_blob.hpp"
#include "pare/slim/plan.hpp"

namespace pare {

/// Writes the plan's layers (one, or a base and an app layer): bytes captured while reading
/// are used as they are; the rest is copied out of the source layers in a second pass that
/// reads only the layers holding them. Mtimes are clamped to the plan's epoch, owners and modes
/// kept (setuid and setgid already dropped by the plan), xattrs kept. Files of a host folder
/// (Node::host_path) are streamed from the host; `bundle` may be null when no file comes from
/// a layer (pack).
std::vector<LayerBlob> build_slim_layers(const Bundle* bundle, const Image& image,
                                         const ImageTree& tree, const Plan& plan,
                                         const SlimOptions& options, const LayerLimits& limits);

}  // namespace pare
