#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "pare/fs/image_tree.hpp"
#include "pare/image/bundle.hpp"
#include "pare/image/image.hpp"
#include "pare/image/image_writer.hpp"
#include "pare/image/layer_blob.hpp"
#include "pare/rules/lambda.hpp"
#include "pare/slim/plan.hpp"
#include "pare/util/progress.hpp"

namespace pare {

/// One image planned and not yet written: what slim and pack both hand to write_planned.
struct PlannedImage {
  std::string source;  ///< what it was made from, for messages: the input, or pack's binary
  const Bundle* bundle = nullptr;  ///< the layers the plan's files are copied from; pack: none
  Image image;                     ///< the image (pack: the config) the plan started from
  ImageTree tree;                  ///< the merged tree, which the plan points into
  Plan plan;
  LayerLimits limits;
};

/// What was written: the digest of each image (its manifest), and its stored layer bytes.
struct WrittenImage {
  Digest digest;
  std::uint64_t stored = 0;
};

/// Checks planned images before any layer is built, as the dry run and the write both need:
/// every --tag parses (exit 2), and with the lambda preset each image keeps Lambda's rules
/// (exit 3, require_lambda).
void check_planned(const std::vector<PlannedImage>& images, const SlimOptions& options,
                   Preset preset);

/// check_planned, then builds each image's layers (build_slim_layers), gives its config their
/// diff_ids and writes every image as one archive at `out` (write_image_archive: one manifest,
/// or an index of several), tagged with the options' tags.
std::vector<WrittenImage> write_planned(const std::vector<PlannedImage>& images,
                                        const std::filesystem::path& out,
                                        const SlimOptions& options, Preset preset,
                                        const Progress& progress = {});

/// The image to write from a plan and the layers built from it: the output config gets their
/// diff_ids and is serialized here, the one place its bytes are made.
OutputImage to_output_image(const Platform& platform, const Plan& plan,
                            std::vector<LayerBlob> layers);

/// The Lambda facts of an image about to be written from `plan`, in an output of `images`.
LambdaFacts lambda_facts(const Plan& plan, const SlimOptions& options, std::size_t images);

/// Throws Error (exit 3) naming `source`, the first broken rule and how many more there are.
void require_lambda(const std::string& source, const std::vector<Problem>& problems);

}  // namespace pare
