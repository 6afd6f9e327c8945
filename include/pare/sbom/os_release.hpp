#pragma once

#include <string>
#include <string_view>

#include "pare/fs/image_tree.hpp"

namespace pare {

/// What an SBOM needs of an image's os-release(5): which distribution its packages are from.
struct OsRelease {
  std::string id;          ///< ID, lowercased ("debian", "ubuntu", "alpine"); empty when unset
  std::string version_id;  ///< VERSION_ID ("12", "22.04", "3.19.1"); empty when unset
};

/// Parses os-release text: `KEY=VALUE` lines, the value bare or in single or double quotes
/// (backslash escapes inside double quotes), `#` comments and blank lines skipped. Unknown keys
/// and malformed lines are ignored, as systemd's parser ignores them.
OsRelease parse_os_release(std::string_view text);

/// The image's /etc/os-release, else /usr/lib/os-release (os-release(5)'s order), symlinks
/// followed inside the image; an empty OsRelease when it has neither (a scratch image). Throws
/// what ImageTree::read throws.
OsRelease read_os_release(const ImageTree& tree);

/// True for the paths read_os_release reads, so a tree can capture them while it streams.
/// `path` is normalized without a leading '/'.
bool is_os_release(std::string_view path);

}  // namespace pare
