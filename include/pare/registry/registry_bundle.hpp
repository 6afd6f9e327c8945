#pragma once

#include <memory>
#include <string>

#include "pare/image/bundle.hpp"
#include "pare/registry/options.hpp"
#include "pare/registry/reference.hpp"
#include "pare/util/limits.hpp"

namespace pare {

/// A registry's image seen as an OCI layout: index.json names the reference's manifest (or
/// index), and blobs/sha256/HEX is the manifest or blob of that digest, fetched when read and
/// checked by the readers as any layout's blobs are. A blob read to its end is kept in a
/// temporary folder, so a second pass over a layer (slim's copy) does not download it again.
std::unique_ptr<Bundle> open_registry(const Reference& ref, const RegistryOptions& options,
                                      const InputLimits& limits);

/// What the user named, whatever it is: a docker:// reference (a registry), or what
/// open_bundle reads (a file, a folder, "-"). No reference is ever looked up as a file.
std::unique_ptr<Bundle> open_image(const std::string& name, const RegistryOptions& options,
                                   const InputLimits& limits);

}  // namespace pare
