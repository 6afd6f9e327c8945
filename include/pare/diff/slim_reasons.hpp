#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pare/diff/compare.hpp"
#include "pare/fs/image_tree.hpp"
#include "pare/image/image.hpp"
#include "pare/slim/plan.hpp"

namespace pare {

/// The reason of a path both images have that pare's default plan of A does not keep: the
/// slim kept it by a rule the diff cannot see.
inline constexpr std::string_view kNotInDefaultPlan =
    "not in pare's default plan: a --keep, --trace or --preset rule";

/// A path both images have and why the slim kept it.
struct KeptPath {
  std::string path;
  std::string reason;
};

/// Why a pare slim B holds what it holds, from A planned again.
struct SlimReasons {
  bool detected = false;       ///< B's history says pare slim made it
  std::string created_by;      ///< that history entry's created_by ("pare slim", "pare slim (app)")
  bool planned = false;        ///< A could be planned: `kept` and the added paths' reasons are set
  std::string note;            ///< detected but not planned: why, in one line
  std::vector<KeptPath> kept;  ///< every path both have, by path
};

/// The created_by of the last history entry of B's config when it starts with "pare slim"
/// (src/slim/plan.cpp writes it last); nullopt when B does not say pare slim made it.
std::optional<std::string> slim_created_by(const Config& b);

/// Slim options that plan A as B was planned: B's Entrypoint, Cmd, Env, User and WorkingDir
/// (what the flags of that slim may have changed), every other option at its default.
SlimOptions replan_options(const Config& b);

/// Gives each path both images have (`diff.common`) the reason the plan keeps it, or
/// kNotInDefaultPlan; and each added path the plan's reason when the plan has it (the files
/// pare wrote). Returns the kept paths, by path.
std::vector<KeptPath> attach_reasons(TreeDiff& diff, const std::vector<PlanEntry>& plan);

/// When B says pare slim made it: plans A (its tree read with capture_for_slim) with
/// replan_options(B) and attaches the reasons (attach_reasons). A plan that cannot be made
/// (A's program is missing or incomplete: B may not be a slim of A) is a note, never an
/// error. `a_name` names A in the planner's messages.
SlimReasons explain_slim(const ImageTree& a_tree, const Image& a, const Image& b, TreeDiff& diff,
                         const std::string& a_name);

}  // namespace pare
