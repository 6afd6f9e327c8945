#include "pare/util/path.hpp"

namespace pare {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    const std::string_view part = path.substr(start, slash - start);
    if (!part.empty() && part != ".") parts.push_back(part);
    start = slash + 1;
  }
  return parts;
}

namespace {

std::optional<std::string> normalize(std::string_view path, bool clamp) {
  std::vector<std::string_view> out;
  for (std::string_view part : split_path(path)) {
    if (part == "..") {
      if (out.empty()) {
        if (!clamp) return std::nullopt;
        continue;
      }
      out.pop_back();
    } else {
      out.push_back(part);
    }
  }
  std::string result;
  for (std::string_view part : out) {
    if (!result.empty()) result += '/';
    result += part;
  }
  return result;
}

}  // namespace

std::optional<std::string> normalize_path(std::string_view path) {
  return normalize(path, false);
}

std::string clamp_path(std::string_view path) {
  return *normalize(path, true);
}

std::string parent_path(std::string_view normalized) {
  const std::size_t slash = normalized.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(normalized.substr(0, slash));
}

std::string base_name(std::string_view normalized) {
  const std::size_t slash = normalized.rfind('/');
  return std::string(slash == std::string_view::npos ? normalized : normalized.substr(slash + 1));
}

std::string join_path(std::string_view dir, std::string_view rest) {
  if (dir.empty()) return std::string(rest);
  if (rest.empty()) return std::string(dir);
  return std::string(dir) + "/" + std::string(rest);
}

}  // namespace pare
