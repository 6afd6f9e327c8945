#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "pare/verify/verify.hpp"

namespace pare {

/// The text report: each run's output and ending, one "FAIL check: where: message" line per
/// problem, then (unless `quiet`) "verify: ok (5 blobs, 1 manifest, ...)" or how many failed.
std::string render_text(const VerifyReport& report, bool color, bool quiet);

/// The JSON report `--format json` prints (schemaVersion 1, docs/verify.schema.json): image,
/// ok, problems, checked, runs.
nlohmann::ordered_json to_json(const VerifyReport& report, const std::string& image);

}  // namespace pare
