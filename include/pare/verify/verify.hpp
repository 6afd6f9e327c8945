#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "pare/image/bundle.hpp"
#include "pare/image/image.hpp"
#include "pare/image/layer_reader.hpp"
#include "pare/rules/lambda.hpp"
#include "pare/run/sandbox.hpp"
#include "pare/util/problem.hpp"
#include "pare/util/progress.hpp"

namespace pare {

/// Everything `pare verify` was asked for.
struct VerifyRequest {
  ImageSelector selector;  ///< empty: every image of the input
  InputLimits limits;
  Preset preset = Preset::kNone;
  bool run = false;               ///< start each image's program in the sandbox
  std::vector<std::string> args;  ///< with run: replace the config's Cmd, as docker run does
  int expect_exit = 0;
  std::string expect_output;  ///< an extended regular expression a line of the output matches
  std::chrono::milliseconds timeout{10000};
};

/// One program started by `run`, and how it ended.
struct RunRecord {
  std::string platform;  ///< the image's label: its platform, and its name among several
  std::vector<std::string> argv;
  RunResult result;
  double seconds = 0;
};

/// What verify found: every failed check, what it looked at, and the runs.
struct VerifyReport {
  std::vector<Problem> problems;  ///< structure faults first, then content, lambda and run
  /// Counts in the order they are shown: "blobs", "indexes", "manifests", "configs", "layers",
  /// "bytes", "programs", and "runs" with `run`.
  std::vector<std::pair<std::string, std::uint64_t>> checked;
  std::vector<RunRecord> runs;

  bool ok() const { return problems.empty(); }
};

/// Throws a usage Error (exit 2) for a request that cannot be run: ARGS without `run`, an
/// expect_output that is not an extended regular expression.
void validate(const VerifyRequest& request);

/// Verifies what `bundle` holds: the content checks (the program, its architecture and
/// closure, the User) of every image the selector picks, the Lambda rules with the preset,
/// `run` for each program, and the structure checks over the whole input (every fault, see
/// verify_structure). Each layer is inflated once: the content pass verifies what it reads and
/// the structure checks take those layers as read. An image the content pass cannot read is a
/// problem ("image") only when the structure checks found no fault to explain it.
/// Throws Error only when the input is no image at all, or on a system error (exit 4, e.g.
/// `run` without the privilege it needs).
VerifyReport verify_image(const Bundle& bundle, const VerifyRequest& request,
                          const Progress& progress = {});

/// As grep -E: a line of `output` matches `pattern` (anchors are the line's), or the whole
/// output does (a pattern spanning lines).
bool output_matches(const std::string& output, const std::string& pattern);

}  // namespace pare
