#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "pare/image/image.hpp"
#include "pare/image/layer_reader.hpp"
#include "pare/registry/options.hpp"
#include "pare/rules/lambda.hpp"
#include "pare/util/limits.hpp"

namespace pare::cli {

/// The options every command that reads an image shares.
struct ImageOptions {
  std::string image;         ///< path, folder, "-" or docker://reference
  std::string platform;      ///< --platform os/arch[/variant]
  std::string name;          ///< --image NAME:TAG
  InputLimits input_limits;  ///< the "Limits" flags
  RegistryOptions registry;  ///< the "Registry" flags

  /// The selector the flags describe; throws a usage Error for a malformed --platform.
  ImageSelector selector() const;
  const InputLimits& limits() const { return input_limits; }
  /// The image named, from a file, a folder, "-" or a registry (open_image).
  std::unique_ptr<Bundle> open() const;
};

/// Adds IMAGE, --platform, --image, the "Registry" group and the "Limits" group (one flag per
/// InputLimits field) to a subcommand.
void add_image_options(CLI::App& command, ImageOptions& options);

/// Adds the "Registry" group alone: --creds, --tls-verify, --cert-dir.
void add_registry_options(CLI::App& command, RegistryOptions& registry);

/// Adds the "Limits" group alone.
void add_limit_options(CLI::App& command, InputLimits& limits);

/// Adds --preset (only "lambda" today) to a subcommand.
void add_preset_option(CLI::App& command, Preset& preset, const std::string& description);

}  // namespace pare::cli
