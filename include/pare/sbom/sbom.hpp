#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "pare/image/bundle.hpp"
#include "pare/image/image.hpp"
#include "pare/slim/output.hpp"
#include "pare/util/limits.hpp"
#include "pare/util/progress.hpp"

namespace pare {

/// Everything `pare sbom` was asked for.
struct SbomRequest {
  ImageSelector selector;
  InputLimits limits;
  /// SOURCE_DATE_EPOCH: the document's created time; else the image config's created time.
  std::optional<std::int64_t> source_date_epoch;
};

/// An SPDX 2.3 JSON document and what could not be told while making it.
struct Sbom {
  std::string document;
  std::vector<std::string> warnings;
};

/// `pare sbom`: the SBOM of the image `request` picks. Its layers are read once, every file
/// hashed as they stream (SHA-256 and SHA-1), its package database and os-release read, and
/// its program's closure resolved by the loader emulation (a closure that is incomplete is a
/// warning: the dependencies found are listed). Throws Error as load_image and build_tree do.
Sbom sbom_of_image(const Bundle& bundle, const SbomRequest& request, const Progress& progress = {});

/// `pare slim --sbom`: the SBOM of the image write_planned wrote from `planned` (one image) at
/// `output`, whose digest it returned as `written`. The files and their digests are the output's,
/// read back in one pass; the packages those the plan kept (PackageMetadata, so none with
/// --no-package-metadata), with the paths the output has; the program and its
/// closure the plan's. The created time is the plan's epoch, which is the output's. Throws
/// Error: exit 2 for several planned images (an SBOM describes one), and as load_image and
/// build_tree throw on the output.
Sbom sbom_of_slim(const std::vector<PlannedImage>& planned,
                  const std::vector<WrittenImage>& written, const std::filesystem::path& output,
                  const std::string& output_name, const InputLimits& limits,
                  const Progress& progress = {});

}  // namespace pare
