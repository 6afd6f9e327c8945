#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pare/slim/plan.hpp"
#include "pare/verify/lambda.hpp"

namespace pare::cli {

/// A JSON array of strings ('["/app", "-v"]') or one plain string, for --entrypoint and --cmd.
std::vector<std::string> argv_of(const std::string& flag, const std::string& text);

/// SOURCE_DATE_EPOCH from the environment, when set; a usage Error when it is not a number.
std::optional<std::int64_t> source_date_epoch();

/// The plan `--dry-run --format json` prints (schemaVersion 1).
nlohmann::json plan_json(const std::string& source, const std::string& platform, const Plan& p);
/// The plan `--dry-run` prints: every path with its size and reason, then folders and totals.
std::string plan_text(const std::string& platform, const Plan& p);

/// The Lambda facts of an image about to be written from `plan`.
LambdaFacts lambda_facts(const Plan& plan, const SlimOptions& options, std::size_t images);
/// Throws Error (exit 3) naming `source`, the first broken rule and how many more there are.
void require_lambda(const std::string& source, const std::vector<Problem>& problems);

}  // namespace pare::cli
