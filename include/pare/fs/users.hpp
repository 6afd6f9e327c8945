#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pare {

/// One record of /etc/passwd: name:password:uid:gid:gecos:home:shell.
struct PasswdEntry {
  std::string name;
  std::optional<std::uint32_t> uid;  ///< nullopt when the field is not a number
  std::optional<std::uint32_t> gid;
  std::string home;
  std::string line;  ///< the record as written
};

/// One record of /etc/group: name:password:gid:member,member.
struct GroupEntry {
  std::string name;
  std::optional<std::uint32_t> gid;
  std::vector<std::string> members;
  std::string line;
};

/// The records of /etc/passwd and /etc/group. Comments, blank lines and lines with too few
/// fields are skipped, as libc's files backend skips them.
std::vector<PasswdEntry> parse_passwd(std::string_view text);
std::vector<GroupEntry> parse_group(std::string_view text);

/// A uid or gid as a config or a record writes it: decimal, at most 2^32-1; nullopt else.
std::optional<std::uint32_t> parse_id(std::string_view text);

/// A config's User ("name", "uid", "name:group", "uid:gid", any mix) split at the colon.
struct UserSpec {
  std::string user;   ///< empty: root
  std::string group;  ///< empty: the user's primary group
};
UserSpec split_user(std::string_view config_user);

/// What the process of a config's User runs as.
struct Identity {
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::vector<std::uint32_t> groups;  ///< supplementary: the groups that list the user's name
  std::string home = "/";
  std::string name;  ///< the passwd record's name, when one was found
};

/// Why a User could not be resolved.
enum class UserError { kNone, kNoPasswdFile, kUnknownUser, kNoGroupFile, kUnknownGroup };

struct UserLookup {
  Identity identity;
  UserError error = UserError::kNone;
  std::string missing;  ///< the user or group name that was not found
};

/// Resolves a config's User as runc does, against the image's /etc/passwd and /etc/group
/// (nullopt: the file is absent): a name must be in passwd (a group name in group); a number
/// need not be, and then has gid 0 and home "/" unless a record has that uid. A user found by
/// name gets the supplementary groups that list it.
UserLookup look_up_user(std::string_view config_user, const std::optional<std::string>& passwd,
                        const std::optional<std::string>& group);

}  // namespace pare
