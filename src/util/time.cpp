#include "pare/util/time.hpp"

#include <array>
#include <cstddef>
#include <optional>

namespace pare {

namespace {

/// Reads `count` digits at `pos` as a number; nullopt when they are not all digits.
std::optional<int> digits(std::string_view s, std::size_t pos, std::size_t count) {
  if (pos + count > s.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

int days_in_month(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays.at(static_cast<std::size_t>(month - 1));
}

}  // namespace

bool is_rfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM), the separators and 'T'/'Z' exactly as Go's
  // time.RFC3339 layout wants them.
  if (s.size() < 20) return false;
  const auto year = digits(s, 0, 4);
  const auto month = digits(s, 5, 2);
  const auto day = digits(s, 8, 2);
  const auto hour = digits(s, 11, 2);
  const auto minute = digits(s, 14, 2);
  const auto second = digits(s, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return false;
  if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') return false;
  if (*month < 1 || *month > 12 || *day < 1 || *day > days_in_month(*year, *month)) return false;
  if (*hour > 23 || *minute > 59 || *second > 59) return false;
  std::size_t pos = 19;
  if (s[pos] == '.') {
    const std::size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start) return false;
  }
  if (pos < s.size() && s[pos] == 'Z') return pos + 1 == s.size();
  if (pos >= s.size() || (s[pos] != '+' && s[pos] != '-')) return false;
  const auto zh = digits(s, pos + 1, 2);
  const auto zm = digits(s, pos + 4, 2);
  return pos + 6 == s.size() && s[pos + 3] == ':' && zh && zm && *zh <= 23 && *zm <= 59;
}

}  // namespace pare
