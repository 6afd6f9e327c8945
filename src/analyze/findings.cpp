#include "pare/analyze/findings.hpp"

#include "pare/util/path.hpp"

#include <fnmatch.h>
#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <set>

namespace pare {

namespace {

constexpr const char* kBinFolders[] = {"/bin",      "/sbin",          "/usr/bin",
                                       "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"};
constexpr const char* kShells[] = {"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox"};
constexpr const char* kPackageManagers[] = {"apt", "apt-get",  "dpkg", "apk",    "yum",
                                            "dnf", "microdnf", "rpm",  "zypper", "pacman"};
constexpr const char* kToolchain[] = {"gcc", "g++",  "cc",    "c++", "clang", "clang++", "ld",
                                      "as",  "make", "cmake", "go",  "rustc", "cargo",   "javac"};

/// A kind of bytes, by the folders (globs, matched against absolute paths) that hold them.
struct Rule {
  const char* category;
  const char* what;
  std::vector<const char*> globs;
};

const std::vector<Rule>& rules() {
  static const std::vector<Rule> kRules = {
      {"package-cache", "apt package lists", {"/var/lib/apt/lists"}},
      {"package-cache", "apt downloaded packages", {"/var/cache/apt"}},
      {"package-cache", "apk cache", {"/var/cache/apk", "/etc/apk/cache"}},
      {"package-cache", "yum and dnf caches", {"/var/cache/yum", "/var/cache/dnf"}},
      {"package-cache", "pip cache", {"/root/.cache/pip", "/home/*/.cache/pip"}},
      {"package-cache", "npm cache", {"/root/.npm", "/home/*/.npm"}},
      {"package-cache",
       "yarn cache",
       {"/usr/local/share/.cache/yarn", "/root/.cache/yarn", "/home/*/.cache/yarn"}},
      {"package-cache",
       "Go build and module caches",
       {"/root/.cache/go-build", "/home/*/.cache/go-build", "/go/pkg/mod", "/root/go/pkg/mod"}},
      {"docs", "documentation", {"/usr/share/doc", "/usr/local/share/doc"}},
      {"man", "manual pages", {"/usr/share/man", "/usr/local/share/man"}},
      {"info", "info pages", {"/usr/share/info"}},
      {"locales", "locales", {"/usr/share/locale", "/usr/lib/locale", "/usr/share/i18n"}},
      {"headers", "C and C++ headers", {"/usr/include", "/usr/local/include"}},
      {"toolchain", "compiler internals", {"/usr/lib/gcc", "/usr/libexec/gcc", "/usr/local/go"}},
  };
  return kRules;
}

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

/// The paths a glob names, component by component: a literal component is looked up, a
/// wildcard one matched against the folder's children. No walk of the whole tree, and
/// symlinks are not followed (only what the image holds at those paths counts).
std::vector<std::pair<std::string, const Node*>> expand_glob(const Rootfs& rootfs,
                                                             std::string_view glob) {
  std::vector<std::pair<std::string, const Node*>> level{{"", &rootfs.root()}};
  for (const auto part : split_path(glob)) {
    const std::string pattern(part);
    std::vector<std::pair<std::string, const Node*>> next;
    for (const auto& [path, node] : level) {
      if (pattern.find_first_of("*?[") == std::string::npos) {
        if (auto it = node->children.find(pattern); it != node->children.end()) {
          next.emplace_back(path + "/" + pattern, it->second.get());
        }
        continue;
      }
      for (const auto& [name, child] : node->children) {
        if (::fnmatch(pattern.c_str(), name.c_str(), 0) == 0) {
          next.emplace_back(path + "/" + name, child.get());
        }
      }
    }
    level = std::move(next);
  }
  return level;
}

std::uint64_t file_bytes(const Node& node) {
  return node.type == EntryType::kFile ? node.size : 0;
}

/// The `top` largest paths offered, largest first, then by path. Only those that may still be
/// among them are copied: what it keeps does not grow with how many are offered.
class Largest {
 public:
  explicit Largest(std::size_t top) : top_(top) {}

  void offer(const std::string& path, std::uint64_t bytes) {
    if (top_ == 0) return;
    if (kept_.size() == top_ && !ranks_before(bytes, path, kept_.front())) return;
    kept_.push_back({path, bytes});
    std::push_heap(kept_.begin(), kept_.end(), by_rank);
    if (kept_.size() > top_) {
      std::pop_heap(kept_.begin(), kept_.end(), by_rank);
      kept_.pop_back();
    }
  }

  std::vector<SizedPath> take() && {
    std::sort(kept_.begin(), kept_.end(), by_rank);
    return std::move(kept_);
  }

 private:
  static bool ranks_before(std::uint64_t bytes, const std::string& path, const SizedPath& b) {
    return bytes != b.bytes ? bytes > b.bytes : path < b.path;
  }
  static bool by_rank(const SizedPath& a, const SizedPath& b) {
    return ranks_before(a.bytes, a.path, b);
  }

  std::size_t top_;
  std::vector<SizedPath> kept_;  ///< a heap whose front ranks last
};

/// Offers every folder below the root that has file bytes below it, with their sum. Post-order
/// over one path buffer, without recursion: a path 32,000 folders deep costs its own length,
/// not the sum of its prefixes'.
void offer_folders(const Node& root, Largest& largest) {
  struct Level {
    const Node* dir;
    std::map<std::string, std::unique_ptr<Node>, std::less<>>::const_iterator next;
    std::size_t mark;  ///< the folder's path is path[0, mark)
    std::uint64_t bytes;
  };
  std::string path;
  std::vector<Level> stack{{&root, root.children.begin(), 0, 0}};
  while (!stack.empty()) {
    Level& level = stack.back();
    path.resize(level.mark);
    if (level.next == level.dir->children.end()) {
      const std::uint64_t bytes = level.bytes;
      if (stack.size() > 1 && bytes > 0) largest.offer(path, bytes);
      stack.pop_back();
      if (!stack.empty()) stack.back().bytes += bytes;
      continue;
    }
    const auto& [name, child] = *level.next++;
    if (child->children.empty()) {
      level.bytes += file_bytes(*child);
      continue;
    }
    path.append("/").append(name);
    stack.push_back({child.get(), child->children.begin(), path.size(), 0});
  }
}

}  // namespace

Findings find_findings(const Rootfs& rootfs, std::size_t top) {
  Findings f;
  f.shells = programs(rootfs, kShells);
  f.package_managers = programs(rootfs, kPackageManagers);

  // One walk: setuid, world-writable, per-folder totals, static libraries, duplicates.
  Largest files(top);
  std::map<std::string, std::vector<std::string>> by_hash;
  std::map<std::string, std::uint64_t> hash_size;
  Finding static_libs{"static-libs", "static libraries", 0, 0, {}};
  rootfs.walk([&](const std::string& path, const Node& node) {
    if (node.type == EntryType::kDir) {
      if ((node.mode & 0002U) != 0 && (node.mode & 01000U) == 0) f.world_writable.push_back(path);
      return;
    }
    if ((node.type == EntryType::kFile || node.type == EntryType::kHardlink) &&
        (node.mode & 06000U) != 0) {
      f.setuid_files.push_back(path);
    }
    const std::uint64_t bytes = file_bytes(node);
    if (bytes == 0) return;
    files.offer(path, bytes);
    if (path.ends_with(".a") && path.find("/lib") != std::string::npos) {
      static_libs.bytes += bytes;
      ++static_libs.files;
      if (static_libs.paths.size() < 20) static_libs.paths.push_back(path);
    }
    if (!node.sha256.empty()) {
      by_hash[node.sha256].push_back(path);
      hash_size[node.sha256] = bytes;
    }
  });

  for (const Rule& rule : rules()) {
    Finding finding{rule.category, rule.what, 0, 0, {}};
    auto add = [&](const std::string& path, const Node& node) {
      if (finding.paths.size() < 20) finding.paths.push_back(path);
      std::function<void(const Node&)> sum = [&](const Node& n) {
        if (n.type == EntryType::kFile) {
          finding.bytes += n.size;
          ++finding.files;
        }
        for (const auto& [name, child] : n.children) sum(*child);
      };
      sum(node);
    };
    for (const char* glob : rule.globs) {
      for (const auto& [path, node] : expand_glob(rootfs, glob)) add(path, *node);
    }
    if (!finding.paths.empty()) f.categories.push_back(std::move(finding));
  }
  if (static_libs.files > 0) f.categories.push_back(std::move(static_libs));
  const auto toolchain = programs(rootfs, kToolchain);
  if (!toolchain.empty()) {
    Finding t{"toolchain", "compilers and build tools", 0, 0, toolchain};
    for (const auto& p : toolchain) {
      const Resolution r = rootfs.resolve(p);
      t.bytes += r.node != nullptr ? file_bytes(*r.node) : 0;
      ++t.files;
    }
    f.categories.push_back(std::move(t));
  }

  f.largest_files = std::move(files).take();
  Largest folders(top);
  offer_folders(rootfs.root(), folders);
  f.largest_folders = std::move(folders).take();

  for (auto& [hash, paths] : by_hash) {
    if (paths.size() > 1) f.duplicates.push_back({hash, hash_size[hash], paths});
  }
  std::sort(f.duplicates.begin(), f.duplicates.end(), [](const Duplicate& a, const Duplicate& b) {
    const auto wa = a.size * (a.paths.size() - 1);
    const auto wb = b.size * (b.paths.size() - 1);
    return wa != wb ? wa > wb : a.sha256 < b.sha256;
  });
  return f;
}

}  // namespace pare
