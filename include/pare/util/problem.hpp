#pragma once

#include <string>

namespace pare {

/// One failed check: which rule, where, and what is wrong (one line).
struct Problem {
  std::string check;    ///< the rule's id: "blob-digest", "closure", "lambda-entrypoint", ...
  std::string where;    ///< what it is about: "index.json", "layer 1 sha256:0123456789ab", a path
  std::string message;  ///< one line, no newline

  bool operator==(const Problem&) const = default;
};

}  // namespace pare
