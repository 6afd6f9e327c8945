#include "pare/image/media_types.hpp"

namespace pare::media_type {

bool is_index(std::string_view mt) {
  return mt == kOciIndex || mt == kDockerManifestList;
}

bool is_manifest(std::string_view mt) {
  return mt == kOciManifest || mt == kDockerManifest;
}

std::optional<LayerType> layer_type(std::string_view mt) {
  if (mt == kOciLayer || mt == kOciNondistributable)
    return LayerType{Family::kOci, Compression::kNone};
  if (mt == kOciLayerGzip || (mt.starts_with(kOciNondistributable) && mt.ends_with("+gzip"))) {
    return LayerType{Family::kOci, Compression::kGzip};
  }
  if (mt == kOciLayerZstd || (mt.starts_with(kOciNondistributable) && mt.ends_with("+zstd"))) {
    return LayerType{Family::kOci, Compression::kZstd};
  }
  if (mt == kDockerLayer) return LayerType{Family::kDocker, Compression::kNone};
  if (mt == kDockerLayerGzip || mt == kDockerForeignLayer) {
    return LayerType{Family::kDocker, Compression::kGzip};
  }
  return std::nullopt;
}

bool is_foreign_layer(std::string_view mt) {
  return mt.starts_with(kOciNondistributable) || mt == kDockerForeignLayer;
}

}  // namespace pare::media_type
