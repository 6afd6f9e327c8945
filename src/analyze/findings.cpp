#include "pare/analyze/findings.hpp"

#include <set>

namespace pare {

namespace {

constexpr const char* kBinFolders[] = {"/bin",      "/sbin",          "/usr/bin",
                                       "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"};
constexpr const char* kShells[] = {"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox"};
constexpr const char* kPackageManagers[] = {"apt", "apt-get",  "dpkg", "apk",    "yum",
                                            "dnf", "microdnf", "rpm",  "zypper", "pacman"};

/// Each name found in a bin folder, once per real file (/bin -> usr/bin is one folder).
std::vector<std::string> programs(const Rootfs& rootfs, std::span<const char* const> names) {
  std::vector<std::string> found;
  std::set<std::string> real;
  for (const char* dir : kBinFolders) {
    for (const char* name : names) {
      const std::string path = std::string(dir) + "/" + name;
      const Resolution r = rootfs.resolve(path);
      if (r.node == nullptr || r.node->type == EntryType::kDir) continue;
      if (real.insert(r.path + "|" + name).second) found.push_back(path);
    }
  }
  return found;
}

}  // namespace

Findings find_findings(const Rootfs& rootfs) {
  Findings f;
  f.shells = programs(rootfs, kShells);
  f.package_managers = programs(rootfs, kPackageManagers);
  rootfs.walk([&](const std::string& path, const Node& node) {
    if ((node.type == EntryType::kFile || node.type == EntryType::kHardlink) &&
        (node.mode & 06000U) != 0) {
      f.setuid_files.push_back(path);
    }
  });
  return f;
}

}  // namespace pare
