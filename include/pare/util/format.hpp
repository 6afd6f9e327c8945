#pragma once

#include <cstdint>
#include <string>

namespace pare {

/// 1536 -> "1.5 kB" (decimal units, as docker and dive print sizes).
std::string human_size(std::uint64_t bytes);

}  // namespace pare
