#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "pare/analyze/efficiency.hpp"
#include "pare/analyze/findings.hpp"
#include "pare/analyze/gates.hpp"
#include "pare/analyze/treemap.hpp"
#include "pare/deps/closure.hpp"
#include "pare/fs/image_tree.hpp"
#include "pare/image/image.hpp"

namespace pare {

/// One row of the layer table.
struct LayerRow {
  std::size_t index = 0;
  std::string digest;  ///< of the stored bytes
  std::string diff_id;
  std::string media_type;
  std::string compression;
  std::string created_by;  ///< from the matching non-empty history entry
  std::uint64_t compressed_size = 0;
  std::uint64_t uncompressed_size = 0;
  std::uint64_t entries = 0;
  LayerChanges changes;
  LayerWaste waste;
};

/// The paths a slim keeps for one reason, together.
struct SlimKeep {
  std::string reason;  ///< as the plan says it: "entrypoint", "needed by /app", "CA certificates"
  std::uint64_t paths = 0;
  std::uint64_t bytes = 0;  ///< of regular files
  std::string example;      ///< the largest path kept for it
};

/// Bytes of regular files below one top-level folder, in the image and after a slim.
struct SlimFolder {
  std::string folder;
  std::uint64_t before = 0;
  std::uint64_t after = 0;
};

/// What `pare analyze` reports: a value the renderers turn into text, JSON, Markdown or HTML.
struct AnalyzeReport {
  std::string source;
  std::string format;
  std::vector<std::string> names;
  std::string platform;
  std::string manifest_digest;  ///< empty for docker-save inputs
  std::string config_digest;
  std::string created;
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::string user;
  std::string working_dir;
  std::vector<std::string> env;
  Closure program;  ///< the entrypoint, its class and what it needs
  std::vector<LayerRow> layers;
  std::uint64_t compressed_size = 0;    ///< sum of stored layer sizes
  std::uint64_t uncompressed_size = 0;  ///< sum of layer tar sizes
  std::uint64_t files = 0;              ///< paths in the merged tree
  std::uint64_t content_size = 0;       ///< bytes of regular files in the merged tree
  DiveMetrics dive;                     ///< dive's numbers, computed as dive computes them
  std::uint64_t wasted = 0;             ///< pare's: bytes of copies that no longer show
  Findings findings;
  std::optional<std::uint64_t> slim_size;  ///< bytes of files a slim would keep (dry-run plan)
  std::string slim_error;                  ///< why no plan could be made
  /// Why that slim may break the program: what static analysis cannot see (Plan::blind_spots).
  std::vector<std::string> slim_blind_spots;
  /// Why a slim keeps what it keeps: the plan's paths by reason, most bytes first, at most
  /// kMaxSlimKeeps; slim_keeps_cut reasons more are left out.
  std::vector<SlimKeep> slim_keeps;
  std::uint64_t slim_keeps_cut = 0;
  std::vector<SlimFolder> slim_folders;  ///< the top-level folders a slim changes or keeps
  std::vector<GateResult> gates;
  /// The merged tree for the HTML page's map, when the request asked for it.
  std::optional<Treemap> treemap;
};

/// How many reasons of a slim's plan a report lists.
inline constexpr std::size_t kMaxSlimKeeps = 50;

/// The schema version of the JSON report; raised on any incompatible change.
inline constexpr int kAnalyzeSchemaVersion = 3;

/// Builds the report from an image, its merged tree and its program's closure.
AnalyzeReport make_report(const std::string& source, const Image& image, const ImageTree& tree,
                          Closure closure, const LayerAccounting& accounting, std::size_t top = 10);

/// What the gates compare, from a report.
GateInputs gate_inputs(const AnalyzeReport& report);

/// GitHub refuses a whole job summary above 1024k ("upload aborted"): the Markdown stays under
/// this many bytes, whatever the image.
inline constexpr std::size_t kMarkdownCap = 1'000'000;

/// A Markdown summary for a pull-request comment or a CI job summary: `top` rows of each long
/// table, each path and command shortened, the whole under kMarkdownCap bytes; what is cut is
/// said ("… 12,345 more paths not shown").
std::string render_markdown(const AnalyzeReport& report, std::size_t top = 10);

/// One self-contained HTML page: style, script and data inline, nothing fetched (its Content
/// Security Policy allows no request and no script but its own), the same bytes for the same
/// report. Every string from the image is escaped; the map needs `report.treemap`, the tables
/// do not.
std::string render_html(const AnalyzeReport& report);

nlohmann::json to_json_report(const AnalyzeReport& report);
std::string render_text(const AnalyzeReport& report, bool color);

}  // namespace pare
