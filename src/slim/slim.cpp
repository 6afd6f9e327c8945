#include "pare/slim/slim.hpp"

#include <optional>

#include "pare/fs/image_tree.hpp"
#include "pare/util/error.hpp"
#include "pare/util/shell_words.hpp"

namespace pare {

std::vector<Probe> probes_of(const SlimOptions& options) {
  std::vector<Probe> probes(1);  // the image's own Entrypoint and Cmd
  for (const auto& text : options.probes) {
    probes.push_back({split_shell_words(text, "--probe"), true});
  }
  return probes;
}

ProbeSettings probe_settings(const SlimOptions& options, const InputLimits& limits) {
  ProbeSettings settings;
  settings.timeout = options.probe_timeout;
  settings.limits = limits;
  return settings;
}

std::vector<PlannedImage> plan_slim(const Bundle& bundle, const SlimRequest& request,
                                    const Progress& progress) {
  std::vector<std::optional<Platform>> platforms;
  if (request.all_platforms) {
    if (request.preset == Preset::kLambda) {
      throw Error::usage(
          "--preset lambda: rule lambda-single-image: Lambda takes one image manifest, not an "
          "index",
          "slim one platform per output: --platform linux/amd64 or --platform linux/arm64");
    }
    ImageSelector any = request.selector;
    any.platform.reset();
    for (auto& p : list_platforms(bundle, any, request.limits)) platforms.emplace_back(p);
  } else {
    platforms.push_back(request.selector.platform);
  }
  std::vector<PlannedImage> planned;
  planned.reserve(platforms.size());
  for (const auto& platform : platforms) {
    ImageSelector selector = request.selector;
    selector.platform = platform;
    PlannedImage p;
    p.source = bundle.describe();
    p.image = load_image(bundle, selector, request.limits);
    const std::string label = p.image.platform().str();
    BuildTreeOptions reading;
    reading.limits = request.limits;
    reading.capture = capture_for_slim;
    reading.on_layer = [&](std::size_t i, std::uint64_t read, std::uint64_t total) {
      progress(label + ": " + layer_progress(i, p.image.layers.size(), read, total));
    };
    ImageTree tree = build_tree(bundle, p.image, reading);
    progress.done();
    if (request.options.trace || request.check) {
      progress(label + ": unpacking to trace");
      const UnpackedImage unpacked(bundle, tree, "pare-trace");
      p.probes =
          run_probes(unpacked, tree, p.image, probes_of(request.options),
                     probe_settings(request.options, request.limits), bundle.describe(), progress);
    }
    p.plan = make_plan(tree, p.image, request.options, bundle.describe(), std::nullopt,
                       request.options.trace ? p.probes : std::vector<ProbeRun>{});
    // The plan stands alone: only the captured bytes it names are kept, not the tree.
    p.content = std::move(tree.content);
    p.layer_files = tree.layer_files;
    planned.push_back(std::move(p));
  }
  return planned;
}

}  // namespace pare
