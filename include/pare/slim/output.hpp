#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "pare/image/image_writer.hpp"
#include "pare/image/layer_blob.hpp"
#include "pare/rules/lambda.hpp"
#include "pare/slim/plan.hpp"

namespace pare {

/// The image to write from a plan and the layers built from it: the output config gets their
/// diff_ids and is serialized here, the one place its bytes are made.
OutputImage to_output_image(const Platform& platform, const Plan& plan,
                            std::vector<LayerBlob> layers);

/// The Lambda facts of an image about to be written from `plan`, in an output of `images`.
LambdaFacts lambda_facts(const Plan& plan, const SlimOptions& options, std::size_t images);

/// Throws Error (exit 3) naming `source`, the first broken rule and how many more there are.
void require_lambda(const std::string& source, const std::vector<Problem>& problems);

}  // namespace pare
