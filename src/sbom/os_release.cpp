#include "pare/sbom/os_release.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace pare {

namespace {

constexpr std::array<std::string_view, 2> kOsReleasePaths = {"etc/os-release",
                                                             "usr/lib/os-release"};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

/// A value as the shell would read it: quotes removed, and inside double quotes the escapes
/// os-release(5) allows ($, ", \, `).
std::string unquote(std::string_view v) {
  if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') {
    return std::string(v.substr(1, v.size() - 2));
  }
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return std::string(v);
  v = v.substr(1, v.size() - 2);
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) ++i;
    out.push_back(v[i]);
  }
  return out;
}

std::string lowercase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

OsRelease parse_os_release(std::string_view text) {
  OsRelease os;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string_view line = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.empty() || line.front() == '#') continue;
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = trim(line.substr(0, eq));
    const std::string value = unquote(trim(line.substr(eq + 1)));
    if (key == "ID") os.id = lowercase(value);
    if (key == "VERSION_ID") os.version_id = value;
  }
  return os;
}

OsRelease read_os_release(const ImageTree& tree) {
  for (const auto path : kOsReleasePaths) {
    const Resolution r = tree.rootfs.resolve(path);
    if (r.node == nullptr) continue;
    if (r.node->type != EntryType::kFile && r.node->type != EntryType::kHardlink) continue;
    const auto bytes = tree.read(*r.node);
    if (!bytes) continue;
    return parse_os_release(
        std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
  }
  return {};
}

bool is_os_release(std::string_view path) {
  return std::ranges::find(kOsReleasePaths, path) != kOsReleasePaths.end();
}

}  // namespace pare
