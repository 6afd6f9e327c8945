#include "pare/rules/user.hpp"

#include "pare/fs/users.hpp"

namespace pare {

std::string user_problem(const std::string& user, const std::optional<std::string>& passwd,
                         const std::optional<std::string>& group) {
  const UserLookup lookup = look_up_user(user, passwd, group);
  switch (lookup.error) {
    case UserError::kNone:
      return {};
    case UserError::kNoPasswdFile:
      return "names the user " + lookup.missing + ", but the image has no /etc/passwd";
    case UserError::kUnknownUser:
      return "names the user " + lookup.missing + ", whom /etc/passwd lacks";
    case UserError::kNoGroupFile:
      return "names the group " + lookup.missing + ", but the image has no /etc/group";
    case UserError::kUnknownGroup:
      return "names the group " + lookup.missing + ", which /etc/group lacks";
  }
  return {};
}

}  // namespace pare
