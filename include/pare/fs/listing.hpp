#pragma once

#include <cstdint>
#include <functional>
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
  InputLimits limits;
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
/// `request.path` (the path itself first), depth-first in byte order of names, each path given
/// to `visit` as it is reached (nothing is gathered, so memory does not grow with the
/// listing). Throws Error
/// (exit 3) naming the input when the path does not resolve, and as load_image and build_tree
/// throw.
void list_image(const Bundle& bundle, const ListRequest& request,
                const std::function<void(const ListedPath&)>& visit);
/// The same, gathered.
std::vector<ListedPath> list_image(const Bundle& bundle, const ListRequest& request);

/// "drwxr-xr-x 0:0 4096 L1 /etc\n": a path's line; hardlinks and symlinks say where they point.
std::string listing_line(const ListedPath& path);
/// listing_line of each path.
std::string listing_text(const std::vector<ListedPath>& paths);
/// {path, type, mode, uid, gid, size, layer, linkTarget}.
nlohmann::json listed_json(const ListedPath& path);
/// An array of listed_json.
nlohmann::json listing_json(const std::vector<ListedPath>& paths);

}  // namespace pare
