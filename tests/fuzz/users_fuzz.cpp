// /etc/passwd and /etc/group (parse_passwd, parse_group) and the lookup of a config's User in
// them (look_up_user). The input is passwd, NUL, group, NUL, the User.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "fuzz_support.hpp"
#include "pare/fs/users.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parts = pare::fuzz::split_at_nul(pare::fuzz::text_of(data, size));
  const std::string passwd(parts[0]);
  const std::optional<std::string> group =
      parts.size() > 1 ? std::optional<std::string>(parts[1]) : std::nullopt;
  const std::string user = parts.size() > 2 ? std::string(parts[2]) : "nobody";
  (void)pare::parse_passwd(passwd);
  if (group) (void)pare::parse_group(*group);
  (void)pare::parse_id(user);
  (void)pare::split_user(user);
  (void)pare::look_up_user(user, passwd, group);
  return 0;
}
