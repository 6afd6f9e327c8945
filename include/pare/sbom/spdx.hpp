#pragma once

#include <string>
#include <string_view>

#include "pare/sbom/inventory.hpp"

namespace pare {

/// The namespace of every document pare writes: `.invalid` (RFC 6761) because SPDX wants an
/// absolute URI with a scheme, and pare publishes nothing there.
inline constexpr std::string_view kSpdxNamespaceBase = "https://pare.invalid/spdx/";

/// "SPDXRef-" + `kind` + "-" + `key` with every character outside [A-Za-z0-9.-] made '-', as
/// SPDX 2.3 §3.2 allows in an identifier ("SPDXRef-File-usr-bin-app" for "/usr/bin/app").
std::string spdx_id(std::string_view kind, std::string_view key);

/// The SPDX 2.3 JSON document of an inventory, ending in a newline: the same bytes for the same
/// inventory.
///  - packages: the image (primaryPackagePurpose CONTAINER, its digest as SHA256 checksum, a
///    pkg:oci purl), one per inventory package (a pkg:deb or pkg:apk purl), and, when no
///    package owns the program, one for it (primaryPackagePurpose APPLICATION; a package that
///    owns it gets that purpose instead);
///  - files: every regular file, with SHA1 (which SPDX 2.3 requires) and SHA256;
///  - relationships: the document DESCRIBES the image; the image CONTAINS every package and
///    every file no package owns; a package CONTAINS the files it owns; the program's package
///    DEPENDS_ON each package owning an object it needs (or on that object's file when none
///    does).
/// Identifiers come from names and paths (spdx_id); two that would be the same get the first 8
/// hex digits of the SHA-256 of what they name appended. documentNamespace is
/// kSpdxNamespaceBase + "sha256-<the image digest>/" + the first 16 hex digits of the SHA-256
/// of the document written with 16 zeros there: deterministic, and another document (another
/// created time, another pare) gets another namespace, as SPDX §6.5 requires.
std::string spdx_json(const Inventory& inventory);

}  // namespace pare
