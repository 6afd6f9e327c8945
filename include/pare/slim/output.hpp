#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <memory>

#include "pare/fs/byte_origin.hpp"
#include "pare/fs/content_store.hpp"
#include "pare/image/bundle.hpp"
#include "pare/image/image.hpp"
#include "pare/image/image_writer.hpp"
#include "pare/image/layer_blob.hpp"
#include "pare/rules/lambda.hpp"
#include "pare/slim/layer_builder.hpp"
#include "pare/slim/plan.hpp"
#include "pare/util/progress.hpp"

namespace pare {

/// One image planned and not yet written: what slim and pack both hand to write_planned. It
/// keeps what the plan's bytes are read from, not the tree it was planned in.
struct PlannedImage {
  std::string source;  ///< what it was made from, for messages: the input, or pack's binary
  Image image;         ///< the image (pack: the config) the plan started from
  Plan plan;
  /// The source layers LayerBytes name, read again by offset (slim); their bundle must outlive
  /// this.
  std::shared_ptr<const LayerFiles> layer_files;
  ContentStore content;                         ///< the plan's StoredBytes
  std::shared_ptr<const HostFiles> host_files;  ///< the plan's HostBytes (pack)
  std::vector<ProbeRun> probes;                 ///< the source's traced runs (slim --trace)

  /// What build_slim_layers reads this plan's bytes from.
  PlanSources sources() const;
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
