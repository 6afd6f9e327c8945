#include "pare/rules/user.hpp"

#include <algorithm>
#include <sstream>

namespace pare {

namespace {

bool numeric(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// True when a line of the passwd or group text starts with "name:".
bool has_name(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(name + ":")) return true;
  }
  return false;
}

}  // namespace

std::string user_problem(const std::string& user, const std::optional<std::string>& passwd,
                         const std::optional<std::string>& group) {
  if (user.empty()) return {};
  const auto colon = user.find(':');
  const std::string name = user.substr(0, colon);
  const std::string group_name = colon == std::string::npos ? "" : user.substr(colon + 1);
  if (!name.empty() && !numeric(name)) {
    if (!passwd) return "names the user " + name + ", but the image has no /etc/passwd";
    if (!has_name(*passwd, name)) return "names the user " + name + ", whom /etc/passwd lacks";
  }
  if (!group_name.empty() && !numeric(group_name)) {
    if (!group) return "names the group " + group_name + ", but the image has no /etc/group";
    if (!has_name(*group, group_name)) {
      return "names the group " + group_name + ", which /etc/group lacks";
    }
  }
  return {};
}

}  // namespace pare
