#pragma once

#include <string>

#include "pare/image/bundle.hpp"
#include "pare/registry/options.hpp"
#include "pare/registry/reference.hpp"
#include "pare/util/progress.hpp"

namespace pare {

/// Pushes the image a bundle's index.json names (its one descriptor: a manifest, or an index
/// of one per platform, as write_image_archive writes them) to `to`: every blob first (those
/// the registry has are skipped, those of `mount_from`, a repository of the same registry,
/// mounted), the manifests of an index before it, and the tag last, so a push that fails
/// leaves no tag on a partial image. Returns the digest pushed under the tag: the bundle's own
/// descriptor's. Throws Error: exit 3 for a bundle that is not such a layout, exit 4 for what
/// the registry refuses or the network. `progress` hears of each blob as it goes.
std::string push_image(const Bundle& layout, const Reference& to, const RegistryOptions& options,
                       const std::string& mount_from = {}, const Progress& progress = {});

}  // namespace pare
