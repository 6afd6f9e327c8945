#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "pare/diff/diff.hpp"

namespace pare {

/// The schema version of `pare diff --format json` (docs/diff-json.md); raised on any
/// incompatible change.
inline constexpr int kDiffSchemaVersion = 1;

/// How many rows of each list text and markdown print when not told (--top).
inline constexpr std::size_t kDiffTopDefault = 50;

/// For a terminal: the two images, the counts, the bytes per top-level folder and in total,
/// then the added, removed and changed paths and, for a pare slim B, why each kept path was
/// kept; aligned columns, each list cut at `top` rows with a line "... and K more". Bold
/// headings when `color`. Control bytes in paths print as \xHH, one path a line.
std::string render_text(const DiffReport& report, std::size_t top, bool color);

/// The same as GitHub-flavoured Markdown tables for a job summary or a pull-request comment,
/// cut at `top` rows a table and every cell at 200 bytes, so the default stays far below
/// GitHub's 1024 KiB job-summary limit.
std::string render_markdown(const DiffReport& report, std::size_t top);

/// Everything, every path, keys in a fixed order (docs/diff-json.md).
nlohmann::ordered_json to_json(const DiffReport& report);

}  // namespace pare
