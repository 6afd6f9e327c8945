#pragma once

#include <optional>
#include <string>

namespace pare {

/// What is wrong with a config's User ("name", "uid", "name:group", ...) given the image's
/// /etc/passwd and /etc/group (nullopt: the file is absent): a name neither file holds is what
/// makes a runtime refuse to start ("unable to find user"). Numbers need no file. Empty when
/// the User is fine.
std::string user_problem(const std::string& user, const std::optional<std::string>& passwd,
                         const std::optional<std::string>& group);

}  // namespace pare
