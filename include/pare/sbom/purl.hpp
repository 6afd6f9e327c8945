#pragma once

#include <map>
#include <string>
#include <string_view>

#include "pare/digest/digest.hpp"
#include "pare/sbom/os_release.hpp"

namespace pare {

/// A package URL (package-url/purl-spec): the name scanners match an SBOM's packages by.
struct Purl {
  std::string type;     ///< "deb", "apk", "oci"
  std::string vendor;   ///< the namespace: deb's and apk's vendor ("debian"); none for oci
  std::string name;     ///< as the type wants it (lowercased for deb, apk and oci)
  std::string version;  ///< empty: none
  std::map<std::string, std::string> qualifiers;  ///< keys lowercase; empty values left out

  /// The canonical string: `pkg:TYPE/VENDOR/NAME@VERSION?k=v&...`, each part percent-encoded,
  /// qualifiers sorted by key.
  std::string str() const;
};

/// `s` percent-encoded as the purl specification's "Character encoding" clause says: letters,
/// digits, `.-_~` and `:` stay, every other byte is `%XX` (uppercase hex).
std::string purl_encode(std::string_view s);

/// The purl of an installed package of an image's database (PackageDatabase::format "dpkg",
/// "dpkg-status.d" or "apk"): `pkg:deb/<ID>/<name>@<version>?arch=<arch>&distro=<ID>-<VERSION_ID>`
/// (`pkg:apk/...` for apk), the vendor being os-release's ID, else debian (dpkg) or alpine
/// (apk); distro only when VERSION_ID is known. Empty type for another format.
Purl package_purl(std::string_view format, const OsRelease& os, const std::string& name,
                  const std::string& version, const std::string& architecture);

/// The purl of an image: `pkg:oci/<name>@sha256:<hex>?arch=<arch>&repository_url=<repo>&tag=<tag>`,
/// the name being the last component of the reference's repository, lowercased
/// ("docker.io/library/debian:12" is debian), repository_url only when the reference starts
/// with a registry host, tag when it has one.
Purl image_purl(std::string_view reference, const Digest& digest, const std::string& architecture);

}  // namespace pare
