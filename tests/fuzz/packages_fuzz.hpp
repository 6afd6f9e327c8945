#pragma once

// What the dpkg and apk targets share: an image tree of the input's database files, an empty
// file at every path the databases list (so ownership is decided, not skipped), and the two
// readers of package databases run on it with every path kept.

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "pare/slim/packages.hpp"

namespace pare::fuzz {

/// The paths a database file lists: dpkg's "/path" lines (.list, .md5sums after the sum) and
/// apk's "F:folder" + "R:name" records.
inline std::vector<std::string> listed_paths(const std::vector<InputFile>& files) {
  std::vector<std::string> paths;
  for (const auto& f : files) {
    std::string folder;
    std::string_view rest = f.content;
    while (!rest.empty() && paths.size() < 256) {
      const auto newline = rest.find('\n');
      const std::string_view line = rest.substr(0, newline);
      rest = newline == std::string_view::npos ? std::string_view{} : rest.substr(newline + 1);
      if (line.starts_with("F:")) {
        folder = std::string(line.substr(2));
      } else if (line.starts_with("R:")) {
        paths.push_back(folder + "/" + std::string(line.substr(2)));
      } else if (const auto slash = line.find('/'); slash != std::string_view::npos) {
        paths.emplace_back(line.substr(slash));
      }
    }
  }
  return paths;
}

inline void read_packages(std::string_view text, const std::string& database) {
  const auto files = input_files(text, database);
  const ImageTree tree = tree_of(files, listed_paths(files));
  std::set<std::string> kept;
  tree.rootfs.walk([&](const std::string& path, const Node&) { kept.insert(path); });
  (void)package_metadata(tree, kept);
  const PackageDatabase db = read_package_database(tree);
  for (const auto& p : db.packages) {
    (void)db.find(p.name);
    for (const auto& f : p.files) (void)db.owner(f);
  }
}

}  // namespace pare::fuzz
