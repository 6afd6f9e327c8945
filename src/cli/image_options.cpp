#include "image_options.hpp"

#include <map>

#include "pare/registry/registry_bundle.hpp"
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

std::unique_ptr<Bundle> ImageOptions::open() const {
  return open_image(image, registry, input_limits);
}

void add_image_options(CLI::App& command, ImageOptions& options) {
  command
      .add_option("IMAGE", options.image,
                  "docker-save or OCI archive (plain, gzip or zstd), OCI layout folder, - "
                  "for standard input, or docker://HOST/REPOSITORY[:TAG|@DIGEST] in a registry")
      ->required();
  command.add_option("--platform", options.platform,
                     "os/arch[/variant] to take from a multi-platform image");
  command.add_option("--image", options.name,
                     "NAME:TAG to take from an archive holding several images");
  add_registry_options(command, options.registry);
  add_limit_options(command, options.input_limits);
}

void add_registry_options(CLI::App& command, RegistryOptions& registry) {
  command.add_option("--creds", registry.creds, "USER[:PASSWORD] for the registry")
      ->group("Registry");
  command
      .add_option("--tls-verify", registry.tls_verify,
                  "false: accept any certificate, and plain HTTP where HTTPS is not answered")
      ->default_str("true")
      ->group("Registry");
  command
      .add_option("--cert-dir", registry.cert_dir,
                  "a folder of CA certificates (*.crt) to trust for the registry")
      ->group("Registry");
}

void add_limit_options(CLI::App& command, InputLimits& limits) {
  // Each flag's default is shown by the help (capture_default_str): the value InputLimits has.
  const auto add = [&](const std::string& flag, std::uint64_t& field, const std::string& what) {
    command.add_option(flag, field, what)->capture_default_str()->group("Limits");
  };
  add("--max-image-bytes", limits.max_image_bytes,
      "refuse an image whose layers inflate past this many bytes together");
  add("--max-layer-bytes", limits.max_layer_bytes,
      "refuse a layer that inflates past this many bytes");
  add("--max-entries", limits.max_entries, "refuse a layer with more tar entries than this");
  add("--max-path-bytes", limits.max_path_bytes,
      "refuse an entry whose path or link target is longer");
  add("--max-path-depth", limits.max_path_depth,
      "refuse an entry whose path is deeper than this many names");
  add("--max-symlinks", limits.max_symlinks,
      "follow at most this many symlinks resolving one path in the image");
  add("--max-json-bytes", limits.max_json_bytes,
      "refuse a JSON document (index, manifest, config) larger than this");
  add("--max-json-depth", limits.max_json_depth,
      "refuse a JSON document nesting arrays and objects deeper than this");
  add("--max-manifests", limits.max_manifests,
      "refuse an index or manifest.json listing more manifests than this");
  add("--max-index-depth", limits.max_index_depth, "refuse indexes nested deeper than this");
  add("--max-elf-entries", limits.max_elf_entries,
      "refuse an ELF file with a table (program or section headers, dynamic entries, symbols, "
      "notes) longer than this");
}

void add_preset_option(CLI::App& command, Preset& preset, const std::string& description) {
  const std::map<std::string, Preset> names{{"lambda", Preset::kLambda}};
  command.add_option("--preset", preset, description)
      ->transform(CLI::CheckedTransformer(names, CLI::ignore_case));
}

}  // namespace pare::cli
