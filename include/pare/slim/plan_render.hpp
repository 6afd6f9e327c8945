#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "pare/slim/plan.hpp"

namespace pare {

/// The plan `--dry-run --format json` prints (schemaVersion 1): the program, every path with
/// its type, size, mode and reason, bytes per folder, packages, setuid bits dropped, warnings.
nlohmann::json plan_json(const std::string& source, const std::string& platform, const Plan& plan);

/// The plan `--dry-run` prints: every path with its size and reason, then folders and totals.
std::string plan_text(const std::string& platform, const Plan& plan);

}  // namespace pare
