#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pare/fs/rootfs.hpp"

namespace pare {

/// Bytes of one kind in the image: package manager caches, docs, headers, ...
struct Finding {
  std::string category;  ///< "package-cache", "docs", "man", "info", "locales", "headers",
                         ///< "static-libs", "toolchain"
  std::string what;      ///< in words: "apt package lists", "Go build cache", ...
  std::uint64_t bytes = 0;
  std::uint64_t files = 0;
  std::vector<std::string> paths;  ///< the folders or files matched (at most 20)
};

/// A path and its size: the largest files and folders.
struct SizedPath {
  std::string path;
  std::uint64_t bytes = 0;
};

/// The same bytes in several places.
struct Duplicate {
  std::string sha256;
  std::uint64_t size = 0;  ///< of one copy
  std::vector<std::string> paths;
};

/// What an image holds that a runtime image need not, and where its bytes are.
struct Findings {
  std::vector<std::string> shells;  ///< sh, bash, dash, ash, zsh, ksh, busybox in a bin folder
  std::vector<std::string>
      package_managers;  ///< apt, apt-get, dpkg, apk, yum, dnf, microdnf, rpm, zypper, pacman
  std::vector<std::string> setuid_files;    ///< regular files with the setuid or setgid bit
  std::vector<std::string> world_writable;  ///< folders anyone may write to, without the sticky bit
  std::vector<Finding> categories;          ///< only those present
  std::vector<SizedPath> largest_files;
  std::vector<SizedPath> largest_folders;  ///< by the bytes of the files below them
  std::vector<Duplicate> duplicates;  ///< needs a tree built with find_duplicates; largest first
};

/// Looks through the merged tree. `top` is how many largest files and folders to list.
Findings find_findings(const Rootfs& rootfs, std::size_t top = 10);

}  // namespace pare
