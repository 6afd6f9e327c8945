#pragma once

#include <cstdint>
#include <string>

namespace pare {

/// 1536 -> "1.5 kB" (decimal units, as docker and dive print sizes).
std::string human_size(std::uint64_t bytes);

/// "1 layer", "2 layers", "3 entries": a count and its noun, plural in English's regular way.
std::string plural(std::uint64_t n, const std::string& one);

}  // namespace pare
