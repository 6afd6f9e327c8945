#include "pare/analyze/analyze.hpp"

#include <algorithm>
#include <map>

#include "pare/deps/resolver.hpp"
#include "pare/fs/image_tree.hpp"
#include "pare/slim/plan.hpp"
#include "pare/util/error.hpp"

namespace pare {

namespace {

/// The plan's paths grouped by why they are kept, most bytes first.
void add_slim_keeps(const Plan& plan, AnalyzeReport& report) {
  std::map<std::string, SlimKeep> by_reason;
  std::map<std::string, std::uint64_t> largest;
  for (const PlanEntry& e : plan.entries) {
    SlimKeep& keep = by_reason[e.reason];
    keep.reason = e.reason;
    ++keep.paths;
    const std::uint64_t bytes = e.type == EntryType::kFile ? e.size : 0;
    keep.bytes += bytes;
    if (keep.example.empty() || bytes > largest[e.reason]) {
      keep.example = e.path;
      largest[e.reason] = bytes;
    }
  }
  std::vector<SlimKeep> keeps;
  keeps.reserve(by_reason.size());
  for (auto& [reason, keep] : by_reason) keeps.push_back(std::move(keep));
  std::stable_sort(keeps.begin(), keeps.end(), [](const SlimKeep& a, const SlimKeep& b) {
    return a.bytes != b.bytes ? a.bytes > b.bytes : a.paths > b.paths;
  });
  if (keeps.size() > kMaxSlimKeeps) {
    report.slim_keeps_cut = keeps.size() - kMaxSlimKeeps;
    keeps.resize(kMaxSlimKeeps);
  }
  report.slim_keeps = std::move(keeps);
  for (const FolderBytes& f : plan.folders) {
    report.slim_folders.push_back({f.folder, f.before, f.after});
  }
}

/// The findings as marks on the merged tree, in the order a file's colour is chosen: what
/// runs with privileges or lets a shell in first, then wasted bytes, then kinds of bytes.
TreemapMarks treemap_marks(const AnalyzeReport& report, const Rootfs& rootfs, const Plan* plan) {
  TreemapMarks marks;
  auto kind = [&](const std::string& name) {
    const auto it = std::find(marks.kinds.begin(), marks.kinds.end(), name);
    if (it != marks.kinds.end()) return static_cast<std::size_t>(it - marks.kinds.begin());
    marks.kinds.push_back(name);
    return marks.kinds.size() - 1;
  };
  // A program is often a link (/bin/sh -> dash): the file it reaches is marked too.
  auto programs = [&](const std::vector<std::string>& paths, std::size_t k) {
    for (const auto& p : paths) {
      marks.paths.emplace_back(p, k);
      const Resolution r = rootfs.resolve(p);
      if (r.node != nullptr) marks.paths.emplace_back(r.path, k);
    }
  };
  const Findings& f = report.findings;
  const std::size_t setuid = kind("setuid");
  for (const auto& p : f.setuid_files) marks.paths.emplace_back(p, setuid);
  programs(f.shells, kind("shell"));
  programs(f.package_managers, kind("package-manager"));
  // dive's inefficient paths are those in two layers or more; a folder is in every layer that
  // adds below it, so only files say that a lower copy is hidden.
  const std::size_t overwritten = kind("overwritten");
  for (const auto& i : report.dive.inefficient) {
    const Node* n = rootfs.find(i.path);
    if (n != nullptr && n->type != EntryType::kDir) marks.paths.emplace_back(i.path, overwritten);
  }
  const std::size_t duplicate = kind("duplicate");
  for (const auto& d : f.duplicates) {
    for (const auto& p : d.paths) marks.paths.emplace_back(p, duplicate);
  }
  for (const auto& c : f.categories) {
    const std::size_t k = kind(c.category);
    for (const auto& p : c.paths) marks.paths.emplace_back(p, k);
  }
  if (plan != nullptr) {
    marks.slim = true;
    for (const PlanEntry& e : plan->entries) {
      if (e.from_image) marks.kept.emplace_back(e.path, e.reason);
    }
  }
  return marks;
}

}  // namespace

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
  std::optional<Plan> plan;
  try {
    plan = make_plan(tree, image, SlimOptions{}, bundle.describe(), report.program);
    report.slim_size = plan->after;
    report.slim_blind_spots = plan->blind_spots;
    add_slim_keeps(*plan, report);
  } catch (const Error& e) {
    report.slim_error = e.what();
  }
  report.gates = evaluate_gates(request.gates, gate_inputs(report));
  if (request.treemap) {
    report.treemap =
        make_treemap(tree.rootfs, treemap_marks(report, tree.rootfs, plan ? &*plan : nullptr));
  }
  return report;
}

bool gates_failed(const AnalyzeReport& report) {
  return std::any_of(report.gates.begin(), report.gates.end(),
                     [](const GateResult& g) { return !g.passed; });
}

}  // namespace pare
