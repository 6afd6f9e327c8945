#include "pare/sbom/purl.hpp"

#include <cctype>

namespace pare {

namespace {

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// True when the first component of an image name is a registry, as Docker tells one from a
/// Docker Hub namespace: it has a '.' or a ':' or is localhost.
bool is_registry_host(std::string_view component) {
  return component.find_first_of(".:") != std::string_view::npos || component == "localhost";
}

}  // namespace

std::string purl_encode(std::string_view s) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0 || c == '.' || c == '-' || c == '_' || c == '~' || c == ':') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4U]);
      out.push_back(kHex[c & 0xfU]);
    }
  }
  return out;
}

std::string Purl::str() const {
  std::string out = "pkg:" + type + "/";
  if (!vendor.empty()) out += purl_encode(vendor) + "/";
  out += purl_encode(name);
  if (!version.empty()) out += "@" + purl_encode(version);
  char separator = '?';
  for (const auto& [key, value] : qualifiers) {  // a std::map: sorted by key
    if (value.empty()) continue;
    out += separator + key + "=" + purl_encode(value);
    separator = '&';
  }
  return out;
}

Purl package_purl(std::string_view format, const OsRelease& os, const std::string& name,
                  const std::string& version, const std::string& architecture) {
  Purl p;
  if (format == "dpkg" || format == "dpkg-status.d") {
    p.type = "deb";
    p.vendor = os.id.empty() ? "debian" : os.id;
  } else if (format == "apk") {
    p.type = "apk";
    p.vendor = os.id.empty() ? "alpine" : os.id;
  } else {
    return p;
  }
  p.name = lowercase(name);
  p.version = version;
  p.qualifiers["arch"] = architecture;
  if (!os.version_id.empty()) p.qualifiers["distro"] = p.vendor + "-" + os.version_id;
  return p;
}

Purl image_purl(std::string_view reference, const Digest& digest, const std::string& architecture) {
  std::string_view repository = reference;
  if (const std::size_t at = repository.find('@'); at != std::string_view::npos) {
    repository = repository.substr(0, at);
  }
  std::string tag;
  const std::size_t slash = repository.rfind('/');
  const std::size_t colon = repository.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    tag = repository.substr(colon + 1);
    repository = repository.substr(0, colon);
  }
  Purl p;
  p.type = "oci";
  const std::string_view last =
      slash == std::string_view::npos ? repository : repository.substr(slash + 1);
  p.name = lowercase(last);
  p.version = digest.str();
  p.qualifiers["arch"] = architecture;
  p.qualifiers["tag"] = tag;
  if (slash != std::string_view::npos &&
      is_registry_host(repository.substr(0, repository.find('/')))) {
    p.qualifiers["repository_url"] = std::string(repository);
  }
  return p;
}

}  // namespace pare
