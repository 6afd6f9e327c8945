#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pare/registry/options.hpp"
#include "pare/registry/reference.hpp"

namespace pare {

/// A user name and password for a registry's basic auth or its token server.
struct Credentials {
  std::string user;
  std::string password;
};

/// What find_credentials found, and where.
struct CredentialLookup {
  std::optional<Credentials> credentials;
  std::string source;  ///< "--creds", or the auth file the entry came from
  /// Why none was taken where one seemed meant: a credential helper pare does not run.
  std::string note;
};

/// The auth files looked in, in order, as containers/image and Docker do: $REGISTRY_AUTH_FILE,
/// $XDG_RUNTIME_DIR/containers/auth.json, $HOME/.config/containers/auth.json,
/// $DOCKER_CONFIG/config.json or $HOME/.docker/config.json. Those that do not exist are kept:
/// the caller skips them.
std::vector<std::string> auth_files();

/// The credentials for `ref`: --creds when given, else the first auth file whose `auths` has
/// an entry for the repository (most specific first: "host/repo", its parents, "host"; Docker
/// Hub also as "https://index.docker.io/v1/"), its `auth` base64 USER:PASSWORD. Credential
/// helpers (credsStore, credHelpers) are not run: the note says so. Throws Error (exit 4) for
/// an auth file that is not valid JSON or an entry that does not decode, naming the file.
CredentialLookup find_credentials(const Reference& ref, const RegistryOptions& options);

/// USER:PASSWORD as --creds gives it; throws a usage Error when there is no user.
Credentials parse_creds(const std::string& creds);

}  // namespace pare
