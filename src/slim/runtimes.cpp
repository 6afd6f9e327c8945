#include "pare/slim/runtimes.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <functional>
#include <map>
#include <set>

#include "pare/slim/packages.hpp"
#include "pare/util/path.hpp"

namespace pare {

namespace {

/// True for "", "3", "3.11", "5.36.0": what may follow an interpreter's name.
bool is_version(std::string_view rest) {
  return std::all_of(rest.begin(), rest.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '.';
  });
}

/// The package names of a runtime's family: what its interpreter's packages may depend on and
/// still be the runtime (libc6 or libssl3 are the ELF closure's).
bool in_family(std::string_view language, std::string_view package) {
  auto any = [&](std::initializer_list<std::string_view> prefixes) {
    return std::any_of(prefixes.begin(), prefixes.end(),
                       [&](std::string_view p) { return package.starts_with(p); });
  };
  if (language == "python") return any({"python", "libpython"});
  if (language == "node") return any({"nodejs", "libnode", "node-"});
  if (language == "perl") return any({"perl", "libperl"});
  if (language == "ruby") return any({"ruby", "libruby"});
  if (language == "java") return any({"openjdk-", "ca-certificates-java"});
  if (language == "php") return any({"php", "libphp"});
  return false;
}

/// Folders an app folder must never be: the root, the top-level ones and the system's own.
bool is_system_folder(std::string_view path) {
  static const std::set<std::string_view> kSystem = {"/",
                                                     "/bin",
                                                     "/boot",
                                                     "/dev",
                                                     "/etc",
                                                     "/lib",
                                                     "/lib32",
                                                     "/lib64",
                                                     "/libx32",
                                                     "/media",
                                                     "/mnt",
                                                     "/proc",
                                                     "/root",
                                                     "/run",
                                                     "/sbin",
                                                     "/sys",
                                                     "/tmp",
                                                     "/usr",
                                                     "/var",
                                                     "/usr/bin",
                                                     "/usr/sbin",
                                                     "/usr/lib",
                                                     "/usr/lib64",
                                                     "/usr/libexec",
                                                     "/usr/share",
                                                     "/usr/include",
                                                     "/usr/src",
                                                     "/usr/local",
                                                     "/usr/local/bin",
                                                     "/usr/local/sbin",
                                                     "/usr/local/lib",
                                                     "/usr/local/share",
                                                     "/usr/local/include",
                                                     "/var/lib",
                                                     "/var/cache",
                                                     "/var/log",
                                                     "/var/tmp",
                                                     "/var/spool"};
  return kSystem.contains(path);
}

std::optional<std::string> env_value(const std::vector<std::string>& env, std::string_view key) {
  for (const auto& kv : env) {
    if (kv.size() > key.size() && kv.starts_with(key) && kv[key.size()] == '=') {
      return kv.substr(key.size() + 1);
    }
  }
  return std::nullopt;
}

std::vector<std::string> split_on(std::string_view text, char separator) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(separator, start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) out.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string_view trim(std::string_view s) {
  const std::size_t first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

/// A path of the image, absolute and normalized ("a/../b" -> "/b").
std::string absolute_of(std::string_view path) {
  std::string out = "/";
  out.append(clamp_path(path));
  return out;
}

/// "/a/b" -> "/a"; "/a" -> "/".
std::string parent_of(const std::string& absolute) {
  const std::string parent = parent_path(absolute.substr(1));
  std::string out = "/";
  out.append(parent);
  return out;
}

/// What the arguments after an interpreter say of the app.
struct AppArguments {
  std::string script;                ///< the script as named; "" when none
  std::string module;                ///< python's -m
  std::vector<std::string> folders;  ///< folders an option names (java -cp, php -t)
};

/// The arguments after the interpreter: options (and the values some take) skipped, the first
/// other argument the script (java: the main class, not a file).
AppArguments read_arguments(std::string_view language, const std::vector<std::string>& argv) {
  // Options whose value is the next argument, and those after which no script follows.
  std::set<std::string_view> valued;
  std::set<std::string_view> ending;
  if (language == "python") {
    valued = {"-X", "-W", "--check-hash-based-pycs"};
    ending = {"-c", "-"};
  } else if (language == "node") {
    valued = {"-r", "--require",    "--import",   "--loader",     "--experimental-loader",
              "-C", "--conditions", "--env-file", "--input-type", "--title"};
    ending = {"-e", "--eval", "-p", "--print", "-"};
  } else if (language == "perl") {
    ending = {"-e", "-E", "-"};
  } else if (language == "ruby") {
    valued = {"-I", "-r", "-C", "-E", "--encoding"};
    ending = {"-e", "-"};
  } else if (language == "php") {
    valued = {"-c", "-d", "-z", "-S"};
    ending = {"-r", "-a", "-"};
  } else if (language == "java") {
    valued = {"--add-modules", "--add-opens", "--add-exports", "--add-reads"};
    ending = {"-m", "--module"};
  }
  AppArguments out;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    const bool has_next = i + 1 < argv.size();
    if (arg == "--") {
      if (has_next && language != "java") out.script = argv[i + 1];
      break;
    }
    if (ending.contains(arg)) break;
    if (language == "python" && arg == "-m") {
      if (has_next) out.module = argv[i + 1];
      break;
    }
    if (language == "java" && arg == "-jar") {
      if (has_next) out.script = argv[i + 1];
      break;
    }
    if (language == "java" && (arg == "-cp" || arg == "-classpath" || arg == "--class-path")) {
      if (has_next) {
        for (auto& entry : split_on(argv[++i], ':')) out.folders.push_back(std::move(entry));
      }
      continue;
    }
    if (language == "php" && arg == "-t") {
      if (has_next) out.folders.push_back(argv[++i]);
      continue;
    }
    if (valued.contains(arg)) {
      ++i;
      continue;
    }
    if (arg.starts_with('-') && arg.size() > 1) continue;
    if (language != "java") out.script = arg;
    break;
  }
  return out;
}

/// Finds a runtime and what it keeps.
class Finder {
 public:
  Finder(const ImageTree& tree, const Closure& closure, const RunConfig& run,
         const PackageDatabase& packages)
      : tree_(tree), closure_(closure), run_(run), packages_(packages) {}

  std::optional<Runtime> run() {
    const bool script = closure_.program_class == ProgramClass::kScript;
    named_ = script ? closure_.script_interpreter : closure_.program;
    if (named_.empty()) return std::nullopt;
    std::vector<std::string> links;
    const Resolution r = tree_.rootfs.resolve(named_, true, &links);
    if (r.node == nullptr || r.node->type == EntryType::kDir) return std::nullopt;
    rt_.interpreter = "/" + r.path;
    rt_.language = std::string(runtime_language(base_name(r.path)));
    if (rt_.language.empty()) rt_.language = std::string(runtime_language(base_name(named_)));
    if (rt_.language.empty()) return std::nullopt;
    workdir_ = absolute_of(run_.working_dir.empty() ? "/" : run_.working_dir);
    if (rt_.language == "python") rt_.version = python_version();

    if (!keep_packages(links)) keep_folders();
    keep_always();
    keep_app(script);
    keep_installed();
    keep_link_targets();
    return std::move(rt_);
  }

 private:
  /// "python runtime", "node runtime", ...
  std::string what(std::string_view part) const {
    std::string out = rt_.language;
    out.append(" ").append(part);
    return out;
  }

  /// X.Y from pythonX.Y, else from the libpythonX.Y the interpreter needs, else from the one
  /// /usr/lib/pythonX.Y or /usr/local/lib/pythonX.Y holding os.py.
  std::string python_version() const {
    auto after = [](std::string_view name, std::string_view prefix) -> std::string {
      if (!name.starts_with(prefix)) return {};
      name.remove_prefix(prefix.size());
      const std::size_t end = name.find_first_not_of("0123456789.");
      std::string v(name.substr(0, end));
      while (!v.empty() && v.back() == '.') v.pop_back();
      return v.find('.') == std::string::npos ? std::string() : v;
    };
    if (auto v = after(base_name(rt_.interpreter.substr(1)), "python"); !v.empty()) return v;
    for (const auto& lib : closure_.libraries) {
      if (auto v = after(lib.name, "libpython"); !v.empty()) return v;
    }
    for (const char* dir : {"usr/lib", "usr/local/lib"}) {
      const Resolution d = tree_.rootfs.resolve(dir);
      if (d.node == nullptr) continue;
      for (const auto& [name, child] : d.node->children) {
        if (auto v = after(name, "python"); !v.empty() && child->children.contains("os.py")) {
          return v;
        }
      }
    }
    return {};
  }

  /// The absolute real path of an existing path; nullopt when it is missing.
  std::optional<std::string> real(const std::string& path) const {
    const Resolution r = tree_.rootfs.resolve(path);
    if (r.node == nullptr) return std::nullopt;
    return "/" + r.path;
  }

  bool is_dir(const std::string& path) const {
    const Resolution r = tree_.rootfs.resolve(path);
    return r.node != nullptr && r.node->type == EntryType::kDir;
  }

  /// True when a real path is at or below a folder kept whole.
  bool covered(const std::string& real_path) const {
    return std::any_of(trees_.begin(), trees_.end(), [&](const std::string& t) {
      return real_path == t || t == "/" ||
             (real_path.starts_with(t) && real_path.size() > t.size() &&
              real_path[t.size()] == '/');
    });
  }

  /// Keeps a path as it is named (links on the way come with it) when the image has it.
  void keep_file(const std::string& path, const std::string& reason) {
    const Resolution r = tree_.rootfs.resolve(path);
    if (r.node == nullptr) return;
    const std::string target = "/" + r.path;
    if (!files_.insert(path).second || (path == target && covered(target))) return;
    rt_.files.push_back({path, reason, r.node->size, false});
  }

  /// Keeps a folder whole; false when it is missing or not a folder.
  bool keep_tree(const std::string& path, const std::string& reason) {
    const Resolution r = tree_.rootfs.resolve(path);
    if (r.node == nullptr || r.node->type != EntryType::kDir) return false;
    const std::string target = "/" + r.path;
    if (covered(target)) return true;
    std::uint64_t total = 0;
    std::function<void(const Node&)> sum = [&](const Node& n) {
      if (n.type == EntryType::kFile) total += n.size;
      for (const auto& [name, child] : n.children) sum(*child);
    };
    sum(*r.node);
    trees_.push_back(target);
    rt_.files.push_back({path, reason, total, true});
    return true;
  }

  /// Every path a glob-like pattern ("/usr/lib/*-linux-*/perl*") names in the image.
  std::vector<std::string> expand(std::string_view pattern) const {
    std::vector<std::string> current = {""};
    for (const auto part : split_path(pattern)) {
      std::vector<std::string> next;
      for (const auto& base : current) {
        if (part.find_first_of("*?[") == std::string_view::npos) {
          next.push_back(join_path(base, part));
          continue;
        }
        const Resolution r = tree_.rootfs.resolve(base);
        if (r.node == nullptr || r.node->type != EntryType::kDir) continue;
        const std::string glob(part);
        for (const auto& [name, child] : r.node->children) {
          if (::fnmatch(glob.c_str(), name.c_str(), 0) == 0) next.push_back(join_path(base, name));
        }
      }
      current = std::move(next);
    }
    std::vector<std::string> out;
    out.reserve(current.size());
    for (const auto& p : current) {
      if (tree_.rootfs.resolve(p).node != nullptr) out.push_back("/" + p);
    }
    return out;
  }

  /// The packages that own the interpreter, the links to it and the runtime libraries it
  /// needs, and the runtime's packages those depend on. False when no package owns the
  /// interpreter.
  bool keep_packages(const std::vector<std::string>& links) {
    const PackageDatabase& db = packages_;
    const InstalledPackage* owner = db.owner(rt_.interpreter);
    if (owner == nullptr) {
      no_owner_ = db.packages.empty() ? "no package database lists it"
                                      : "no package owns " + rt_.interpreter;
      return false;
    }
    std::vector<const InstalledPackage*> order;
    std::deque<const InstalledPackage*> pending;
    std::set<std::string> seen;
    auto add = [&](const InstalledPackage* p, bool any_name) {
      if (p == nullptr || (!any_name && !in_family(rt_.language, p->name))) return;
      if (!seen.insert(p->name).second) return;
      order.push_back(p);
      pending.push_back(p);
    };
    add(owner, true);
    for (const auto& link : links) add(db.owner("/" + link), false);
    for (const auto& lib : closure_.libraries) {
      if (auto path = real(lib.path)) add(db.owner(*path), false);
    }
    // The umbrella packages of the version, which bring the whole standard library (Debian's
    // python3.11-minimal has only part of it; perl-base only perl's core).
    if (rt_.language == "python" && !rt_.version.empty()) {
      const std::string name = "python" + rt_.version;
      if (const auto* p = db.find(name); p != nullptr && p->name == name) {
        add(p, false);
      }
    }
    if (rt_.language == "perl") {
      if (const auto* p = db.find("perl"); p != nullptr && p->name == "perl") {
        add(p, false);
      }
    }
    while (!pending.empty()) {
      const InstalledPackage& p = *pending.front();
      pending.pop_front();
      for (const auto& alternatives : p.depends) {
        // The first alternative installed is the one that counts.
        for (const auto& name : alternatives) {
          if (const InstalledPackage* found = db.find(name)) {
            add(found, false);
            break;
          }
        }
      }
    }
    std::vector<std::string> unlisted;
    std::map<std::string, std::string> caches;  // a folder of modules -> its first package
    for (const InstalledPackage* p : order) {
      if (!p->listed) unlisted.push_back(p->name);
      const std::string reason = what("runtime: package ").append(p->name);
      for (const auto& f : p->files) {
        keep_file(f, reason);
        if (f.ends_with(".py")) caches.emplace(parent_of(f), p->name);
      }
    }
    // Debian compiles a package's modules when installing it: the .pyc files no list names.
    for (const auto& [folder, package] : caches) {
      std::string cache = folder;
      cache.append(folder == "/" ? "" : "/").append("__pycache__");
      keep_tree(cache, what("runtime: compiled modules of package ").append(package));
    }
    if (!unlisted.empty()) {
      std::string w = what("runtime: no file list names the files of ");
      w.append(unlisted.front()).append(unlisted.size() > 1 ? " and others" : "");
      w.append("; they are not kept (pare slim --trace sees what the program opens)");
      rt_.warnings.push_back(std::move(w));
    }
    return true;
  }

  /// The folders a runtime installed from source (or without a database) keeps itself in.
  void keep_folders() {
    // <prefix>/bin/<interpreter> -> <prefix>, as ./configure --prefix lays it out.
    const std::string prefix = parent_of(parent_of(rt_.interpreter));
    const std::string at = prefix == "/" ? "" : prefix;
    const std::string& v = rt_.version;
    std::vector<std::string> patterns;
    if (rt_.language == "python") {
      const std::string name = v.empty() ? "python3.*" : "python" + v;
      patterns = {"/usr/lib/" + name, "/usr/local/lib/" + name, at + "/lib/" + name};
    } else if (rt_.language == "node") {
      patterns = {"/usr/lib/node_modules", "/usr/local/lib/node_modules", at + "/lib/node_modules"};
    } else if (rt_.language == "perl") {
      patterns = {"/usr/lib/*-linux-*/perl*", "/usr/share/perl*",     "/usr/local/lib/*/perl",
                  "/usr/local/share/perl",    "/usr/local/lib/perl5", at + "/lib/perl5"};
    } else if (rt_.language == "ruby") {
      patterns = {"/usr/lib/ruby", "/usr/local/lib/ruby", "/usr/lib/*-linux-*/ruby",
                  at + "/lib/ruby"};
    } else if (rt_.language == "php") {
      patterns = {"/usr/lib/php", "/usr/share/php", "/usr/local/lib/php", "/usr/local/etc/php"};
    }
    bool found = rt_.language == "java" || rt_.language == "php";
    for (const auto& pattern : patterns) {
      for (const auto& path : expand(pattern)) {
        found = keep_tree(path, what("runtime folder (").append(no_owner_).append(")")) || found;
      }
    }
    if (!found && !patterns.empty()) {
      std::string w = what("runtime found only partly: ");
      w.append(no_owner_).append(" and ").append(patterns.front()).append(" is missing");
      w.append("; only the interpreter and its libraries are kept (pare slim --trace sees what ");
      w.append("it opens, --keep keeps more)");
      rt_.warnings.push_back(std::move(w));
    }
  }

  /// What a runtime needs whether or not a package owns it.
  void keep_always() {
    if (rt_.language == "java") {
      // JAVA_HOME: bin/java's folder's folder (jre/bin/java for Java 8: the jre).
      const std::string home = parent_of(parent_of(rt_.interpreter));
      if (is_system_folder(home)) {
        rt_.warnings.push_back("java runtime: JAVA_HOME would be " + home +
                               ", a system folder: not kept whole");
      } else {
        keep_tree(home, "java runtime: JAVA_HOME " + home);
      }
    }
    if (rt_.language == "php") {
      // phpenmod's conf.d links, which no file list names, load the extensions.
      keep_tree("/etc/php", "php configuration");
      keep_tree("/usr/local/etc/php", "php configuration");
    }
  }

  void keep_app_folder(const std::string& path, const std::string& why) {
    const auto target = real(path);
    if (!target || !is_dir(*target)) return;
    if (is_system_folder(*target)) {
      rt_.warnings.push_back(what("app: ").append(why).append(" is ").append(*target).append(
          ", a system folder: not kept whole; --keep keeps what else the app reads"));
      return;
    }
    keep_tree(*target, "app folder " + *target + " (" + why + ")");
  }

  /// An argument's path: absolute, or against WorkingDir.
  std::string against_workdir(const std::string& arg) const {
    return arg.starts_with('/') ? absolute_of(arg) : absolute_of(join_path(workdir_, arg));
  }

  bool holds_files(const Node& node) const {
    return std::any_of(node.children.begin(), node.children.end(), [&](const auto& child) {
      return child.second->type != EntryType::kDir || holds_files(*child.second);
    });
  }

  void keep_app(bool script) {
    AppArguments args;
    if (script) {
      args.script = closure_.program;
    } else {
      args = read_arguments(rt_.language, closure_.argv);
    }
    if (!args.script.empty()) {
      const std::string path = against_workdir(args.script);
      const Resolution r = tree_.rootfs.resolve(path);
      if (r.node != nullptr && r.node->type != EntryType::kDir) {
        keep_file(path, "app script (run by " + rt_.interpreter + ")");
        const std::string folder = parent_of("/" + r.path);
        module_starts_.push_back(folder);
        keep_app_folder(folder, "the script's folder");
      } else {
        rt_.warnings.push_back(
            what("would run ").append(args.script).append(", which is not a file of the image"));
      }
    }
    if (!args.module.empty()) {
      // python -m finds the module in sys.path, which starts with WorkingDir.
      const std::string top = args.module.substr(0, args.module.find('.'));
      const std::string package = against_workdir(top);
      if (is_system_folder(package)) {
        rt_.warnings.push_back("python app: the package of -m " + args.module + " is " + package +
                               ", a system folder: not kept whole");
      } else if (!keep_tree(package, "app package " + top + " (python -m)")) {
        keep_file(against_workdir(top + ".py"), "app module " + top + " (python -m)");
      }
    }
    for (const auto& entry : args.folders) {
      std::string path = against_workdir(entry);
      if (path.ends_with("/*")) path = parent_of(path);  // java's "lib/*": every jar there
      if (is_dir(path)) {
        keep_app_folder(path, "named by an option");
      } else {
        keep_file(path, "app file (named by an option)");
      }
    }
    if (workdir_ != "/") {
      const Resolution r = tree_.rootfs.resolve(workdir_);
      if (r.node != nullptr && r.node->type == EntryType::kDir)
        module_starts_.push_back("/" + r.path);
      if (r.node != nullptr && r.node->type == EntryType::kDir && holds_files(*r.node)) {
        keep_app_folder(workdir_, "WorkingDir");
      }
    }
  }

  /// Keeps the entries of a PATH-like variable of Env.
  void keep_env_path(std::string_view variable, const std::string& reason_what) {
    const auto value = env_value(run_.env, variable);
    if (!value) return;
    for (const auto& entry : split_on(*value, ':')) {
      if (!entry.starts_with('/')) continue;
      const std::string path = absolute_of(entry);
      std::string reason = what(reason_what);
      reason.append(" (").append(variable).append(")");
      if (is_dir(path)) {
        if (is_system_folder(*real(path))) continue;  // its own files are kept otherwise
        keep_tree(path, reason);
      } else {
        keep_file(path, reason);
      }
    }
  }

  void keep_installed() {
    if (rt_.language == "python") keep_python_packages();
    if (rt_.language == "node") {
      for (const auto& start : module_starts_) {
        // require() looks in node_modules of the script's folder and of every folder above.
        for (std::string dir = start;; dir = parent_of(dir)) {
          const std::string modules = dir == "/" ? "/node_modules" : dir + "/node_modules";
          keep_tree(modules, "node packages " + modules);
          if (dir == "/") break;
        }
      }
      keep_env_path("NODE_PATH", "packages");
    }
    if (rt_.language == "ruby") {
      for (const char* dir : {"/usr/lib/ruby/gems", "/usr/lib/ruby/vendor_ruby", "/var/lib/gems",
                              "/usr/share/rubygems-integration", "/usr/local/lib/ruby/gems"}) {
        keep_tree(dir, what("packages ").append(dir));
      }
      keep_env_path("GEM_HOME", "packages");
      keep_env_path("GEM_PATH", "packages");
    }
    if (rt_.language == "perl") {
      for (const char* pattern :
           {"/usr/local/lib/*-linux-*/perl", "/usr/local/share/perl", "/usr/local/lib/perl5"}) {
        for (const auto& path : expand(pattern)) keep_tree(path, what("packages ").append(path));
      }
      keep_env_path("PERL5LIB", "packages");
      keep_env_path("PERLLIB", "packages");
    }
    if (rt_.language == "java") keep_env_path("CLASSPATH", "classes");
  }

  void keep_python_packages() {
    std::vector<std::string> sites;
    const std::string name = rt_.version.empty() ? "python3*" : "python" + rt_.version;
    std::vector<std::string> patterns = {"/usr/lib/python3/dist-packages",
                                         "/usr/local/lib/python3/dist-packages"};
    for (const char* prefix : {"/usr/lib/", "/usr/local/lib/"}) {
      for (const char* site : {"/site-packages", "/dist-packages"}) {
        patterns.push_back(std::string(prefix).append(name).append(site));
      }
    }
    for (const auto& pattern : patterns) {
      for (const auto& path : expand(pattern)) {
        if (keep_tree(path, what("packages ").append(path))) sites.push_back(path);
      }
    }
    // A venv: pyvenv.cfg beside the interpreter as named, or one folder above (CPython's
    // site.py looks there, before any link is resolved).
    const std::string bin = parent_of(absolute_of(named_));
    for (const std::string& home : std::vector<std::string>{bin, parent_of(bin)}) {
      if (home == "/" || !real(join_path(home, "pyvenv.cfg"))) continue;
      keep_tree(home, "python packages: the venv " + home);
      for (const auto& path : expand(home + "/lib/python3*/site-packages")) sites.push_back(path);
      break;
    }
    keep_env_path("PYTHONPATH", "packages");
    // A .pth file's lines are folders added to sys.path; "import" lines are code.
    for (const auto& site : sites) {
      const Resolution r = tree_.rootfs.resolve(site);
      if (r.node == nullptr) continue;
      for (const auto& [file, node] : r.node->children) {
        if (!file.ends_with(".pth") || node->type != EntryType::kFile) continue;
        const auto bytes = tree_.read(*node);
        if (!bytes) continue;
        std::string text(bytes->size(), '\0');
        std::transform(bytes->begin(), bytes->end(), text.begin(),
                       [](std::byte b) { return static_cast<char>(b); });
        for (const auto& raw : split_on(text, '\n')) {
          const std::string_view line = trim(raw);
          if (line.empty() || line.starts_with('#') || line.starts_with("import ") ||
              line.starts_with("import\t")) {
            continue;
          }
          const std::string path =
              line.starts_with('/') ? absolute_of(line) : absolute_of(join_path(site, line));
          const auto target = real(path);
          if (!target || !is_dir(*target) || is_system_folder(*target)) continue;
          keep_tree(path, "python packages: named by " + site + "/" + file);
        }
      }
    }
  }

  /// Links in the folders kept whole that point out of them: their targets, which the
  /// runtime reads through them (JAVA_HOME's conf links into /etc, a venv's python).
  void keep_link_targets() {
    const std::vector<std::string> trees = trees_;
    for (const auto& t : trees) {
      const Resolution r = tree_.rootfs.resolve(t);
      if (r.node == nullptr) continue;
      std::function<void(const std::string&, const Node&)> walk = [&](const std::string& base,
                                                                      const Node& n) {
        for (const auto& [name, child] : n.children) {
          const std::string p = base + "/" + name;
          if (child->type == EntryType::kSymlink) {
            const auto target = real(p);
            if (target && !covered(*target) && !is_dir(*target)) {
              keep_file(p, what("runtime: target of the link ").append(p));
            }
          } else if (child->type == EntryType::kDir) {
            walk(p, *child);
          }
        }
      };
      walk(t == "/" ? "" : t, *r.node);
    }
  }

  const ImageTree& tree_;
  const Closure& closure_;
  const RunConfig& run_;
  const PackageDatabase& packages_;
  Runtime rt_;
  std::string named_;    ///< the interpreter as the config or the "#!" line names it
  std::string workdir_;  ///< absolute, normalized
  std::string no_owner_;
  std::vector<std::string> trees_;          ///< real paths of the folders kept whole
  std::set<std::string> files_;             ///< paths kept one by one
  std::vector<std::string> module_starts_;  ///< real paths: the script's folder, WorkingDir
};

}  // namespace

std::string_view runtime_language(std::string_view name) {
  auto versioned = [&](std::string_view stem) {
    return name.starts_with(stem) && is_version(name.substr(stem.size()));
  };
  if (versioned("python")) return "python";
  if (name == "node" || name == "nodejs") return "node";
  if (versioned("perl")) return "perl";
  if (versioned("ruby")) return "ruby";
  if (name == "java") return "java";
  if (versioned("php") || name.starts_with("php-fpm") || name.starts_with("php-cgi")) return "php";
  return {};
}

bool is_runtime_file(std::string_view path) {
  return path.ends_with(".pth") && (path.find("-packages/") != std::string_view::npos);
}

std::optional<Runtime> find_runtime(const ImageTree& tree, const Closure& closure,
                                    const RunConfig& run, const PackageDatabase& packages) {
  return Finder(tree, closure, run, packages).run();
}

}  // namespace pare
