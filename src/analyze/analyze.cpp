#include "pare/analyze/analyze.hpp"

#include <algorithm>

#include "pare/deps/resolver.hpp"
#include "pare/fs/image_tree.hpp"
#include "pare/slim/plan.hpp"
#include "pare/util/error.hpp"

namespace pare {

AnalyzeReport analyze_image(const Bundle& bundle, const AnalyzeRequest& request,
                            const Progress& progress) {
  const Image image = load_image(bundle, request.selector, request.limits);
  LayerAccounting accounting;
  BuildTreeOptions reading;
  reading.limits = request.limits;
  reading.capture = capture_for_slim;
  reading.on_layer = [&](std::size_t i, std::uint64_t read, std::uint64_t total) {
    progress(layer_progress(i, image.layers.size(), read, total));
  };
  reading.on_entries = [&](std::size_t, const std::vector<TarEntry>& entries) {
    accounting.add_layer(entries);
  };
  reading.find_duplicates = true;
  const ImageTree tree = build_tree(bundle, image, reading);
  progress.done();
  Closure closure = resolve_closure(tree, image.config, bundle.describe());
  AnalyzeReport report =
      make_report(bundle.describe(), image, tree, std::move(closure), accounting, request.top);
  // The size a slim would reach: the same plan `pare slim --dry-run` prints.
  try {
    const Plan plan = make_plan(tree, image, SlimOptions{}, bundle.describe(), report.program);
    report.slim_size = plan.after;
    report.slim_blind_spots = plan.blind_spots;
  } catch (const Error& e) {
    report.slim_error = e.what();
  }
  report.gates = evaluate_gates(request.gates, gate_inputs(report));
  return report;
}

bool gates_failed(const AnalyzeReport& report) {
  return std::any_of(report.gates.begin(), report.gates.end(),
                     [](const GateResult& g) { return !g.passed; });
}

}  // namespace pare
