#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pare/archive/tar_entry.hpp"
#include "pare/image/bundle.hpp"
#include "pare/image/image.hpp"
#include "pare/image/layer_reader.hpp"

namespace pare {

/// What `pare ls` was asked for.
struct ListRequest {
  ImageSelector selector;
  LayerLimits limits;
  std::string path;  ///< inside the image, symlinks followed inside it; empty: the whole tree
};

/// One path of the merged tree as `pare ls` shows it.
struct ListedPath {
  std::string path;  ///< absolute
  EntryType type = EntryType::kDir;
  std::uint32_t mode = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint64_t size = 0;
  int layer = -1;           ///< the layer it came from; -1 for a folder no layer named
  std::string link_target;  ///< symlinks: as written; hardlinks: the normalized target
};

/// The merged tree of the image the request picks (whiteouts applied), or the subtree at
/// `request.path` (the path itself first), depth-first in byte order of names. Throws Error
/// (exit 3) naming the input when the path does not resolve, and as load_image and build_tree
/// throw.
std::vector<ListedPath> list_image(const Bundle& bundle, const ListRequest& request);

/// "drwxr-xr-x 0:0 4096 L1 /etc", a line a path; hardlinks and symlinks say where they point.
std::string listing_text(const std::vector<ListedPath>& paths);
/// An array of {path, type, mode, uid, gid, size, layer, linkTarget}.
nlohmann::json listing_json(const std::vector<ListedPath>& paths);

}  // namespace pare
