#include "pare/sbom/sbom.hpp"

#include "pare/deps/resolver.hpp"
#include "pare/fs/image_tree.hpp"
#include "pare/sbom/inventory.hpp"
#include "pare/sbom/os_release.hpp"
#include "pare/sbom/spdx.hpp"
#include "pare/slim/packages.hpp"
#include "pare/util/error.hpp"

namespace pare {

namespace {

/// Reads `image`'s layers once, hashing every file, capturing what the SBOM parses.
ImageTree read_hashed(const Bundle& bundle, const Image& image, const InputLimits& limits,
                      const Progress& progress, const std::string& label) {
  BuildTreeOptions reading;
  reading.limits = limits;
  reading.capture = capture_for_sbom;
  reading.hash_files = true;
  reading.on_layer = [&](std::size_t i, std::uint64_t read, std::uint64_t total) {
    progress(label + layer_progress(i, image.layers.size(), read, total));
  };
  ImageTree tree = build_tree(bundle, image, reading);
  progress.done();
  return tree;
}

/// What `pare sbom` states of the image `request` picks; the tree is gone once it is known.
Inventory inventory_of_image(const Bundle& bundle, const SbomRequest& request,
                             const Progress& progress, std::vector<std::string>& warnings) {
  const Image image = load_image(bundle, request.selector, request.limits);
  const ImageTree tree = read_hashed(bundle, image, request.limits, progress, "");
  Inventory inventory = inventory_of(image, tree, bundle.describe(), request.source_date_epoch);
  const PackageDatabase database = read_package_database(tree);
  inventory.package_format = database.format;
  inventory.packages = inventory_packages(database);
  warnings = database.warnings;
  const Closure closure = resolve_closure(tree, image.config, bundle.describe());
  if (!closure.error.empty()) {
    warnings.push_back(closure.error + " (the SBOM lists what the loader emulation found)");
  }
  set_program(inventory, closure, tree);
  return inventory;
}

}  // namespace

Sbom sbom_of_image(const Bundle& bundle, const SbomRequest& request, const Progress& progress) {
  Sbom sbom;
  sbom.document = spdx_json(inventory_of_image(bundle, request, progress, sbom.warnings));
  return sbom;
}

Sbom sbom_of_slim(const std::vector<PlannedImage>& planned,
                  const std::vector<WrittenImage>& written, const std::filesystem::path& output,
                  const std::string& output_name, const InputLimits& limits,
                  const Progress& progress) {
  if (planned.size() != 1 || written.size() != 1) {
    throw Error::usage("--sbom describes one image, not " + std::to_string(planned.size()),
                       "slim one platform per output with --platform");
  }
  const PlannedImage& source = planned.front();
  const auto bundle = open_bundle(output.string(), limits);
  const Image image = load_image(*bundle, {}, limits);
  const Digest digest = image.manifest ? image.manifest->digest : image.config_digest;
  if (digest != written.front().digest) {
    throw Error(ExitCode::kSystem, output.string() + ": the image read back is " + digest.str() +
                                       ", not the " + written.front().digest.str() + " written");
  }
  Inventory inventory;
  {
    const ImageTree tree = read_hashed(*bundle, image, limits, progress, "sbom: ");
    inventory = inventory_of(image, tree, output_name, source.plan.epoch);
    inventory.package_format = source.plan.packages.format;
    inventory.packages = inventory_packages(source.plan.packages.packages, tree);
    set_program(inventory, source.plan.closure, tree);
  }
  return {spdx_json(inventory), {}};
}

}  // namespace pare
