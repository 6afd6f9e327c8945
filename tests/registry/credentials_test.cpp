#include "pare/registry/credentials.hpp"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

#include "pare/util/error.hpp"
#include "pare/util/file.hpp"

using namespace pare;

namespace {

/// Points REGISTRY_AUTH_FILE (and HOME, so no real file is read) at a file holding `text`
/// for the test's duration.
class AuthFile {
 public:
  explicit AuthFile(const std::string& text) : dir_("pare-auth-test") {
    if (const char* home = std::getenv("HOME")) home_ = home;
    path_ = (dir_.path() / "auth.json").string();
    std::ofstream(path_) << text;
    ::setenv("REGISTRY_AUTH_FILE", path_.c_str(), 1);
    ::setenv("HOME", dir_.path().c_str(), 1);
    ::unsetenv("XDG_RUNTIME_DIR");
    ::unsetenv("DOCKER_CONFIG");
  }
  ~AuthFile() {
    ::unsetenv("REGISTRY_AUTH_FILE");
    if (home_) ::setenv("HOME", home_->c_str(), 1);
  }
  AuthFile(const AuthFile&) = delete;
  AuthFile& operator=(const AuthFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  TempDir dir_;
  std::string path_;
  std::optional<std::string> home_;
};

CredentialLookup lookup(const std::string& name, const RegistryOptions& options = {}) {
  return find_credentials(Reference::parse(name), options);
}

}  // namespace

TEST_CASE("credentials come from --creds before any auth file") {
  const AuthFile file(R"({"auths":{"h.io":{"auth":"dTpw"}}})");  // u:p
  RegistryOptions options;
  options.creds = "me:pw:with:colons";
  const auto found = lookup("docker://h.io/app", options);
  REQUIRE(found.credentials);
  CHECK(found.credentials->user == "me");
  CHECK(found.credentials->password == "pw:with:colons");
  CHECK(found.source == "--creds");
}

TEST_CASE("an auths entry is found for the host, a parent of the repository, or Docker Hub's URL") {
  const AuthFile file(R"({"auths":{"h.io":{"auth":"dTpw"},"h.io/team":{"auth":"dGVhbTpzZWNyZXQ="},)"
                      R"("https://index.docker.io/v1/":{"auth":"aHViOmh1Yg=="}}})");
  auto found = lookup("docker://h.io/app");
  REQUIRE(found.credentials);
  CHECK(found.credentials->user == "u");
  CHECK(found.credentials->password == "p");
  CHECK(found.source == file.path());
  found = lookup("docker://h.io/team/app");
  REQUIRE(found.credentials);
  CHECK(found.credentials->user == "team");
  CHECK(found.credentials->password == "secret");
  found = lookup("docker://alpine");
  REQUIRE(found.credentials);
  CHECK(found.credentials->user == "hub");
  CHECK(!lookup("docker://other.io/app").credentials);
}

TEST_CASE("a credential helper is not run, and the note says so") {
  const AuthFile file(R"({"auths":{},"credHelpers":{"h.io":"ecr-login"}})");
  const auto found = lookup("docker://h.io/app");
  CHECK(!found.credentials);
  CHECK(found.note.find("credential helper") != std::string::npos);
}

TEST_CASE("an auth file that is not JSON, or an auth that does not decode, is an error naming it") {
  {
    const AuthFile file("{nope");
    CHECK_THROWS_WITH_AS(lookup("docker://h.io/app"), doctest::Contains("auth.json"), Error);
  }
  const AuthFile file(R"({"auths":{"h.io":{"auth":"!!!!"}}})");
  CHECK_THROWS_WITH_AS(lookup("docker://h.io/app"), doctest::Contains("not base64"), Error);
}
