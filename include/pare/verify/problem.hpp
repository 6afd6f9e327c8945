#pragma once

#include <string>

namespace pare {

/// One failed check: which rule, where, and what is wrong (one line).
struct Problem {
  std::string check;    ///< the rule's id, e.g. "blob-digest", "lambda-world-readable"
  std::string where;    ///< the file, blob or path it is about
  std::string message;  ///< what is wrong
};

}  // namespace pare
