#include "pare/fs/users.hpp"

#include <algorithm>

namespace pare {

namespace {

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const auto end = text.find(sep, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

/// The records of a colon-separated file with at least `fields` fields.
template <typename Visit>
void for_each_record(std::string_view text, std::size_t fields, const Visit& visit) {
  for (const auto line : split(text, '\n')) {
    if (line.empty() || line.front() == '#') continue;
    const auto parts = split(line, ':');
    if (parts.size() >= fields) visit(line, parts);
  }
}

}  // namespace

std::optional<std::uint32_t> parse_id(std::string_view text) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > 0xffffffffU) return std::nullopt;
  return static_cast<std::uint32_t>(value);
}

std::vector<PasswdEntry> parse_passwd(std::string_view text) {
  std::vector<PasswdEntry> out;
  for_each_record(text, 7, [&](std::string_view line, const std::vector<std::string_view>& f) {
    out.push_back(
        {std::string(f[0]), parse_id(f[2]), parse_id(f[3]), std::string(f[5]), std::string(line)});
  });
  return out;
}

std::vector<GroupEntry> parse_group(std::string_view text) {
  std::vector<GroupEntry> out;
  for_each_record(text, 4, [&](std::string_view line, const std::vector<std::string_view>& f) {
    GroupEntry g{std::string(f[0]), parse_id(f[2]), {}, std::string(line)};
    for (const auto member : split(f[3], ',')) {
      if (!member.empty()) g.members.emplace_back(member);
    }
    out.push_back(std::move(g));
  });
  return out;
}

UserSpec split_user(std::string_view config_user) {
  const auto colon = config_user.find(':');
  if (colon == std::string_view::npos) return {std::string(config_user), {}};
  return {std::string(config_user.substr(0, colon)), std::string(config_user.substr(colon + 1))};
}

UserLookup look_up_user(std::string_view config_user, const std::optional<std::string>& passwd,
                        const std::optional<std::string>& group) {
  const UserSpec spec = split_user(config_user);
  UserLookup out;
  Identity& id = out.identity;
  const auto uid = spec.user.empty() ? std::optional<std::uint32_t>(0) : parse_id(spec.user);
  bool found = false;
  for (const auto& u : parse_passwd(passwd.value_or(""))) {
    const bool match = uid ? u.uid == uid : u.name == spec.user;
    if (!match || !u.uid || !u.gid) continue;
    id.uid = *u.uid;
    id.gid = *u.gid;
    id.home = u.home.empty() ? "/" : u.home;
    id.name = u.name;
    found = true;
    break;
  }
  if (!found && !uid) {
    out.error = passwd ? UserError::kUnknownUser : UserError::kNoPasswdFile;
    out.missing = spec.user;
    return out;
  }
  if (!found) id.uid = *uid;
  const auto groups = parse_group(group.value_or(""));
  if (!spec.group.empty()) {
    if (const auto gid = parse_id(spec.group)) {
      id.gid = *gid;
    } else {
      const auto it = std::find_if(groups.begin(), groups.end(), [&](const GroupEntry& g) {
        return g.name == spec.group && g.gid.has_value();
      });
      if (it == groups.end()) {
        out.error = group ? UserError::kUnknownGroup : UserError::kNoGroupFile;
        out.missing = spec.group;
        return out;
      }
      id.gid = *it->gid;
    }
  }
  if (!id.name.empty()) {
    for (const auto& g : groups) {
      if (!g.gid) continue;
      for (const auto& member : g.members) {
        if (member == id.name) id.groups.push_back(*g.gid);
      }
    }
  }
  return out;
}

}  // namespace pare
