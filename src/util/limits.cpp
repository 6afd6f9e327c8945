#include "pare/util/limits.hpp"

namespace pare {

bool json_nests_deeper(std::span<const std::byte> text, std::uint64_t max_depth) {
  std::uint64_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const std::byte b : text) {
    const auto c = static_cast<char>(b);
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

}  // namespace pare
