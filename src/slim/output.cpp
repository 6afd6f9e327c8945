#include "pare/slim/output.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "pare/image/media_types.hpp"
#include "pare/util/error.hpp"

namespace pare {

OutputImage to_output_image(const Platform& platform, const Plan& plan,
                            std::vector<LayerBlob> layers) {
  OutputImage out;
  out.platform = platform;
  Config config = plan.config;
  config.diff_ids.clear();
  for (const auto& l : layers) config.diff_ids.push_back(l.diff_id);
  out.layers = std::move(layers);
  const std::string bytes = nlohmann::json(config).dump();
  out.config.assign(reinterpret_cast<const std::byte*>(bytes.data()),
                    reinterpret_cast<const std::byte*>(bytes.data()) + bytes.size());
  return out;
}

LambdaFacts lambda_facts(const Plan& plan, const SlimOptions& options, std::size_t images) {
  LambdaFacts f;
  f.images = images;
  f.layer_media_types.assign(options.layers == 2 ? 2 : 1, layer_media_type(options.compression));
  f.config = plan.config;
  for (const auto& e : plan.entries) f.files.push_back({e.path, e.type, e.mode, e.size});
  std::sort(f.files.begin(), f.files.end(),
            [](const LambdaFile& a, const LambdaFile& b) { return a.path < b.path; });
  return f;
}

void require_lambda(const std::string& source, const std::vector<Problem>& problems) {
  if (problems.empty()) return;
  const Problem& p = problems.front();
  throw Error::bad_input(
      source,
      "preset lambda: rule " + p.check + ": " + p.where + ": " + p.message +
          (problems.size() > 1 ? " (and " + std::to_string(problems.size() - 1) + " more)" : ""),
      "pare verify --preset lambda OUT lists every rule an image breaks");
}

PlanSources PlannedImage::sources() const {
  PlanSources s;
  s.layers = layer_files.get();
  s.store = &content;
  s.host_files = host_files.get();
  return s;
}

void check_planned(const std::vector<PlannedImage>& images, const SlimOptions& options,
                   Preset preset) {
  for (const auto& tag : options.tags) parse_image_name(tag);
  if (preset != Preset::kLambda) return;
  for (const auto& planned : images) {
    require_lambda(planned.source,
                   check_lambda(lambda_facts(planned.plan, options, images.size())));
  }
}

std::vector<WrittenImage> write_planned(const std::vector<PlannedImage>& images,
                                        const std::filesystem::path& out,
                                        const SlimOptions& options, Preset preset,
                                        const Progress& progress) {
  check_planned(images, options, preset);
  std::vector<OutputImage> outputs;
  std::vector<WrittenImage> written;
  for (const auto& planned : images) {
    progress(planned.image.platform().str() + ": writing layers");
    OutputImage image =
        to_output_image(planned.image.platform(), planned.plan,
                        build_slim_layers(planned.plan, planned.sources(), options));
    WrittenImage w;
    for (const auto& l : image.layers) w.stored += l.size;
    written.push_back(w);
    outputs.push_back(std::move(image));
  }
  progress.done();
  const auto digests = write_image_archive(out, outputs, options.tags);
  for (std::size_t i = 0; i < written.size() && i < digests.size(); ++i) {
    written[i].digest = digests[i];
  }
  return written;
}

}  // namespace pare
