#pragma once

#include <vector>

#include "pare/fs/byte_origin.hpp"
#include "pare/fs/content_store.hpp"
#include "pare/fs/image_tree.hpp"
#include "pare/image/bundle.hpp"
#include "pare/image/image.hpp"
#include "pare/image/layer_blob.hpp"
#include "pare/image/layer_files.hpp"
#include "pare/slim/plan.hpp"

namespace pare {

/// Where build_slim_layers reads the bytes a plan's entries name by origin. Each source is
/// needed only when an entry's origin names it, and must outlive the call.
struct PlanSources {
  /// LayerBytes: the source layers, read again by offset; null when none is named (pack).
  const LayerFiles* layers = nullptr;
  const ContentStore* store = nullptr;    ///< StoredBytes: the tree's content store
  const HostFiles* host_files = nullptr;  ///< HostBytes
};

/// Writes the plan's layers (one, or a base and an app layer). Bytes stored in `sources.store`
/// and host files are streamed from there; the rest is copied out of the source layers by
/// offset (LayerFiles: only the layers holding them, each in its order, a gzip one from the
/// checkpoint before each file) into a temporary store (memory stays bounded by one file).
/// Mtimes are clamped to the plan's epoch, owners, modes and xattrs as planned (setuid and
/// setgid already dropped by the plan). Throws Error: exit 3 when an origin names a source not
/// given or a layer's bytes are no longer what the first read summed (crc64), and the errors of
/// LayerFiles and build_layer.
std::vector<LayerBlob> build_slim_layers(const Plan& plan, const PlanSources& sources,
                                         const SlimOptions& options);

}  // namespace pare
