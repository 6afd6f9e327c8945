#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pare {

/// Orders symbol version names as people read them: runs of digits compare as numbers, so
/// "GLIBC_2.9" < "GLIBC_2.10" < "GLIBC_2.36"; the rest byte by byte.
bool version_less(std::string_view a, std::string_view b);

/// The highest of `defined` with the prefix of `wanted` (what comes before its first digit,
/// "GLIBC_" of "GLIBC_2.39"), by version_less; empty when none has it. What an error says a
/// library "defines up to".
std::string highest_version_like(const std::vector<std::string>& defined, std::string_view wanted);

}  // namespace pare
