#include "pare/diff/diff.hpp"

#include "pare/fs/image_tree.hpp"
#include "pare/slim/plan.hpp"

namespace pare {

namespace {

ImageSummary summary_of(const Bundle& bundle, const Image& image) {
  return {bundle.describe(), std::string(to_string(image.format)), image.names,
          image.platform().str(), image.config_digest.str()};
}

ImageTree read_tree(const Bundle& bundle, const Image& image, const DiffRequest& request,
                    const std::string& side, CaptureRule capture, const Progress& progress) {
  BuildTreeOptions reading;
  reading.limits = request.limits;
  reading.capture = std::move(capture);
  reading.on_layer = [&](std::size_t i, std::uint64_t read, std::uint64_t total) {
    progress(side + ": " + layer_progress(i, image.layers.size(), read, total));
  };
  ImageTree tree = build_tree(bundle, image, reading);
  progress.done();
  return tree;
}

}  // namespace

DiffReport diff_images(const Bundle& a, const Bundle& b, const DiffRequest& request,
                       const Progress& progress) {
  // Both configs first: whether A must be read for a plan is B's history's to say, and a
  // malformed B fails before A's layers are read.
  const Image image_a = load_image(a, request.selector, request.limits);
  const Image image_b = load_image(b, request.selector, request.limits);
  const bool slim = slim_created_by(image_b.config).has_value();
  const ImageTree tree_a = read_tree(
      a, image_a, request, "A", slim ? CaptureRule(capture_for_slim) : CaptureRule(), progress);
  const ImageTree tree_b = read_tree(b, image_b, request, "B", {}, progress);
  DiffReport report;
  report.a = summary_of(a, image_a);
  report.b = summary_of(b, image_b);
  report.tree = compare_trees(tree_a, tree_b, {.list_common = slim});
  report.slim = explain_slim(tree_a, image_a, image_b, report.tree, a.describe());
  return report;
}

}  // namespace pare
