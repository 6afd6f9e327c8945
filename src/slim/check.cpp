#include "pare/slim/check.hpp"

#include <algorithm>
#include <set>

#include "pare/fs/image_tree.hpp"
#include "pare/slim/plan.hpp"

namespace pare {

namespace {

/// How a run ended, in words: "exited 0", "killed by signal 9", "still running at the timeout".
std::string ending(const RunResult& r) {
  if (r.timed_out) {
    return r.terminated ? "still running at the timeout (then stopped cleanly)"
                        : "still running at the timeout";
  }
  if (r.signal != 0) return "killed by signal " + std::to_string(r.signal);
  return "exited " + std::to_string(r.exit_code);
}

bool same_ending(const RunResult& a, const RunResult& b) {
  if (a.timed_out || b.timed_out) return a.timed_out == b.timed_out;
  return a.exit_code == b.exit_code && a.signal == b.signal;
}

ProbeComparison compare(const ProbeRun& source, const ProbeRun& slim) {
  ProbeComparison c{source, slim, {}, {}};
  if (!same_ending(source.result, slim.result)) {
    c.differences.push_back(ending(slim.result) + ", the source " + ending(source.result));
  }
  if (source.result.standard_output != slim.result.standard_output) {
    c.differences.emplace_back("the standard output differs");
  }
  if (c.differences.empty()) return c;
  std::set<std::string> found;
  for (const FileAccess& a : source.result.accesses) {
    if (a.error == 0) found.insert(a.path);
  }
  std::set<std::string> listed;
  for (const FileAccess& a : slim.result.accesses) {
    if (a.error != 0 && found.contains(a.path) && listed.insert(a.path).second) {
      c.missing.push_back(a.path);
    }
  }
  return c;
}

}  // namespace

bool SlimCheck::passed() const {
  return std::all_of(probes.begin(), probes.end(),
                     [](const ProbeComparison& p) { return p.differences.empty(); });
}

SlimCheck check_slim(const PlannedImage& planned, const Bundle& output,
                     const std::vector<Probe>& probes, const ProbeSettings& settings,
                     const Progress& progress) {
  SlimCheck check;
  check.label = planned.image.platform().str();
  ImageSelector selector;
  selector.platform = planned.image.platform();
  const Image image = load_image(output, selector, settings.limits);
  BuildTreeOptions reading;
  reading.limits = settings.limits;
  reading.capture = capture_for_slim;
  const ImageTree tree = build_tree(output, image, reading);
  progress(check.label + ": unpacking the output to check it");
  const UnpackedImage unpacked(output, tree, "pare-check");
  const std::vector<ProbeRun> runs =
      run_probes(unpacked, tree, image, probes, settings, output.describe(), progress);
  for (std::size_t i = 0; i < runs.size() && i < planned.probes.size(); ++i) {
    check.probes.push_back(compare(planned.probes[i], runs[i]));
  }
  return check;
}

std::string render_check(const std::vector<SlimCheck>& checks) {
  constexpr std::size_t kMissingShown = 20;
  std::string text;
  for (const SlimCheck& check : checks) {
    for (const ProbeComparison& p : check.probes) {
      text.append("check ").append(check.label).append(": ").append(probe_label(p.source));
      if (p.differences.empty()) {
        text.append(": the same (").append(ending(p.slim.result)).append(", same output)\n");
        continue;
      }
      text.append(": DIFFERS\n");
      for (const auto& d : p.differences) text.append("  ").append(d).append("\n");
      for (std::size_t i = 0; i < p.missing.size() && i < kMissingShown; ++i) {
        text.append("  looked for ").append(p.missing[i]).append(", which the source has\n");
      }
      if (p.missing.size() > kMissingShown) {
        text.append("  ... and ")
            .append(std::to_string(p.missing.size() - kMissingShown))
            .append(" more paths the source has\n");
      }
      if (p.missing.empty()) {
        text.append(
            "  the slim run found every path the source run found: compare the outputs "
            "(pare verify OUT --run) or add --probe\n");
      }
    }
  }
  return text;
}

}  // namespace pare
