#include "pare/util/format.hpp"

#include <cstdio>
#include <iterator>

namespace pare {

std::string human_size(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB"};
  auto value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1000.0 && unit + 1 < std::size(kUnits)) {
    value /= 1000.0;
    ++unit;
  }
  char buf[32];
  if (unit == 0) {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(buf, sizeof buf, value < 10 ? "%.1f %s" : "%.0f %s", value, kUnits[unit]);
  }
  return buf;
}

std::string plural(std::uint64_t n, const std::string& one) {
  if (n == 1) return "1 " + one;
  if (one.ends_with('y')) return std::to_string(n) + " " + one.substr(0, one.size() - 1) + "ies";
  return std::to_string(n) + " " + one + "s";
}

}  // namespace pare
