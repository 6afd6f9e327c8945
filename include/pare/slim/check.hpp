#pragma once

#include <string>
#include <vector>

#include "pare/image/bundle.hpp"
#include "pare/run/probe.hpp"
#include "pare/slim/output.hpp"

namespace pare {

/// How one probe ran on the slim output against the source.
struct ProbeComparison {
  ProbeRun source;
  ProbeRun slim;
  /// Empty when the runs agree; else what differs: "exited 1, the source exited 0", "the
  /// standard output differs", "still running at the timeout, the source exited 0".
  std::vector<std::string> differences;
  /// Paths the slim run looked for and did not find that the source's run found (its trace).
  std::vector<std::string> missing;
};

/// What `slim --check` found for one image.
struct SlimCheck {
  std::string label;  ///< the platform, "linux/amd64"
  std::vector<ProbeComparison> probes;

  bool passed() const;
};

/// Runs the probes `planned` ran on its source (PlannedImage::probes) on the written image of
/// the same platform in `output`, traced, and compares each run: the same exit status (or both
/// still running at the timeout) and the same standard output. Throws as run_probes does (exit
/// 4 without the privileges to make namespaces).
SlimCheck check_slim(const PlannedImage& planned, const Bundle& output,
                     const std::vector<Probe>& probes, const ProbeSettings& settings,
                     const Progress& progress = {});

/// Text for a terminal: one line per probe ("probe 2 (nginx -t): same exit 0 and output"), and
/// under a differing one what differs and the first missing paths.
std::string render_check(const std::vector<SlimCheck>& checks);

}  // namespace pare
