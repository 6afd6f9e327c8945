#include "report_text.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace pare {

namespace {

bool continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U;
}

}  // namespace

std::string shorten_middle(std::string_view text, std::size_t max) {
  static constexpr std::string_view kEllipsis = "\u2026";
  if (text.size() <= max) return std::string(text);
  const std::size_t room = max - kEllipsis.size();
  std::size_t head = room / 3;
  while (head > 0 && continuation(text[head])) --head;
  std::size_t tail = text.size() - (room - head);
  while (tail < text.size() && continuation(text[tail])) ++tail;
  return std::string(text.substr(0, head)).append(kEllipsis).append(text.substr(tail));
}

std::string command_line(std::string text) {
  std::replace_if(
      text.begin(), text.end(), [](char c) { return c == '\n' || c == '\t'; }, ' ');
  static constexpr std::string_view kNop = "/bin/sh -c #(nop) ";
  if (text.starts_with(kNop)) text.erase(0, kNop.size());
  return text;
}

std::string with_commas(std::uint64_t n) {
  // Appended, not inserted: GCC 12's -O3 sees a bogus overlap in string::insert (-Wrestrict).
  const std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string percent(double ratio) {
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%.2f%%", ratio * 100.0);
  return buf.data();
}

}  // namespace pare
