#pragma once

#include <string>
#include <vector>

#include "pare/fs/rootfs.hpp"

namespace pare {

/// What an image holds that a hardened runtime image should not (a first set; more in later
/// versions): paths as found in the image.
struct Findings {
  std::vector<std::string> shells;  ///< sh, bash, dash, ash, zsh, ksh, busybox in a bin folder
  std::vector<std::string>
      package_managers;  ///< apt, apt-get, dpkg, apk, yum, dnf, microdnf, rpm, zypper, pacman
  std::vector<std::string> setuid_files;  ///< regular files with the setuid or setgid bit
};

Findings find_findings(const Rootfs& rootfs);

}  // namespace pare
