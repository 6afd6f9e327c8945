#include "pare/slim/packages.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <optional>
#include <tuple>
#include <unordered_map>

#include "pare/util/format.hpp"
#include "pare/util/path.hpp"

namespace pare {

namespace {

constexpr std::string_view kDpkgDir = "var/lib/dpkg";
constexpr std::string_view kMd5sums = ".md5sums";
constexpr std::array<std::string_view, 2> kApkDatabases = {"lib/apk/db/installed",
                                                           "usr/lib/apk/db/installed"};

/// A file a package's maintainer scripts write, which no file list names. Distroless registers
/// ca-certificates for the bundle alone, so a kept bundle keeps the package.
struct Generated {
  std::string_view path;
  std::string_view package;
};
constexpr std::array<Generated, 1> kGenerated = {
    {{"/etc/ssl/certs/ca-certificates.crt", "ca-certificates"}}};

/// The lines of a text, without their '\n' (a last line without one counts).
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    if (end == std::string_view::npos) {
      lines.push_back(text);
      break;
    }
    lines.push_back(text.substr(0, end));
    text.remove_prefix(end + 1);
  }
  return lines;
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  const std::size_t first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const std::size_t last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

/// A deb822 paragraph or an apk record: its lines as they are.
struct Stanza {
  std::vector<std::string_view> lines;

  /// The lines joined, each ending in '\n'.
  std::string text() const {
    std::string out;
    for (const auto line : lines) {
      out += line;
      out += '\n';
    }
    return out;
  }
};

/// Blank-line separated stanzas (a line of only spaces and tabs separates too, as Debian policy
/// lets parsers accept).
std::vector<Stanza> stanzas_of(std::string_view text) {
  std::vector<Stanza> out;
  Stanza current;
  for (const auto line : lines_of(text)) {
    if (is_blank(line)) {
      if (!current.lines.empty()) out.push_back(std::move(current));
      current = {};
    } else {
      current.lines.push_back(line);
    }
  }
  if (!current.lines.empty()) out.push_back(std::move(current));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

/// The value of a deb822 field (names compare without case), its first line only.
std::string deb_field(const Stanza& s, std::string_view name) {
  for (const auto line : s.lines) {
    if (line.empty() || line.front() == ' ' || line.front() == '\t') continue;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    if (iequals(trim(line.substr(0, colon)), name))
      return std::string(trim(line.substr(colon + 1)));
  }
  return {};
}

/// The value of an apk field (one case-sensitive letter: `P` is the name, `p` what it provides).
std::string apk_field(const Stanza& s, char letter) {
  for (const auto line : s.lines) {
    if (line.size() >= 2 && line[0] == letter && line[1] == ':') {
      return std::string(trim(line.substr(2)));
    }
  }
  return {};
}

/// A Debian package name usable as a file name: [A-Za-z0-9][A-Za-z0-9+.-_]* (policy 5.6.1 asks
/// lowercase; more is tolerated, never a '/' or a leading '.').
bool valid_package_name(std::string_view name) {
  if (name.empty() || std::isalnum(static_cast<unsigned char>(name.front())) == 0) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '-' || c == '.' ||
           c == '_';
  });
}

std::string base_name_of(std::string_view normalized) {
  const std::size_t slash = normalized.rfind('/');
  return std::string(slash == std::string_view::npos ? normalized : normalized.substr(slash + 1));
}

/// The last word of a dpkg Status field ("install ok installed" -> "installed").
std::string last_word(std::string_view text) {
  text = trim(text);
  const std::size_t space = text.find_last_of(" \t");
  return std::string(space == std::string_view::npos ? text : text.substr(space + 1));
}

/// True for a dpkg paragraph whose package has files: of the states ("want flag state"), only
/// not-installed and config-files leave none.
bool dpkg_installed(const Stanza& p) {
  const std::string state = last_word(deb_field(p, "Status"));
  return state != "not-installed" && state != "config-files";
}

/// The files of an image a package database reader reads, and how it matches listed paths.
class DatabaseFiles {
 public:
  explicit DatabaseFiles(const ImageTree& tree) : tree_(tree) {}

 protected:
  /// The normalized real path of a folder of the image, symlinks followed; nullopt when it is
  /// missing or not a folder. Cached: every listed path asks for its folder.
  std::optional<std::string> folder(std::string_view normalized) {
    const std::string key(normalized);
    if (auto it = folders_.find(key); it != folders_.end()) return it->second;
    const Resolution r = tree_.rootfs.resolve(key);
    std::optional<std::string> out;
    if (r.node != nullptr && r.node->type == EntryType::kDir) out = r.path;
    folders_.emplace(key, out);
    return out;
  }

  /// The absolute path a listed path is in the image: its folder resolved, its last component
  /// as it is; nullopt for the root and when the folder is missing. A path climbing out of the
  /// root counts in `escaped`.
  std::optional<std::string> real_path(std::string_view listed, std::size_t& escaped) {
    const auto normalized = normalize_path(listed);
    if (!normalized) {
      ++escaped;
      return std::nullopt;
    }
    if (normalized->empty()) return std::nullopt;
    const auto dir = folder(parent_path(*normalized));
    if (!dir) return std::nullopt;
    return "/" + join_path(*dir, base_name_of(*normalized));
  }

  /// True when `path` (absolute) is a folder or a symlink to one: folders own nothing.
  bool is_folder(const std::string& path) const {
    const Node* node = tree_.rootfs.find(path);
    if (node == nullptr) return false;
    if (node->type == EntryType::kDir) return true;
    if (node->type != EntryType::kSymlink) return false;
    const Resolution r = tree_.rootfs.resolve(path);
    return r.node != nullptr && r.node->type == EntryType::kDir;
  }

  /// The captured bytes of a regular file at a normalized path (symlinks followed); nullopt
  /// when it is absent, not a regular file, or was not captured (with a warning).
  std::optional<std::string> read(const std::string& path) {
    const Resolution r = tree_.rootfs.resolve(path);
    if (r.node == nullptr) return std::nullopt;
    const Node& node = *r.node;
    if (node.type != EntryType::kFile && node.type != EntryType::kHardlink) {
      warn("/" + r.path + ": not a regular file, ignored");
      return std::nullopt;
    }
    if (node.size == 0) return std::string();
    const auto bytes = tree_.read(node);
    if (!bytes) {
      warn("/" + r.path + ": its content was not captured while reading the layers, ignored");
      return std::nullopt;
    }
    if (bytes->size() < node.size) {
      warn("/" + r.path + ": only " + std::to_string(bytes->size()) + " of " +
           std::to_string(node.size) + " bytes were captured; reading what there is");
    }
    std::string text(bytes->size(), '\0');
    std::transform(bytes->begin(), bytes->end(), text.begin(),
                   [](std::byte b) { return static_cast<char>(b); });
    return text;
  }

  /// dpkg's file list of a package, and the stem of its name: Multi-Arch: same packages have
  /// info/<pkg>:<arch>.list, the others info/<pkg>.list.
  std::optional<std::string> dpkg_list(const std::string& dpkg, const std::string& name,
                                       const std::string& arch, std::string& stem) {
    std::vector<std::string> stems;
    if (!arch.empty()) stems.push_back(name + ":" + arch);
    stems.push_back(name);
    for (const auto& s : stems) {
      if (auto list = read(join_path(dpkg, "info/" + s + ".list"))) {
        stem = s;
        return list;
      }
    }
    return std::nullopt;
  }

  void warn(std::string message) { warnings_.push_back(std::move(message)); }

  const ImageTree& tree_;
  std::vector<std::string> warnings_;

 private:
  std::unordered_map<std::string, std::optional<std::string>> folders_;
};

/// Reads package databases and decides which listed paths are kept.
class Collector : DatabaseFiles {
 public:
  Collector(const ImageTree& tree, const std::set<std::string>& kept)
      : DatabaseFiles(tree), kept_(kept) {}

  PackageMetadata run() {
    const std::optional<std::string> dpkg = folder(kDpkgDir);
    std::set<std::string> from_status;
    if (dpkg) {
      if (const auto status = read(join_path(*dpkg, "status"))) {
        set_format("dpkg");
        from_status = read_dpkg(*dpkg, *status);
      }
      read_status_d(*dpkg, from_status);
    }
    std::set<std::string> apk_seen;
    for (const auto db : kApkDatabases) {
      const Resolution r = tree_.rootfs.resolve(db);
      if (r.node == nullptr || !apk_seen.insert(r.path).second) continue;
      if (const auto text = read(r.path)) {
        set_format("apk");
        read_apk(r.path, *text);
      }
    }
    return finish();
  }

 private:
  /// The kept path a listed path is (its folder resolved, its last component as it is), when
  /// that is neither a folder nor a symlink to one; nullopt otherwise. A path climbing out of
  /// the root counts in `escaped`.
  std::optional<std::string> kept_path(std::string_view listed, std::size_t& escaped) {
    auto path = real_path(listed, escaped);
    if (!path || !kept_.contains(*path) || is_folder(*path)) return std::nullopt;
    return path;
  }

  /// Kept files a package's scripts generated (kGenerated).
  void add_generated(std::string_view package, std::set<std::string>& owned) {
    std::size_t escaped = 0;
    for (const auto& g : kGenerated) {
      if (g.package != package) continue;
      if (auto path = kept_path(g.path, escaped)) owned.insert(std::move(*path));
    }
  }

  void set_format(std::string_view format) {
    if (format_.empty()) format_ = format;
  }

  void keep(std::string name, std::string version, std::string architecture,
            const std::set<std::string>& owned) {
    packages_.push_back({std::move(name), std::move(version), std::move(architecture),
                         std::vector<std::string>(owned.begin(), owned.end())});
  }

  /// Appends a stanza to an output file, a blank line between stanzas.
  void append(const std::string& path, const std::string& text) {
    std::string& content = files_[path];
    if (!content.empty()) content += '\n';
    content += text;
  }

  /// The lines of an md5sums file ("<md5>  <path>", path relative to the root) naming kept
  /// files, each with its '\n', and the kept paths they name.
  std::string kept_md5sums(std::string_view text, std::set<std::string>& owned,
                           std::size_t& escaped, std::size_t& malformed) {
    std::string out;
    for (const auto line : lines_of(text)) {
      if (is_blank(line)) continue;
      const std::size_t space = line.find(' ');
      if (space == std::string_view::npos || space + 2 > line.size() ||
          (line[space + 1] != ' ' && line[space + 1] != '*')) {
        ++malformed;
        continue;
      }
      if (auto path = kept_path(line.substr(space + 2), escaped)) {
        owned.insert(std::move(*path));
        out += line;
        out += '\n';
      }
    }
    return out;
  }

  void warn_counts(const std::string& file, std::size_t escaped, std::size_t malformed,
                   std::string_view malformed_what) {
    if (escaped > 0) {
      warn(file + ": " + plural(escaped, "listed path") + " climbing out of the root, ignored");
    }
    if (malformed > 0)
      warn(file + ": " + plural(malformed, std::string(malformed_what)) + ", ignored");
  }

  /// dpkg's status and info/*.list: status.d/<pkg> for each installed package owning a kept
  /// file. Returns the names of the installed packages.
  std::set<std::string> read_dpkg(const std::string& dpkg, const std::string& status) {
    const std::string status_file = "/" + join_path(dpkg, "status");
    std::set<std::string> installed;
    std::size_t nameless = 0;
    std::size_t bad_names = 0;
    std::vector<std::string> unlisted;
    for (const Stanza& p : stanzas_of(status)) {
      const std::string name = deb_field(p, "Package");
      if (name.empty()) {
        ++nameless;
        continue;
      }
      if (!valid_package_name(name)) {
        ++bad_names;
        continue;
      }
      if (!dpkg_installed(p)) continue;
      installed.insert(name);
      const std::string arch = deb_field(p, "Architecture");
      const std::string version = deb_field(p, "Version");
      std::string stem;
      const std::optional<std::string> list = dpkg_list(dpkg, name, arch, stem);
      const std::string out = "/" + join_path(dpkg, "status.d/" + name);
      if (!list) {
        unlisted.push_back(name);
        keep(name, version, arch, {});
        append(out, p.text());
        continue;
      }
      std::set<std::string> owned;
      std::size_t escaped = 0;
      for (const auto line : lines_of(*list)) {
        if (line.empty()) continue;
        if (auto path = kept_path(line, escaped)) owned.insert(std::move(*path));
      }
      const std::string list_file = "/" + join_path(dpkg, "info/" + stem + ".list");
      warn_counts(list_file, escaped, 0, "");
      add_generated(name, owned);
      if (owned.empty()) {
        dropped_.insert(name);
        continue;
      }
      keep(name, version, arch, owned);
      append(out, p.text());
      const std::string md5_path = join_path(dpkg, "info/" + stem + std::string(kMd5sums));
      if (const auto md5 = read(md5_path)) {
        std::set<std::string> listed;
        std::size_t md5_escaped = 0;
        std::size_t malformed = 0;
        const std::string lines = kept_md5sums(*md5, listed, md5_escaped, malformed);
        warn_counts("/" + md5_path, md5_escaped, malformed, "malformed line");
        if (!lines.empty()) files_[out + std::string(kMd5sums)] += lines;
      }
    }
    if (nameless > 0) {
      warn(status_file + ": " + plural(nameless, "paragraph") + " without Package, skipped");
    }
    if (bad_names > 0) {
      warn(status_file + ": " + plural(bad_names, "package name") +
           " that cannot be a file name, skipped");
    }
    if (!unlisted.empty()) {
      warn(status_file + ": " + plural(unlisted.size(), "package") + " without a file list in /" +
           join_path(dpkg, "info") + " (" + unlisted.front() +
           (unlisted.size() > 1 ? ", ..." : "") + ") kept, as which files they own cannot be told");
    }
    return installed;
  }

  /// Distroless' status.d/<pkg> (+ <pkg>.md5sums): the files of packages owning a kept file.
  void read_status_d(const std::string& dpkg, const std::set<std::string>& from_status) {
    const auto dir = folder(join_path(dpkg, "status.d"));
    if (!dir) return;
    const Node* node = tree_.rootfs.find(*dir);
    if (node == nullptr) return;
    for (const auto& [name, child] : node->children) {
      if (name.ends_with(kMd5sums) || child->type == EntryType::kDir) continue;
      const std::string path = join_path(*dir, name);
      const auto text = read(path);
      if (!text) continue;
      set_format("dpkg-status.d");
      struct Entry {
        std::string name, version, arch;
      };
      std::vector<Entry> entries;
      std::size_t nameless = 0;
      for (const Stanza& p : stanzas_of(*text)) {
        std::string package = deb_field(p, "Package");
        if (package.empty()) {
          ++nameless;
          continue;
        }
        entries.push_back(
            {std::move(package), deb_field(p, "Version"), deb_field(p, "Architecture")});
      }
      if (nameless > 0) {
        warn("/" + path + ": " + plural(nameless, "paragraph") + " without Package, skipped");
      }
      if (entries.empty()) continue;
      // dpkg's status is the source of truth for a package it also lists.
      if (std::all_of(entries.begin(), entries.end(),
                      [&](const Entry& e) { return from_status.contains(e.name); })) {
        continue;
      }
      std::set<std::string> owned;
      const std::string md5_path = path + std::string(kMd5sums);
      const auto md5 = read(md5_path);
      std::string md5_kept;
      if (md5) {
        std::size_t escaped = 0;
        std::size_t malformed = 0;
        md5_kept = kept_md5sums(*md5, owned, escaped, malformed);
        warn_counts("/" + md5_path, escaped, malformed, "malformed line");
      }
      for (const auto& e : entries) add_generated(e.name, owned);
      if (!md5) {
        warn("/" + path + ": no " + name + std::string(kMd5sums) +
             " lists its files; kept, as which files it owns cannot be told");
      } else if (owned.empty()) {
        for (const auto& e : entries) dropped_.insert(e.name);
        continue;
      }
      for (const auto& e : entries) keep(e.name, e.version, e.arch, owned);
      files_["/" + path] = *text;
      if (!md5_kept.empty()) files_["/" + md5_path] = md5_kept;
    }
  }

  /// One line group of an apk record: a header line, a folder (F: and its M:), a file (R: and
  /// its a: and Z:), or another line after the first folder.
  struct ApkGroup {
    enum class Kind { kOther, kFolder, kFile } kind = Kind::kOther;
    std::vector<std::string_view> lines;
    std::size_t folder = 0;  ///< kFile: index of its folder group (or npos: none)
    bool kept = false;
  };

  /// apk's installed database: the records of packages owning a kept file, trimmed.
  void read_apk(const std::string& db, const std::string& text) {
    constexpr std::size_t kNone = std::string::npos;
    std::string out;
    std::size_t nameless = 0;
    std::size_t escaped = 0;
    for (const Stanza& record : stanzas_of(text)) {
      const std::string name = apk_field(record, 'P');
      if (name.empty()) {
        ++nameless;
        continue;
      }
      std::vector<ApkGroup> groups;
      std::set<std::string> owned;
      std::size_t folder_group = kNone;
      std::optional<std::string> folder_path = std::string();  // before any F:, the root
      // What the last group is: M: belongs to a folder line, a: and Z: to a file line.
      auto last = ApkGroup::Kind::kOther;
      for (const auto line : record.lines) {
        const char letter = line.size() >= 2 && line[1] == ':' ? line[0] : '\0';
        const bool attribute = last == ApkGroup::Kind::kFile
                                   ? letter == 'a' || letter == 'Z'
                                   : last == ApkGroup::Kind::kFolder && letter == 'M';
        if (attribute) {
          groups.back().lines.push_back(line);
        } else if (letter == 'F') {
          folder_group = groups.size();
          ApkGroup g{ApkGroup::Kind::kFolder, {line}, kNone, false};
          // A folder line stays when the folder itself is kept.
          folder_path = normalize_path(trim(line.substr(2)));
          if (!folder_path) {
            ++escaped;
          } else if (const auto real = folder(*folder_path)) {
            g.kept = !real->empty() && kept_.contains("/" + *real);
          }
          groups.push_back(std::move(g));
        } else if (letter == 'R') {
          ApkGroup g{ApkGroup::Kind::kFile, {line}, folder_group, false};
          const std::string file = std::string(trim(line.substr(2)));
          if (folder_path && !file.empty() && file.find('/') == std::string::npos) {
            if (auto path = kept_path(join_path(*folder_path, file), escaped)) {
              g.kept = true;
              owned.insert(std::move(*path));
            }
          }
          groups.push_back(std::move(g));
        } else {
          groups.push_back({ApkGroup::Kind::kOther, {line}, kNone, true});
        }
        last = groups.back().kind;
      }
      if (owned.empty()) {
        dropped_.insert(name);
        continue;
      }
      for (const auto& g : groups) {
        if (g.kind == ApkGroup::Kind::kFile && g.kept && g.folder != kNone) {
          groups[g.folder].kept = true;
        }
      }
      keep(name, apk_field(record, 'V'), apk_field(record, 'A'), owned);
      for (const auto& g : groups) {
        if (!g.kept) continue;
        for (const auto line : g.lines) {
          out += line;
          out += '\n';
        }
      }
      out += '\n';  // apk ends every record with a blank line
    }
    const std::string file = "/" + db;
    if (nameless > 0) warn(file + ": " + plural(nameless, "record") + " without P:, skipped");
    warn_counts(file, escaped, 0, "");
    files_[file] = out;
  }

  PackageMetadata finish() {
    PackageMetadata m;
    m.format = format_;
    for (auto& [path, content] : files_) m.files.push_back({path, std::move(content)});
    std::sort(packages_.begin(), packages_.end(), [](const KeptPackage& a, const KeptPackage& b) {
      return std::tie(a.name, a.architecture, a.version) <
             std::tie(b.name, b.architecture, b.version);
    });
    for (const auto& p : packages_) dropped_.erase(p.name);
    m.packages = std::move(packages_);
    m.dropped.assign(dropped_.begin(), dropped_.end());
    m.warnings = std::move(warnings_);
    return m;
  }

  const std::set<std::string>& kept_;
  std::map<std::string, std::string> files_;
  std::vector<KeptPackage> packages_;
  std::set<std::string> dropped_;
  std::string format_;
};

/// A dependency name without what qualifies it: dpkg's "(>= 1.0)", ":any", "[amd64]" and
/// "<!nocheck>"; apk's "=1.0", ">1", "~3.11" and "><checksum>" (its "so:" and "cmd:" prefixes
/// are part of the name).
std::string bare_name(std::string_view text, bool apk) {
  text = trim(text);
  const std::size_t end = text.find_first_of(apk ? "<>=~" : " \t(:[<>=");
  return std::string(text.substr(0, end));
}

/// dpkg's Depends-like field: "a (>= 1), b | c" -> {{a}, {b, c}}.
void add_dpkg_depends(std::string_view field, std::vector<std::vector<std::string>>& out) {
  std::size_t start = 0;
  while (start <= field.size()) {
    std::size_t comma = field.find(',', start);
    if (comma == std::string_view::npos) comma = field.size();
    std::vector<std::string> alternatives;
    std::string_view need = field.substr(start, comma - start);
    while (!need.empty()) {
      const std::size_t bar = need.find('|');
      std::string name = bare_name(need.substr(0, bar), false);
      if (!name.empty()) alternatives.push_back(std::move(name));
      if (bar == std::string_view::npos) break;
      need.remove_prefix(bar + 1);
    }
    if (!alternatives.empty()) out.push_back(std::move(alternatives));
    start = comma + 1;
  }
}

/// A deb822 field with its continuation lines joined (Depends may span lines).
std::string deb_field_folded(const Stanza& s, std::string_view name) {
  std::string out;
  bool in_field = false;
  for (const auto line : s.lines) {
    if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
      if (in_field) out.append(" ").append(trim(line));
      continue;
    }
    const std::size_t colon = line.find(':');
    in_field = colon != std::string_view::npos && iequals(trim(line.substr(0, colon)), name);
    if (in_field) out = std::string(trim(line.substr(colon + 1)));
  }
  return out;
}

/// Reads package databases into who owns which file and needs what.
class DatabaseReader : DatabaseFiles {
 public:
  explicit DatabaseReader(const ImageTree& tree) : DatabaseFiles(tree) {}

  PackageDatabase run() {
    const std::optional<std::string> dpkg = folder(kDpkgDir);
    std::set<std::string> from_status;
    if (dpkg) {
      if (const auto status = read(join_path(*dpkg, "status"))) {
        set_format("dpkg");
        read_dpkg(*dpkg, *status, from_status);
      }
      read_status_d(*dpkg, from_status);
    }
    std::set<std::string> apk_seen;
    for (const auto db : kApkDatabases) {
      const Resolution r = tree_.rootfs.resolve(db);
      if (r.node == nullptr || !apk_seen.insert(r.path).second) continue;
      if (const auto text = read(r.path)) {
        set_format("apk");
        read_apk(*text);
      }
    }
    for (auto& p : db_.packages) {
      std::sort(p.files.begin(), p.files.end());
      p.files.erase(std::unique(p.files.begin(), p.files.end()), p.files.end());
    }
    db_.warnings = std::move(warnings_);
    return std::move(db_);
  }

 private:
  void set_format(std::string_view format) {
    if (db_.format.empty()) db_.format = format;
  }

  /// Adds a listed path to a package's files when the image has it and it is not a folder.
  void add_file(InstalledPackage& p, std::string_view listed) {
    std::size_t escaped = 0;
    auto path = real_path(listed, escaped);
    if (!path || tree_.rootfs.find(*path) == nullptr || is_folder(*path)) return;
    p.files.push_back(std::move(*path));
  }

  static InstalledPackage from_paragraph(const Stanza& p, std::string name) {
    InstalledPackage out;
    out.name = std::move(name);
    out.version = deb_field(p, "Version");
    out.architecture = deb_field(p, "Architecture");
    add_dpkg_depends(deb_field_folded(p, "Pre-Depends"), out.depends);
    add_dpkg_depends(deb_field_folded(p, "Depends"), out.depends);
    std::vector<std::vector<std::string>> provides;
    add_dpkg_depends(deb_field_folded(p, "Provides"), provides);
    for (auto& group : provides) {
      for (auto& name_provided : group) out.provides.push_back(std::move(name_provided));
    }
    return out;
  }

  void read_dpkg(const std::string& dpkg, const std::string& status,
                 std::set<std::string>& installed) {
    for (const Stanza& p : stanzas_of(status)) {
      std::string name = deb_field(p, "Package");
      if (!valid_package_name(name) || !dpkg_installed(p)) continue;
      installed.insert(name);
      InstalledPackage package = from_paragraph(p, std::move(name));
      std::string stem;
      if (const auto list = dpkg_list(dpkg, package.name, package.architecture, stem)) {
        package.listed = true;
        for (const auto line : lines_of(*list)) {
          if (!line.empty()) add_file(package, line);
        }
      }
      db_.packages.push_back(std::move(package));
    }
  }

  void read_status_d(const std::string& dpkg, const std::set<std::string>& from_status) {
    const auto dir = folder(join_path(dpkg, "status.d"));
    if (!dir) return;
    const Node* node = tree_.rootfs.find(*dir);
    if (node == nullptr) return;
    for (const auto& [name, child] : node->children) {
      if (name.ends_with(kMd5sums) || child->type == EntryType::kDir) continue;
      const std::string path = join_path(*dir, name);
      const auto text = read(path);
      if (!text) continue;
      set_format("dpkg-status.d");
      const auto md5 = read(path + std::string(kMd5sums));
      for (const Stanza& p : stanzas_of(*text)) {
        std::string package_name = deb_field(p, "Package");
        // dpkg's status is the source of truth for a package it also lists.
        if (package_name.empty() || from_status.contains(package_name)) continue;
        InstalledPackage package = from_paragraph(p, std::move(package_name));
        if (md5) {
          package.listed = true;
          for (const auto line : lines_of(*md5)) {
            const std::size_t space = line.find(' ');
            if (space != std::string_view::npos && space + 2 <= line.size()) {
              add_file(package, line.substr(space + 2));
            }
          }
        }
        db_.packages.push_back(std::move(package));
      }
    }
  }

  /// apk's names of a D: or p: line, bare; conflicts ("!name") left out.
  static std::vector<std::string> apk_names(const std::string& field) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < field.size()) {
      std::size_t end = field.find_first_of(" \t", start);
      if (end == std::string::npos) end = field.size();
      const std::string_view word = std::string_view(field).substr(start, end - start);
      if (!word.empty() && word.front() != '!') {
        std::string name = bare_name(word, true);
        if (!name.empty()) out.push_back(std::move(name));
      }
      start = end + 1;
    }
    return out;
  }

  void read_apk(const std::string& text) {
    for (const Stanza& record : stanzas_of(text)) {
      InstalledPackage package;
      package.name = apk_field(record, 'P');
      if (package.name.empty()) continue;
      package.version = apk_field(record, 'V');
      package.architecture = apk_field(record, 'A');
      package.listed = true;
      for (auto& need : apk_names(apk_field(record, 'D'))) {
        package.depends.push_back({std::move(need)});
      }
      package.provides = apk_names(apk_field(record, 'p'));
      std::optional<std::string> folder_path = std::string();  // before any F:, the root
      for (const auto line : record.lines) {
        if (line.size() < 2 || line[1] != ':') continue;
        if (line[0] == 'F') folder_path = normalize_path(trim(line.substr(2)));
        if (line[0] == 'R' && folder_path) {
          const std::string file(trim(line.substr(2)));
          if (!file.empty() && file.find('/') == std::string::npos) {
            add_file(package, "/" + join_path(*folder_path, file));
          }
        }
      }
      db_.packages.push_back(std::move(package));
    }
  }

  PackageDatabase db_;
};

}  // namespace

const InstalledPackage* PackageDatabase::find(std::string_view name) const {
  for (const auto& p : packages) {
    if (p.name == name) return &p;
  }
  for (const auto& p : packages) {
    if (std::find(p.provides.begin(), p.provides.end(), name) != p.provides.end()) return &p;
  }
  return nullptr;
}

const InstalledPackage* PackageDatabase::owner(std::string_view path) const {
  for (const auto& p : packages) {
    if (std::binary_search(p.files.begin(), p.files.end(), path, std::less<>())) return &p;
  }
  return nullptr;
}

PackageDatabase read_package_database(const ImageTree& tree) {
  return DatabaseReader(tree).run();
}

bool is_package_database(std::string_view path) {
  if (path.starts_with('/')) path.remove_prefix(1);
  if (path == "var/lib/dpkg/status") return true;
  if (std::find(kApkDatabases.begin(), kApkDatabases.end(), path) != kApkDatabases.end()) {
    return true;
  }
  auto child_of = [&](std::string_view dir) -> std::optional<std::string_view> {
    if (!path.starts_with(dir)) return std::nullopt;
    const std::string_view name = path.substr(dir.size());
    if (name.empty() || name.find('/') != std::string_view::npos) return std::nullopt;
    return name;
  };
  if (child_of("var/lib/dpkg/status.d/")) return true;
  if (const auto name = child_of("var/lib/dpkg/info/")) {
    return name->ends_with(".list") || name->ends_with(kMd5sums);
  }
  return false;
}

PackageMetadata package_metadata(const ImageTree& tree, const std::set<std::string>& kept) {
  return Collector(tree, kept).run();
}

}  // namespace pare
