#pragma once

#include <string>

namespace pare::cli {

/// What `pare --version` prints: pare's version, then the version of each library it runs
/// with, read from the library itself where it can tell (ISA-L cannot: its build's version).
std::string version_text();

}  // namespace pare::cli
