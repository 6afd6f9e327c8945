#include "pare/slim/plan.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <ctime>
#include <functional>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>
#include <type_traits>

#include "pare/deps/architecture.hpp"
#include "pare/deps/resolver.hpp"
#include "pare/elf/elf.hpp"
#include "pare/fs/users.hpp"
#include "pare/slim/blind_spots.hpp"
#include "pare/slim/runtimes.hpp"
#include "pare/util/error.hpp"
#include "pare/util/path.hpp"

namespace pare {

namespace {

// distroless' files (GoogleContainerTools/distroless common/BUILD.bazel, static/nsswitch.conf).
constexpr std::string_view kPasswd =
    "root:x:0:0:root:/root:/sbin/nologin\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
    "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n";
constexpr std::string_view kGroup =
    "root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n";
}  // namespace

const std::string_view kDistrolessNsswitch =
    "passwd:         files\ngroup:          files\nshadow:         files\ngshadow:        files\n"
    "\nhosts:          files dns\nnetworks:       files\n\nprotocols:      files\n"
    "services:       files\nethers:         files\nrpc:            files\n\nnetgroup:       "
    "files\n";

namespace {

constexpr std::string_view kCaBundle = "/etc/ssl/certs/ca-certificates.crt";

bool is_glob(std::string_view s) {
  return s.find_first_of("*?[") != std::string_view::npos;
}

bool glob_match(const std::string& pattern, const std::string& path) {
  return ::fnmatch(pattern.c_str(), path.c_str(), 0) == 0;
}

/// RFC 3339 "2024-01-02T03:04:05Z" (fraction and offset allowed) as seconds since the epoch.
std::optional<std::int64_t> parse_time(const std::string& text) {
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) return std::nullopt;
  return static_cast<std::int64_t>(::timegm(&tm));
}

std::string format_time(std::int64_t epoch) {
  const auto t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string top_folder(const std::string& path) {
  const auto slash = path.find('/', 1);
  return slash == std::string::npos ? path : path.substr(0, slash);
}

class Planner {
 public:
  Planner(const ImageTree& tree, const Image& image, const SlimOptions& options,
          std::string image_name, std::optional<Closure> closure,
          const std::vector<ProbeRun>& traces)
      : tree_(tree),
        image_(image),
        options_(options),
        image_name_(std::move(image_name)),
        resolved_(std::move(closure)),
        traces_(traces) {}

  Plan run();

 private:
  void add_node(const std::string& path, const Node& node, const std::string& reason);
  void add_parents(const std::string& normalized);
  void add_path(const std::string& path, const std::string& reason);
  void add_tree(const std::string& path, const std::string& reason);
  void add_closure(const Closure& closure);
  void add_synthesized(const std::string& path, std::string content, const std::string& reason);
  void add_dir(const std::string& path, std::uint32_t mode, std::uint32_t uid, std::uint32_t gid,
               const std::string& reason);
  void add_base();
  std::string user_database_reader() const;
  void add_run_folders();
  void add_rules();
  void add_traces();
  /// The paths planned so far, to tell what a rule adds after.
  std::set<std::string> planned_paths() const;
  /// Adds the closure of every ELF object planned since `before`: an error when `required` and
  /// it is incomplete, else a warning; an object of another architecture is a warning.
  void add_object_closures(const std::set<std::string>& before, bool required);
  RunConfig run_config() const;
  std::optional<std::string> image_text(const std::string& path) const;

  const ImageTree& tree_;
  const Image& image_;
  const SlimOptions& options_;
  std::string image_name_;
  std::map<std::string, PlanEntry> entries_;
  Plan plan_;
  std::optional<Closure> resolved_;
  const std::vector<ProbeRun>& traces_;
};

void Planner::add_node(const std::string& path, const Node& node, const std::string& reason) {
  if (entries_.contains(path)) return;
  PlanEntry e;
  e.path = path;
  e.reason = reason;
  e.type = node.type == EntryType::kHardlink ? EntryType::kFile : node.type;
  e.size = e.type == EntryType::kFile ? node.size : 0;
  e.mode = node.mode;
  e.uid = node.uid;
  e.gid = node.gid;
  e.link_target = node.type == EntryType::kSymlink ? node.link_target : "";
  e.mtime = node.mtime;
  e.xattrs = node.xattrs;
  e.dev_major = node.dev_major;
  e.dev_minor = node.dev_minor;
  e.from_image = true;
  if (e.type == EntryType::kFile) {
    // What pass 1 captured whole need not be read from its layer again.
    const bool whole = node.captured && node.captured->size == node.size;
    e.origin = whole ? ByteOrigin(StoredBytes{*node.captured}) : node.origin;
  }
  entries_.emplace(path, std::move(e));
  add_parents(path.substr(1));
}

void Planner::add_parents(const std::string& normalized) {
  std::string parent = parent_path(normalized);
  while (!parent.empty()) {
    const std::string abs = "/" + parent;
    if (entries_.contains(abs)) break;
    const Node* node = tree_.rootfs.find(parent);
    if (node == nullptr || node->type != EntryType::kDir) break;
    add_node(abs, *node, "folder");
    parent = parent_path(parent);
  }
}

void Planner::add_path(const std::string& path, const std::string& reason) {
  std::vector<std::string> links;
  const Resolution r = tree_.rootfs.resolve(path, true, &links);
  const auto self = normalize_path(path);
  for (const auto& link : links) {
    if (const Node* n = tree_.rootfs.find(link)) {
      add_node("/" + link, *n, self && link == *self ? reason : "symlink on the way");
    }
  }
  if (r.node != nullptr) add_node("/" + r.path, *r.node, reason);
}

void Planner::add_tree(const std::string& path, const std::string& reason) {
  const Resolution r = tree_.rootfs.resolve(path);
  if (r.node == nullptr) return;
  add_path(path, reason);
  std::function<void(const std::string&, const Node&)> walk = [&](const std::string& base,
                                                                  const Node& n) {
    for (const auto& [name, child] : n.children) {
      const std::string p = base + "/" + name;
      add_node(p, *child, reason);
      walk(p, *child);
    }
  };
  walk("/" + r.path, *r.node);
}

void Planner::add_closure(const Closure& closure) {
  for (const auto& f : closure.files) {
    if (!options_.ca_certs && f.reason == "CA certificates") continue;
    if (!options_.tzdata && f.reason == "time zone data") continue;
    if (f.tree && f.reason.starts_with("iconv modules") && !traces_.empty()) {
      // The trace saw which modules iconv loaded (add_traces keeps them): only the lists
      // iconv reads to find a module are needed besides.
      const Resolution r = tree_.rootfs.resolve(f.path);
      if (r.node == nullptr) continue;
      for (const auto& [name, child] : r.node->children) {
        if (!name.starts_with("gconv-modules")) continue;
        const std::string path = "/" + r.path + "/" + name;
        const std::string why =
            "iconv module list (" + f.reason + "; traced: only the modules loaded)";
        if (child->type == EntryType::kDir) {
          add_tree(path, why);
        } else {
          add_path(path, why);
        }
      }
      continue;
    }
    if (f.tree) {
      add_tree(f.path, f.reason);
    } else if (const Node* n = tree_.rootfs.find(f.path)) {
      add_node(f.path, *n, f.reason);
    }
  }
}

void Planner::add_synthesized(const std::string& path, std::string content,
                              const std::string& reason) {
  PlanEntry e;
  e.path = path;
  e.reason = reason;
  e.size = content.size();
  e.content = std::move(content);
  entries_[path] = std::move(e);
  add_parents(path.substr(1));
}

void Planner::add_dir(const std::string& path, std::uint32_t mode, std::uint32_t uid,
                      std::uint32_t gid, const std::string& reason) {
  PlanEntry e;
  e.path = path;
  e.reason = reason;
  e.type = EntryType::kDir;
  e.mode = mode;
  e.uid = uid;
  e.gid = gid;
  entries_[path] = std::move(e);
  add_parents(path.substr(1));
}

/// The record `key` (a name, or a number matched against the uid or gid) names, if any.
template <typename Entry, typename IdOf>
const Entry* record_named(const std::vector<Entry>& records, const std::string& key,
                          const IdOf& id_of) {
  const auto id = parse_id(key);
  const auto it = std::find_if(records.begin(), records.end(), [&](const Entry& e) {
    return e.name == key || (id && id_of(e) == id);
  });
  return it == records.end() ? nullptr : &*it;
}

/// The image's file at `path`, when it is a regular file whose bytes the tree holds.
std::optional<std::string> Planner::image_text(const std::string& path) const {
  const Resolution r = tree_.rootfs.resolve(path);
  if (r.node == nullptr) return std::nullopt;
  const auto bytes = tree_.read(*r.node);
  if (!bytes) return std::nullopt;
  return to_string(*bytes);
}

/// The image's records, then those of `base` whose names it lacks.
template <typename Entry>
std::string merged_records(std::string image, const std::vector<Entry>& base) {
  if (!image.empty() && !image.ends_with('\n')) image += '\n';
  const auto records = [&] {
    if constexpr (std::is_same_v<Entry, PasswdEntry>) {
      return parse_passwd(image);
    } else {
      return parse_group(image);
    }
  }();
  for (const Entry& b : base) {
    const bool known = std::any_of(records.begin(), records.end(),
                                   [&](const Entry& e) { return e.name == b.name; });
    if (!known) image.append(b.line).append("\n");
  }
  return image;
}

/// Calls that read /etc/passwd or /etc/group through NSS.
constexpr std::array<std::string_view, 16> kUserDatabaseCalls = {
    "getgrent",   "getgrgid",   "getgrgid_r", "getgrnam",  "getgrnam_r", "getgrouplist",
    "getlogin",   "getlogin_r", "getpwent",   "getpwnam",  "getpwnam_r", "getpwuid",
    "getpwuid_r", "initgroups", "getspnam",   "getspnam_r"};

/// Who reads the user database, in words ("probe 1 opened /etc/passwd", "/usr/bin/app calls
/// getpwnam"); empty when nothing does.
std::string Planner::user_database_reader() const {
  for (const ProbeRun& run : traces_) {
    for (const FileAccess& a : run.result.accesses) {
      if (a.error == 0 && (a.path == "/etc/passwd" || a.path == "/etc/group") &&
          a.call.starts_with("open")) {
        return "probe " + std::to_string(run.number) + " opened " + a.path;
      }
    }
  }
  std::vector<std::string> objects;
  if (!plan_.closure.program.empty()) objects.push_back(plan_.closure.program);
  for (const Library& lib : plan_.closure.libraries) {
    if (!lib.path.empty() && !lib.name.starts_with("libc.so")) objects.push_back(lib.path);
  }
  for (const auto& path : objects) {
    const auto elf = read_elf(tree_, path);
    if (!elf) continue;
    for (std::string_view call : kUserDatabaseCalls) {
      if (std::binary_search(elf->imports.begin(), elf->imports.end(), call)) {
        return path + " calls " + std::string(call);
      }
    }
  }
  return {};
}

void Planner::add_base() {
  if (!options_.base_files) {
    add_dir("/tmp", 01777, 0, 0, "base: writable temporary folder");
    return;
  }
  // The user the image runs as, when it names one the distroless base lacks: its record (and
  // its group's) is copied from the image's own files.
  const UserSpec spec = split_user(run_config().user);
  const std::string& user = spec.user;
  const auto uid_of = [](const PasswdEntry& e) { return e.uid; };
  const auto gid_of = [](const GroupEntry& e) { return e.gid; };
  std::string passwd_extra;
  std::string group_key = spec.group;
  if (!user.empty() && record_named(parse_passwd(kPasswd), user, uid_of) == nullptr) {
    const auto records = parse_passwd(image_text("/etc/passwd").value_or(""));
    if (const PasswdEntry* e = record_named(records, user, uid_of)) {
      passwd_extra = e->line + "\n";
      if (group_key.empty() && e->gid) group_key = std::to_string(*e->gid);
    }
  }
  std::string group_extra;
  if (!group_key.empty() && record_named(parse_group(kGroup), group_key, gid_of) == nullptr) {
    const auto records = parse_group(image_text("/etc/group").value_or(""));
    if (const GroupEntry* e = record_named(records, group_key, gid_of))
      group_extra = e->line + "\n";
  }
  const std::string reader = user_database_reader();
  const auto image_passwd = image_text("/etc/passwd");
  const auto image_group = image_text("/etc/group");
  if (!reader.empty() && image_passwd && image_group) {
    // The program looks users up: it gets the image's records, as in the source, and
    // distroless' for the names the image lacks.
    const std::string why = "base: the image's users and distroless' (" + reader + ")";
    add_synthesized("/etc/passwd", merged_records(*image_passwd, parse_passwd(kPasswd)), why);
    add_synthesized("/etc/group", merged_records(*image_group, parse_group(kGroup)), why);
  } else {
    add_synthesized("/etc/passwd", std::string(kPasswd) + passwd_extra,
                    "base: users root, nobody, nonroot" +
                        (passwd_extra.empty() ? std::string() : " and the image's user " + user));
    add_synthesized("/etc/group", std::string(kGroup) + group_extra, "base: groups");
  }
  add_synthesized("/etc/nsswitch.conf", std::string(kDistrolessNsswitch), "base: NSS uses files");
  add_dir("/tmp", 01777, 0, 0, "base: writable temporary folder");
  if (options_.homes) {
    add_dir("/root", 0700, 0, 0, "base: root's home");
    add_dir("/home", 0755, 0, 0, "base: homes");
    add_dir("/home/nonroot", 0700, 65532, 65532, "base: nonroot's home");
  }
  for (const char* p : {"/etc/os-release", "/etc/debian_version", "/etc/alpine-release"}) {
    if (tree_.rootfs.resolve(p).node != nullptr) add_path(p, "base: what the OS is (scanners)");
  }
  // Links that point at the CA bundle (/etc/pki/tls/certs/ca-bundle.crt, /usr/lib/ssl/cert.pem).
  if (options_.ca_certs && entries_.contains(std::string(kCaBundle))) {
    tree_.rootfs.walk([&](const std::string& path, const Node& node) {
      if (node.type != EntryType::kSymlink) return;
      const Resolution r = tree_.rootfs.resolve(path);
      if (r.node != nullptr && "/" + r.path == kCaBundle) add_path(path, "link to the CA bundle");
    });
  }
  // The loader's configuration when its cache found a library.
  if (entries_.contains("/etc/ld.so.cache") && tree_.rootfs.resolve("/etc/ld.so.conf").node) {
    add_path("/etc/ld.so.conf", "the loader's configuration (its cache is kept)");
    if (tree_.rootfs.resolve("/etc/ld.so.conf.d").node != nullptr) {
      add_tree("/etc/ld.so.conf.d", "the loader's configuration (its cache is kept)");
    }
  }
}

/// The folders the run starts in and writes to: WorkingDir (made as runc makes a missing one,
/// 0755 root) and the User's home, each with its owner and mode from the image.
void Planner::add_run_folders() {
  const RunConfig rc = run_config();
  if (!rc.working_dir.empty() && rc.working_dir != "/") {
    const Resolution r = tree_.rootfs.resolve(rc.working_dir);
    if (r.node != nullptr) {
      add_path(rc.working_dir, "WorkingDir");
    } else if (const auto normalized = normalize_path(rc.working_dir);
               normalized && !entries_.contains("/" + *normalized)) {
      add_dir("/" + *normalized, 0755, 0, 0,
              "WorkingDir (missing in the image: made as runc makes it)");
    }
  }
  const UserSpec spec = split_user(rc.user);
  if (!options_.homes || spec.user.empty() || spec.user == "root" || spec.user == "0") return;
  const UserLookup who = look_up_user(rc.user, image_text("/etc/passwd"), image_text("/etc/group"));
  const std::string& home = who.identity.home;
  if (who.error != UserError::kNone || home.empty() || home == "/") return;
  const Resolution r = tree_.rootfs.resolve(home);
  if (r.node != nullptr && r.node->type == EntryType::kDir) {
    add_path(home, "the home of User " + rc.user);
  }
}

/// What a traced call did to a path, for a plan's reason: "opened", "executed", ...
std::string traced_verb(std::string_view call) {
  if (call.starts_with("open") && !call.starts_with("opendir")) return "opened";
  if (call.starts_with("exec")) return "executed";
  if (call == "opendir" || call.starts_with("getdents")) return "listed";
  if (call.starts_with("readlink")) return "read as a link";
  if (call.find("stat") != std::string_view::npos || call.find("access") != std::string_view::npos)
    return "looked at";
  if (call.starts_with("chdir")) return "entered";
  return "touched";
}

void Planner::add_traces() {
  for (const ProbeRun& run : traces_) {
    const std::string who = " by probe " + std::to_string(run.number) + ": ";
    for (const FileAccess& access : run.result.accesses) {
      const auto normalized = normalize_path(access.path);
      if (!normalized || normalized->empty()) continue;
      std::string reason = traced_verb(access.call);
      reason.append(who).append(access.call);
      if (tree_.rootfs.find(*normalized) != nullptr ||
          tree_.rootfs.resolve(access.path).node != nullptr) {
        add_path(access.path, reason);
        continue;
      }
      // A path the image lacks (a failed look-up, or a file the run made): its folder, with
      // its owner and mode, so the program finds it or can create the file again.
      const std::string parent = parent_path(*normalized);
      if (parent.empty()) continue;
      const Resolution r = tree_.rootfs.resolve(parent);
      if (r.node == nullptr || r.node->type != EntryType::kDir) continue;
      std::string folder_reason = "folder of " + access.path + ", " + reason;
      if (access.error != 0)
        folder_reason.append(" (failed: ").append(std::strerror(access.error)).append(")");
      add_path("/" + parent, folder_reason);
    }
  }
}

void Planner::add_rules() {
  const std::set<std::string> before = planned_paths();
  for (const auto& rule : options_.keep) {
    std::vector<std::string> matches;
    if (is_glob(rule)) {
      tree_.rootfs.walk([&](const std::string& path, const Node&) {
        if (glob_match(rule, path)) matches.push_back(path);
      });
    } else if (tree_.rootfs.resolve(rule).node != nullptr) {
      matches.push_back("/" + clamp_path(rule));
    }
    if (matches.empty()) {
      throw Error::usage("--keep " + rule + ": matches nothing in " + image_name_);
    }
    for (const auto& path : matches) {
      const Resolution r = tree_.rootfs.resolve(path);
      if (r.node == nullptr) continue;
      if (r.node->type == EntryType::kDir) {
        add_tree(path, "rule --keep " + rule);
        continue;
      }
      add_path(path, "rule --keep " + rule);
    }
  }
  // An ELF program, library or plugin kept by a rule brings what it needs, or the slim fails.
  add_object_closures(before, true);
}

std::set<std::string> Planner::planned_paths() const {
  std::set<std::string> paths;
  for (const auto& [path, e] : entries_) paths.insert(path);
  return paths;
}

void Planner::add_object_closures(const std::set<std::string>& before, bool required) {
  std::vector<std::string> objects;
  for (const auto& [path, e] : entries_) {
    if (e.from_image && e.type == EntryType::kFile && !before.contains(path)) {
      objects.push_back(path);
    }
  }
  for (const auto& path : objects) {
    const Node* node = tree_.rootfs.find(path.substr(1));
    if (node == nullptr) continue;
    const auto head = tree_.head(*node);
    if (!head || !is_elf(*head)) continue;
    const auto bytes = tree_.read(*node);
    if (!bytes) continue;
    const ElfResult elf = parse_elf(*bytes, tree_.limits);
    if (!elf.info) continue;
    if (const std::string wrong = wrong_architecture(*elf.info, image_.config.architecture);
        !wrong.empty()) {
      plan_.warnings.push_back(path + " (" + entries_.at(path).reason + ") is " + wrong +
                               ": it cannot be loaded");
      continue;
    }
    if (elf.info->kind != ElfKind::kDynamic && elf.info->kind != ElfKind::kSharedObject) continue;
    const Closure c = resolve_object_closure(tree_, image_.config, path, image_name_);
    if (required) require_complete(c);
    if (!c.error.empty()) {
      plan_.warnings.push_back(c.error);
      continue;
    }
    add_closure(c);
    plan_.warnings.insert(plan_.warnings.end(), c.warnings.begin(), c.warnings.end());
  }
}

RunConfig Planner::run_config() const {
  RunConfig rc = image_.config.config;
  if (options_.entrypoint) rc.entrypoint = *options_.entrypoint;
  if (options_.cmd) rc.cmd = *options_.cmd;
  if (options_.workdir) rc.working_dir = *options_.workdir;
  if (options_.user) rc.user = *options_.user;
  for (const auto& [key, value] : options_.labels) rc.labels[key] = value;
  for (const auto& kv : options_.env) {
    const std::string key = kv.substr(0, kv.find('='));
    auto it = std::find_if(rc.env.begin(), rc.env.end(),
                           [&](const std::string& e) { return e.substr(0, e.find('=')) == key; });
    if (it != rc.env.end()) {
      *it = kv;
    } else {
      rc.env.push_back(kv);
    }
  }
  return rc;
}

Plan Planner::run() {
  Config config = image_.config;
  config.config = run_config();

  plan_.closure = resolved_ ? std::move(*resolved_) : resolve_closure(tree_, config, image_name_);
  const Closure& c = plan_.closure;
  if (c.program_class == ProgramClass::kNone) {
    throw Error::bad_input(image_name_, "the image has no Entrypoint or Cmd",
                           "name the program with --entrypoint");
  }
  require_complete(c);  // an entrypoint that cannot start included
  add_closure(c);
  // What an interpreter reads that no loader names: its standard library, the app's folder.
  std::vector<std::string> runtime_warnings;
  bool runtime_whole = false;
  // Ownership, read once for the runtime rules and the blind spots.
  const PackageDatabase packages = read_package_database(tree_);
  if (const auto runtime = find_runtime(tree_, c, config.config, packages)) {
    runtime_whole = runtime->warnings.empty();
    const std::set<std::string> before = planned_paths();
    for (const auto& f : runtime->files) {
      if (f.tree) {
        add_tree(f.path, f.reason);
      } else {
        add_path(f.path, f.reason);
      }
    }
    runtime_warnings = runtime->warnings;
    add_object_closures(before, false);
  }
  for (auto& [path, e] : entries_) {
    if (e.reason == "entrypoint" || e.reason.starts_with("app ")) e.app = true;
  }
  add_base();
  add_run_folders();
  const std::set<std::string> before_traces = planned_paths();
  add_traces();
  add_object_closures(before_traces, false);
  add_rules();

  if (options_.package_metadata) {
    std::set<std::string> kept;
    // Files and links, not folders: a package whose only trace is a shared folder is gone.
    for (const auto& [path, e] : entries_) {
      if (e.from_image && e.type != EntryType::kDir) kept.insert(path);
    }
    plan_.packages = package_metadata(tree_, kept);
    plan_.warnings.insert(plan_.warnings.end(), plan_.packages.warnings.begin(),
                          plan_.packages.warnings.end());
    for (const auto& f : plan_.packages.files) {
      add_synthesized(f.path, f.content, "package metadata (" + plan_.packages.format + ")");
    }
  }
  for (const auto& rule : options_.drop) {
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (glob_match(rule, it->first)) {
        if (it->second.reason == "entrypoint" || it->second.reason.starts_with("needed by") ||
            it->second.reason.starts_with("interpreter")) {
          plan_.warnings.push_back("--drop " + rule + " removes " + it->first +
                                   ", which the program needs");
        }
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
  }
  // Every mtime is clamped to the epoch the config states; pare's own files get it.
  plan_.epoch = options_.source_date_epoch.value_or(parse_time(image_.config.created).value_or(0));
  for (auto& [path, e] : entries_) {
    e.mtime = e.from_image ? std::min(e.mtime, plan_.epoch) : plan_.epoch;
    if ((e.mode & 06000U) != 0 && e.type == EntryType::kFile) {
      plan_.setuid_dropped.push_back(path);
      e.mode &= ~06000U;
    }
    plan_.entries.push_back(e);
  }

  // Sizes, in total and per top-level folder.
  std::map<std::string, FolderBytes> folders;
  tree_.rootfs.walk([&](const std::string& path, const Node& node) {
    if (node.type != EntryType::kFile) return;
    plan_.before += node.size;
    auto& f = folders[top_folder(path)];
    f.folder = top_folder(path);
    f.before += node.size;
  });
  for (const auto& e : plan_.entries) {
    if (e.type != EntryType::kFile) continue;
    plan_.after += e.size;
    auto& f = folders[top_folder(e.path)];
    f.folder = top_folder(e.path);
    f.after += e.size;
  }
  for (auto& [name, f] : folders) plan_.folders.push_back(f);

  // The config: what the image ran, overrides applied; history says what pare did.
  config.created = format_time(plan_.epoch);
  if (auto it = config.config.unknown.find("Healthcheck"); it != config.config.unknown.end()) {
    const auto& test = it->contains("Test") ? (*it)["Test"] : nlohmann::json();
    std::string program;
    if (test.is_array() && test.size() > 1 && test[0] == "CMD")
      program = test[1].get<std::string>();
    if (test.is_array() && test.size() > 1 && test[0] == "CMD-SHELL") program = "/bin/sh";
    if (!program.empty() && program.starts_with('/') &&
        tree_.rootfs.resolve(program).node != nullptr &&
        !entries_.contains("/" + tree_.rootfs.resolve(program).path)) {
      plan_.warnings.push_back("the Healthcheck runs " + program +
                               ", which the slim image does not have: Healthcheck dropped");
      config.config.unknown.erase(it);
    }
  }
  for (auto& h : config.history) h.empty_layer = true;
  const int layers = options_.layers == 2 ? 2 : 1;
  for (int i = 0; i < layers; ++i) {
    HistoryEntry h;
    h.created = config.created;
    h.created_by =
        options_.created_by + std::string(layers == 2 ? (i == 0 ? " (base)" : " (app)") : "");
    h.comment = "kept " + std::to_string(plan_.entries.size()) + " paths, " +
                std::to_string(plan_.after) + " of " + std::to_string(plan_.before) + " bytes";
    config.history.push_back(h);
  }
  plan_.config = std::move(config);
  plan_.warnings.insert(plan_.warnings.end(), c.warnings.begin(), c.warnings.end());
  if (!options_.trace) {
    std::set<std::string> kept;
    for (const auto& e : plan_.entries) kept.insert(e.path);
    plan_.blind_spots = blind_spots({tree_, c, kept, packages, runtime_warnings, runtime_whole});
  } else {
    plan_.warnings.insert(plan_.warnings.end(), runtime_warnings.begin(), runtime_warnings.end());
  }
  return std::move(plan_);
}

}  // namespace

Capture capture_for_slim(std::string_view path, std::span<const std::byte> head) {
  if (is_package_database(path) || is_runtime_file(path) || path == "etc/passwd" ||
      path == "etc/group") {
    return Capture::kWhole;
  }
  return capture_for_deps(path, head);
}

Plan make_plan(const ImageTree& tree, const Image& image, const SlimOptions& options,
               const std::string& image_name, std::optional<Closure> closure,
               const std::vector<ProbeRun>& traces) {
  return Planner(tree, image, options, image_name, std::move(closure), traces).run();
}

}  // namespace pare
