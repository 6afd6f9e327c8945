#include "image_options.hpp"

#include <map>

#include "pare/util/error.hpp"

namespace pare::cli {

ImageSelector ImageOptions::selector() const {
  ImageSelector s;
  s.name = name;
  if (!platform.empty() && platform != "all") {  // "all": slim iterates itself
    s.platform = Platform::parse(platform);
    if (!s.platform) {
      throw Error::usage("--platform " + platform + ": expected os/arch[/variant]",
                         "for example --platform linux/arm64");
    }
  }
  return s;
}

void add_image_options(CLI::App& command, ImageOptions& options) {
  command
      .add_option("IMAGE", options.image,
                  "docker-save or OCI archive (plain, gzip or zstd), OCI layout folder, or - "
                  "for standard input")
      ->required();
  command.add_option("--platform", options.platform,
                     "os/arch[/variant] to take from a multi-platform image");
  command.add_option("--image", options.name,
                     "NAME:TAG to take from an archive holding several images");
  command.add_option("--max-layer-bytes", options.max_layer_bytes,
                     "refuse a layer that inflates past this many bytes");
  command.add_option("--max-entries", options.max_entries,
                     "refuse a layer with more tar entries than this");
  command.add_option("--max-path-bytes", options.max_path_bytes,
                     "refuse an entry whose path or link target is longer (default 4096)");
  command.add_option("--max-path-depth", options.max_path_depth,
                     "refuse an entry whose path is deeper than this many names (default 512)");
}

void add_preset_option(CLI::App& command, Preset& preset, const std::string& description) {
  const std::map<std::string, Preset> names{{"lambda", Preset::kLambda}};
  command.add_option("--preset", preset, description)
      ->transform(CLI::CheckedTransformer(names, CLI::ignore_case));
}

}  // namespace pare::cli
