#pragma once

#include <cstddef>

#include "pare/analyze/gates.hpp"
#include "pare/analyze/report.hpp"
#include "pare/image/bundle.hpp"
#include "pare/image/image.hpp"
#include "pare/image/layer_reader.hpp"
#include "pare/util/progress.hpp"

namespace pare {

/// Everything `pare analyze` was asked for.
struct AnalyzeRequest {
  ImageSelector selector;
  InputLimits limits;
  GateConfig gates;      ///< the limits to check the report against
  std::size_t top = 10;  ///< largest files and folders listed
  bool treemap = false;  ///< lay the merged tree out for the HTML page (AnalyzeReport::treemap)
};

/// Analyzes the image the selector picks: every layer read once (verified, merged, each file
/// hashed to find copies, dive's accounting), the program's closure, findings, the size a
/// `pare slim` with no rules would reach (or why no plan could be made), and the gates'
/// verdicts; with `treemap`, the merged tree laid out and marked with the findings and what
/// that slim keeps. Throws Error as load_image and build_tree do; an incomplete closure is in the
/// report (require_complete tells the caller to fail after printing it).
AnalyzeReport analyze_image(const Bundle& bundle, const AnalyzeRequest& request,
                            const Progress& progress = {});

/// True when a gate failed.
bool gates_failed(const AnalyzeReport& report);

}  // namespace pare
