#include "pare/registry/credentials.hpp"

#include <openssl/evp.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "pare/util/error.hpp"
#include "pare/util/file.hpp"

namespace pare {

namespace {

constexpr std::uint64_t kMaxAuthFileBytes = 16U << 20U;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

/// Standard base64 as Docker writes `auth`; nullopt when it does not decode.
std::optional<std::string> decode_base64(const std::string& text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding's zero bytes too.
  auto len = static_cast<std::size_t>(n);
  for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it) --len;
  out.resize(len);
  return out;
}

/// The keys an `auths` entry may have for `ref`, most specific first.
std::vector<std::string> keys_for(const Reference& ref) {
  std::vector<std::string> keys;
  std::string path = ref.registry + "/" + ref.repository;
  for (;;) {
    keys.push_back(path);
    const auto cut = path.rfind('/');
    if (cut == std::string::npos) break;
    path.resize(cut);
  }
  keys.push_back("https://" + ref.registry);
  keys.push_back("http://" + ref.registry);
  if (ref.registry == "docker.io") {
    keys.emplace_back("https://index.docker.io/v1/");
    keys.emplace_back("index.docker.io");
    keys.emplace_back("registry-1.docker.io");
  }
  return keys;
}

}  // namespace

Credentials parse_creds(const std::string& creds) {
  const auto colon = creds.find(':');
  Credentials c{creds.substr(0, colon), colon == std::string::npos ? "" : creds.substr(colon + 1)};
  if (c.user.empty()) throw Error::usage("--creds: expected USER[:PASSWORD]");
  return c;
}

std::vector<std::string> auth_files() {
  std::vector<std::string> files;
  if (auto f = env("REGISTRY_AUTH_FILE"); !f.empty()) files.push_back(f);
  if (auto d = env("XDG_RUNTIME_DIR"); !d.empty()) files.push_back(d + "/containers/auth.json");
  const std::string home = env("HOME");
  if (!home.empty()) files.push_back(home + "/.config/containers/auth.json");
  if (auto d = env("DOCKER_CONFIG"); !d.empty()) {
    files.push_back(d + "/config.json");
  } else if (!home.empty()) {
    files.push_back(home + "/.docker/config.json");
  }
  return files;
}

CredentialLookup find_credentials(const Reference& ref, const RegistryOptions& options) {
  CredentialLookup found;
  if (!options.creds.empty()) {
    found.credentials = parse_creds(options.creds);
    found.source = "--creds";
    return found;
  }
  const auto keys = keys_for(ref);
  for (const auto& file : auth_files()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) continue;
    FileSource in(file);
    const auto j =
        nlohmann::json::parse(to_string(read_all(in, kMaxAuthFileBytes)), nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      throw Error::system(file, "the registry auth file is not a JSON object");
    }
    const auto auths = j.find("auths");
    if (auths != j.end() && auths->is_object()) {
      for (const auto& key : keys) {
        const auto entry = auths->find(key);
        if (entry == auths->end() || !entry->is_object()) continue;
        const auto auth = entry->find("auth");
        if (auth == entry->end() || !auth->is_string() || auth->get<std::string>().empty()) {
          continue;  // an entry a credential helper fills: looked at below
        }
        const auto plain = decode_base64(auth->get<std::string>());
        if (!plain || plain->find(':') == std::string::npos) {
          throw Error::system(file, "auths \"" + key + "\": auth is not base64 USER:PASSWORD");
        }
        found.credentials = parse_creds(*plain);
        found.source = file;
        return found;
      }
    }
    const auto helpers = j.find("credHelpers");
    const bool helper =
        (helpers != j.end() && helpers->is_object() && helpers->contains(ref.registry)) ||
        j.contains("credsStore");
    if (helper && found.note.empty()) {
      found.note = file + " names a credential helper for " + ref.registry +
                   ", which pare does not run: give --creds, or log in with skopeo login or "
                   "podman login (they write auth.json)";
    }
  }
  return found;
}

}  // namespace pare
