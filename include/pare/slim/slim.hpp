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
  InputLimits limits;
  SlimOptions options;  ///< rules and config overrides, already checked (check_slim_options)
  Preset preset = Preset::kNone;
  /// --check: the probes also run on the source (traced), to compare with the output's runs
  /// (check_slim); the source's traces widen the plan only with options.trace.
  bool check = false;
};

/// The runs a slim traces: the image's own Entrypoint and Cmd, then one per --probe.
std::vector<Probe> probes_of(const SlimOptions& options);
ProbeSettings probe_settings(const SlimOptions& options, const InputLimits& limits);

/// Plans the slim of each image the request picks (one, or every platform): layers read once
/// and merged, the program's closure resolved, and make_plan's rules applied. With tracing
/// (or --check) the image is unpacked into a temporary folder and its probes run there first
/// (PlannedImage::probes). Write the result
/// with write_planned, or print it (plan_json, plan_text) for a dry run. Throws Error: exit 2
/// for --platform all under the lambda preset (Lambda takes one manifest), and as load_image,
/// build_tree and make_plan throw.
std::vector<PlannedImage> plan_slim(const Bundle& bundle, const SlimRequest& request,
                                    const Progress& progress = {});

}  // namespace pare
