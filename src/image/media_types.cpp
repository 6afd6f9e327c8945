#include "pare/image/media_types.hpp"

namespace pare::media_type {

bool is_index(std::string_view mt) {
  return mt == kOciIndex || mt == kDockerManifestList;
}

bool is_manifest(std::string_view mt) {
  return mt == kOciManifest || mt == kDockerManifest;
}

}  // namespace pare::media_type
