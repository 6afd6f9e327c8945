#include "pare/registry/reference.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "pare/util/error.hpp"

namespace pare {

namespace {

constexpr std::string_view kScheme = "docker://";
constexpr std::string_view kDockerHub = "docker.io";

/// The distribution spec's grammar for a repository path component: [a-z0-9]+ joined by
/// '.', '_', '__' or runs of '-'.
bool valid_component(std::string_view c) {
  if (c.empty() || !std::isalnum(static_cast<unsigned char>(c.front())) ||
      !std::isalnum(static_cast<unsigned char>(c.back()))) {
    return false;
  }
  return std::all_of(c.begin(), c.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
           ch == '-';
  });
}

bool valid_tag(std::string_view t) {
  if (t.empty() || t.size() > 128 || t.front() == '.' || t.front() == '-') return false;
  return std::all_of(t.begin(), t.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '_' || ch == '.' || ch == '-';
  });
}

bool valid_digest(std::string_view d) {
  constexpr std::string_view kAlgo = "sha256:";
  if (d.substr(0, kAlgo.size()) != kAlgo || d.size() != kAlgo.size() + 64) return false;
  return std::all_of(d.begin() + kAlgo.size(), d.end(),
                     [](char ch) { return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'); });
}

/// Docker's rule: the first name is a host when it has a '.' or a ':', or is localhost.
bool looks_like_host(std::string_view first) {
  return first.find_first_of(".:") != std::string_view::npos || first == "localhost";
}

}  // namespace

bool Reference::is_reference(const std::string& name) {
  return std::string_view(name).substr(0, kScheme.size()) == kScheme;
}

Reference Reference::parse(const std::string& name) {
  const auto bad = [&](const std::string& why) {
    return Error::usage(name + ": " + why,
                        "expected docker://[HOST[:PORT]/]REPOSITORY[:TAG][@sha256:DIGEST]");
  };
  if (!is_reference(name)) throw bad("not a docker:// reference");
  std::string rest = name.substr(kScheme.size());
  Reference r;
  if (const auto at = rest.find('@'); at != std::string::npos) {
    r.digest = rest.substr(at + 1);
    rest.resize(at);
    if (!valid_digest(r.digest)) throw bad("the digest is not sha256: and 64 hex digits");
  }
  const auto slash = rest.find('/');
  if (slash != std::string::npos && looks_like_host(std::string_view(rest).substr(0, slash))) {
    r.registry = rest.substr(0, slash);
    rest = rest.substr(slash + 1);
  } else {
    r.registry = std::string(kDockerHub);
  }
  // A ':' after the last '/' is the tag's; one before it was the port's, taken above.
  if (const auto colon = rest.rfind(':');
      colon != std::string::npos && rest.find('/', colon) == std::string::npos) {
    r.tag = rest.substr(colon + 1);
    rest.resize(colon);
    if (!valid_tag(r.tag)) throw bad("the tag \"" + r.tag + "\" is not a valid tag");
  }
  if (r.tag.empty() && r.digest.empty()) r.tag = "latest";
  if (r.registry == kDockerHub && rest.find('/') == std::string::npos) rest = "library/" + rest;
  r.repository = rest;
  std::string_view path = r.repository;
  for (;;) {
    const auto cut = path.find('/');
    if (!valid_component(path.substr(0, cut))) {
      throw bad("the repository \"" + r.repository +
                "\" is not lower-case names joined by '/' (each of a-z, 0-9, '.', '_', '-')");
    }
    if (cut == std::string_view::npos) break;
    path.remove_prefix(cut + 1);
  }
  if (r.registry.empty() || r.registry.find_first_of("/@ ") != std::string::npos) {
    throw bad("the registry host is empty or malformed");
  }
  return r;
}

std::string Reference::api_host() const {
  return registry == kDockerHub ? "registry-1.docker.io" : registry;
}

std::string Reference::name() const {
  return registry + "/" + repository + (tag.empty() ? "" : ":" + tag);
}

std::string Reference::str() const {
  return std::string(kScheme) + name() + (digest.empty() ? "" : "@" + digest);
}

}  // namespace pare
