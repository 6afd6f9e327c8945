#include "render_support.hpp"

#include <cmath>
#include <cstdio>

#include "pare/util/format.hpp"

namespace pare::diff_render {

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(byte));
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

std::string octal_mode(std::uint32_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777U));
  return buf;
}

std::string signed_size(std::uint64_t a, std::uint64_t b) {
  if (a == b) return "0 B";
  return b > a ? "+" + human_size(b - a) : "-" + human_size(a - b);
}

std::optional<double> percent_change(std::uint64_t a, std::uint64_t b) {
  if (a == 0) return std::nullopt;
  const double percent =
      (static_cast<double>(b) - static_cast<double>(a)) * 100.0 / static_cast<double>(a);
  return std::round(percent * 100.0) / 100.0;
}

std::string percent_text(double percent) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f%%", percent);
  return buf;
}

std::string state_detail(const PathState& s) {
  switch (s.type) {
    case EntryType::kFile:
    case EntryType::kHardlink:
      return human_size(s.size);
    case EntryType::kSymlink:
      return "-> " + printable(s.link_target);
    case EntryType::kCharDevice:
    case EntryType::kBlockDevice:
      return std::to_string(s.dev_major) + ":" + std::to_string(s.dev_minor);
    default:
      return "";
  }
}

std::string state_words(const PathState& s) {
  const std::string detail = state_detail(s);
  std::string words(to_string(s.type));
  if (s.type == EntryType::kSymlink) return words + " to " + printable(s.link_target);
  return detail.empty() ? words : words + " " + detail;
}

std::vector<Aspect> aspects(const PathChange& c) {
  std::vector<Aspect> out;
  const Differences& d = c.what;
  if (d.type) out.push_back({"type", state_words(c.a), state_words(c.b)});
  if (d.content) {
    const bool same_size = c.a.type == EntryType::kFile && c.a.size == c.b.size;
    out.push_back(
        {"content", state_detail(c.a), state_detail(c.b) + (same_size ? " (other bytes)" : "")});
  }
  if (d.mode) out.push_back({"mode", octal_mode(c.a.mode), octal_mode(c.b.mode)});
  if (d.owner) {
    out.push_back({"owner", std::to_string(c.a.uid) + ":" + std::to_string(c.a.gid),
                   std::to_string(c.b.uid) + ":" + std::to_string(c.b.gid)});
  }
  if (d.link_target)
    out.push_back({"link", printable(c.a.link_target), printable(c.b.link_target)});
  return out;
}

std::string counts_line(const TreeDiff& diff) {
  if (!diff.differ()) return "no differences: " + plural(diff.unchanged, "path") + " the same";
  return std::to_string(diff.added.size()) + " added, " + std::to_string(diff.removed.size()) +
         " removed, " + std::to_string(diff.changed.size()) + " changed, " +
         std::to_string(diff.unchanged) + " the same";
}

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xc0U) != 0x80U) ++width;
  }
  return width;
}

}  // namespace pare::diff_render
