#pragma once

#include <vector>

#include "pare/image/bundle.hpp"
#include "pare/image/image.hpp"
#include "pare/image/layer_reader.hpp"
#include "pare/rules/lambda.hpp"
#include "pare/slim/output.hpp"
#include "pare/slim/plan.hpp"
#include "pare/util/progress.hpp"

namespace pare {

/// Everything `pare slim` was asked for.
struct SlimRequest {
  ImageSelector selector;
  bool all_platforms = false;  ///< --platform all: every platform of the selected image
  LayerLimits limits;
  SlimOptions options;  ///< rules and config overrides, already checked (check_slim_options)
  Preset preset = Preset::kNone;
};

/// Plans the slim of each image the request picks (one, or every platform): layers read once
/// and merged, the program's closure resolved, and make_plan's rules applied. Write the result
/// with write_planned, or print it (plan_json, plan_text) for a dry run. Throws Error: exit 2
/// for --platform all under the lambda preset (Lambda takes one manifest), and as load_image,
/// build_tree and make_plan throw.
std::vector<PlannedImage> plan_slim(const Bundle& bundle, const SlimRequest& request,
                                    const Progress& progress = {});

}  // namespace pare
