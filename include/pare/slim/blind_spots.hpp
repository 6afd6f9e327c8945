#pragma once

#include <set>
#include <string>
#include <vector>

#include "pare/deps/closure.hpp"
#include "pare/fs/image_tree.hpp"
#include "pare/image/model.hpp"
#include "pare/slim/packages.hpp"

namespace pare {

/// What a plan made without a trace rests on, to say where static analysis is blind.
struct BlindSpotInputs {
  const ImageTree& tree;
  const Closure& closure;             ///< the program's
  const std::set<std::string>& kept;  ///< absolute paths of the plan
  const PackageDatabase& packages;    ///< read_package_database(tree)
  /// Warnings of the runtime rules (a runtime found only partly), each a blind spot.
  std::vector<std::string> runtime_warnings;
  /// An interpreter whose runtime was kept whole: its dlopen of extension modules is covered.
  bool runtime_whole = false;
};

/// The reasons to believe the program reads what static analysis cannot see, one sentence
/// each, ending in a hint to trace it: the program or a library of its own imports dlopen; the
/// package that owns the program has config files the plan drops; an interpreter's runtime was
/// found only partly; the entrypoint is a shell script (the programs it runs are not seen).
std::vector<std::string> blind_spots(const BlindSpotInputs& in);

}  // namespace pare
