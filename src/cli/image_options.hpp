#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "pare/image/image.hpp"
#include "pare/image/layer_reader.hpp"
#include "pare/rules/lambda.hpp"

namespace pare::cli {

/// The options every command that reads an image shares.
struct ImageOptions {
  std::string image;     ///< path, folder or "-"
  std::string platform;  ///< --platform os/arch[/variant]
  std::string name;      ///< --image NAME:TAG
  std::uint64_t max_layer_bytes = LayerLimits{}.max_uncompressed_bytes;
  std::uint64_t max_entries = LayerLimits{}.max_entries;
  std::uint64_t max_path_bytes = LayerLimits{}.max_path_bytes;
  std::uint64_t max_path_depth = LayerLimits{}.max_path_depth;

  /// The selector the flags describe; throws a usage Error for a malformed --platform.
  ImageSelector selector() const;
  LayerLimits limits() const {
    return {max_layer_bytes, max_entries, max_path_bytes, max_path_depth};
  }
};

/// Adds IMAGE, --platform, --image and the limits to a subcommand.
void add_image_options(CLI::App& command, ImageOptions& options);

/// Adds --preset (only "lambda" today) to a subcommand.
void add_preset_option(CLI::App& command, Preset& preset, const std::string& description);

}  // namespace pare::cli
