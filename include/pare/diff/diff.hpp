#pragma once

#include <string>
#include <vector>

#include "pare/diff/compare.hpp"
#include "pare/diff/slim_reasons.hpp"
#include "pare/image/bundle.hpp"
#include "pare/image/image.hpp"
#include "pare/util/limits.hpp"
#include "pare/util/progress.hpp"

namespace pare {

/// Everything `pare diff` was asked for; both images are chosen and read alike.
struct DiffRequest {
  ImageSelector selector;
  InputLimits limits;
};

/// Which image a side is, for the report's heading.
struct ImageSummary {
  std::string source;  ///< the path or reference given
  std::string format;  ///< to_string(ImageFormat)
  std::vector<std::string> names;
  std::string platform;
  std::string config_digest;
};

/// What `pare diff A B` reports: a value the renderers (diff/render.hpp) print.
struct DiffReport {
  ImageSummary a;
  ImageSummary b;
  TreeDiff tree;
  SlimReasons slim;

  /// True when the file trees differ (configs are not compared): what --exit-code tells.
  bool differ() const { return tree.differ(); }
};

/// Reads both images the selector picks (each layer once, verified, merged) and compares their
/// trees (compare_trees). When B's history says pare slim made it, A is planned again with B's
/// run config and every kept path gets its reason (explain_slim); A's tree is then read with
/// slim's captures (bytes go to a temporary file, not memory). Throws Error as load_image and
/// build_tree do, naming the input at fault; a plan that cannot be made is a note in the report.
DiffReport diff_images(const Bundle& a, const Bundle& b, const DiffRequest& request,
                       const Progress& progress = {});

}  // namespace pare
