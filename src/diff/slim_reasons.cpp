#include "pare/diff/slim_reasons.hpp"

#include <map>

#include "pare/util/error.hpp"

namespace pare {

std::optional<std::string> slim_created_by(const Config& b) {
  if (b.history.empty() || !b.history.back().created_by.starts_with("pare slim")) {
    return std::nullopt;
  }
  return b.history.back().created_by;
}

SlimOptions replan_options(const Config& b) {
  SlimOptions options;
  options.entrypoint = b.config.entrypoint;
  options.cmd = b.config.cmd;
  options.env = b.config.env;
  options.user = b.config.user;
  options.workdir = b.config.working_dir;
  return options;
}

std::vector<KeptPath> attach_reasons(TreeDiff& diff, const std::vector<PlanEntry>& plan) {
  std::map<std::string_view, std::string_view> reasons;
  for (const auto& e : plan) reasons.emplace(e.path, e.reason);
  const auto reason_of = [&](const std::string& path) {
    const auto it = reasons.find(path);
    return it == reasons.end() ? std::string_view() : it->second;
  };
  for (auto& p : diff.added) p.reason = reason_of(p.path);
  std::vector<KeptPath> kept;
  kept.reserve(diff.common.size());
  for (const auto& path : diff.common) {
    const std::string_view reason = reason_of(path);
    kept.push_back({path, std::string(reason.empty() ? kNotInDefaultPlan : reason)});
  }
  // A changed path is a kept one too: its row carries the same reason.
  auto k = kept.begin();
  for (auto& p : diff.changed) {  // both sorted by path
    while (k != kept.end() && k->path < p.path) ++k;
    if (k != kept.end() && k->path == p.path) p.reason = k->reason;
  }
  return kept;
}

SlimReasons explain_slim(const ImageTree& a_tree, const Image& a, const Image& b, TreeDiff& diff,
                         const std::string& a_name) {
  SlimReasons out;
  const auto created_by = slim_created_by(b.config);
  if (!created_by) return out;
  out.detected = true;
  out.created_by = *created_by;
  try {
    const Plan plan = make_plan(a_tree, a, replan_options(b.config), a_name);
    out.kept = attach_reasons(diff, plan.entries);
    out.planned = true;
  } catch (const Error& e) {
    // The diff stands without the reasons: B may be the slim of another image.
    out.note = std::string("A's program cannot be planned (B may not be a slim of A): ") + e.what();
  }
  return out;
}

}  // namespace pare
