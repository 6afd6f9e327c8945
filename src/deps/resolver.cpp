#include "pare/deps/resolver.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include "pare/deps/ld_config.hpp"
#include "pare/elf/elf.hpp"
#include "pare/util/error.hpp"
#include "pare/util/path.hpp"
#include "resolver_internal.hpp"

namespace pare {

namespace {

constexpr std::string_view kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
constexpr std::uint16_t kEtDyn = 3;
constexpr std::uint16_t kEmX86_64 = 62;

/// Files whose whole content the resolver reads, by normalized path.
bool is_loader_config(std::string_view path) {
  return path == "etc/ld.so.cache" || path == "etc/ld.so.preload" || path == "etc/nsswitch.conf" ||
         path == "etc/ld.so.conf" || (path.starts_with("etc/ld.so.conf.d/")) ||
         (path.starts_with("etc/ld-musl-") && path.ends_with(".path"));
}

}  // namespace

namespace resolver_internal {

std::optional<std::string> env_value(const std::vector<std::string>& env, std::string_view key) {
  for (const auto& kv : env) {
    if (kv.size() > key.size() && kv.starts_with(key) && kv[key.size()] == '=') {
      return kv.substr(key.size() + 1);
    }
  }
  return std::nullopt;
}

/// Splits on any of `separators`, dropping empty elements.
std::vector<std::string> split(std::string_view text, std::string_view separators) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find_first_of(separators, start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) out.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string absolute(std::string_view normalized) {
  return "/" + std::string(normalized);
}

std::string dir_name(std::string_view path) {
  const auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

std::optional<ElfInfo> Resolver::elf_at(const std::string& path) {
  const Resolution r = tree_.rootfs.resolve(path);
  if (r.node == nullptr) return std::nullopt;
  const std::string key = r.path;
  if (auto it = elf_cache_.find(key); it != elf_cache_.end()) return it->second;
  std::optional<ElfInfo> info = read_elf(tree_, "/" + key);
  elf_cache_[key] = info;
  return info;
}

void Resolver::keep(const std::string& path, const std::string& reason) {
  std::vector<std::string> links;
  const Resolution r = tree_.rootfs.resolve(path, true, &links);
  const std::string target = absolute(r.path);
  for (const auto& link : links) {
    const std::string p = absolute(link);
    if (kept_.insert(p).second) closure_.files.push_back({p, "symlink on the way to " + target});
  }
  if (r.node == nullptr) return;
  if (kept_.insert(target).second) closure_.files.push_back({target, reason, r.node->size});
}

void Resolver::keep_tree(const std::string& path, const std::string& reason) {
  const Resolution r = tree_.rootfs.resolve(path);
  if (r.node == nullptr || r.node->type != EntryType::kDir) return;
  keep(path, reason);
  std::uint64_t total = 0;
  std::function<void(const Node&)> sum = [&](const Node& n) {
    if (n.type == EntryType::kFile) total += n.size;
    for (const auto& [name, child] : n.children) sum(*child);
  };
  sum(*r.node);
  for (auto& f : closure_.files) {
    if (f.path == absolute(r.path)) {
      f.tree = true;
      f.size = total;
    }
  }
}

std::string Resolver::find_program(const std::string& argv0) {
  if (argv0.find('/') != std::string::npos) {
    const std::string full =
        argv0.starts_with('/')
            ? argv0
            : join_path(config_.config.working_dir.empty() ? "/" : config_.config.working_dir,
                        argv0);
    return "/" + clamp_path(full);
  }
  const std::string search =
      env_value(config_.config.env, "PATH").value_or(std::string(kDefaultPath));
  for (const auto& dir : split(search, ":")) {
    std::string candidate = "/" + clamp_path(join_path(dir, argv0));
    const Resolution r = tree_.rootfs.resolve(candidate);
    if (r.node != nullptr && r.node->type != EntryType::kDir) return candidate;
  }
  return {};
}

Closure Resolver::run() {
  closure_.argv = config_.config.entrypoint;
  closure_.argv.insert(closure_.argv.end(), config_.config.cmd.begin(), config_.config.cmd.end());
  if (closure_.argv.empty() || closure_.argv.front().empty()) {
    closure_.program_class = ProgramClass::kNone;
    return closure_;
  }
  const std::string program = find_program(closure_.argv.front());
  if (program.empty()) {
    closure_.program_class = ProgramClass::kMissing;
    closure_.detail = closure_.argv.front() + " is not in any folder of PATH";
    closure_.error = cannot_start_error();
    return closure_;
  }
  closure_.program = program;
  try {
    classify_and_resolve(program, "entrypoint");
  } catch (const Error& e) {
    closure_.error = e.what();
  }
  if (closure_.error.empty()) closure_.error = cannot_start_error();
  // Data a program reads that no loader names: kept when the image has them.
  keep("/etc/ssl/certs/ca-certificates.crt", "CA certificates");
  keep_tree("/usr/share/zoneinfo", "time zone data");
  return closure_;
}

std::string Resolver::cannot_start_error() const {
  if (!cannot_start(closure_.program_class)) return {};
  std::string why;
  switch (closure_.program_class) {
    case ProgramClass::kMissing:
      why = "is missing";
      break;
    case ProgramClass::kNotExecutable:
      why = "is not executable";
      break;
    case ProgramClass::kWrongArchitecture:  // the detail says for which: "built for arm64 .."
      why = closure_.detail.empty() ? "is built for another architecture" : "is";
      break;
    default:  // kNotElf
      why = "is not a program";
      break;
  }
  const std::string program = closure_.program.empty() ? closure_.argv.front() : closure_.program;
  if (!closure_.detail.empty()) {
    why.append(closure_.program_class == ProgramClass::kWrongArchitecture ? " " : ": ")
        .append(closure_.detail);
  }
  return Error::bad_input(image_name_, "the entrypoint " + program + " " + why).what();
}

void Resolver::classify_and_resolve(const std::string& program, const std::string& reason) {
  const Resolution r = tree_.rootfs.resolve(program);
  if (r.node == nullptr) {
    closure_.program_class = ProgramClass::kMissing;
    closure_.detail = std::string(to_string(r.error));
    return;
  }
  const Node& node = *r.node;
  if (node.type != EntryType::kFile && node.type != EntryType::kHardlink) {
    closure_.program_class = ProgramClass::kNotExecutable;
    closure_.detail = node.type == EntryType::kDir ? "a folder" : "not a regular file";
    return;
  }
  if ((node.mode & 0111U) == 0) {
    closure_.program_class = ProgramClass::kNotExecutable;
    closure_.detail = "no execute permission";
    return;
  }
  keep(program, reason);
  const auto head = tree_.head(node);
  if (head && head->size() >= 2 && (*head)[0] == std::byte{'#'} && (*head)[1] == std::byte{'!'}) {
    resolve_script(program, *head);
    return;
  }
  const auto bytes = head && is_elf(*head) ? tree_.read(node) : std::nullopt;
  if (!bytes || !is_elf(*bytes)) {
    closure_.program_class = ProgramClass::kNotElf;
    closure_.detail = "neither an ELF file nor a #! script";
    return;
  }
  const ElfResult parsed = parse_elf(*bytes, tree_.limits);
  if (!parsed.info) {
    closure_.program_class = ProgramClass::kNotElf;
    closure_.detail = "malformed ELF: " + parsed.error;
    return;
  }
  resolve_elf(program, *parsed.info);
}

void Resolver::resolve_script(const std::string& program, std::span<const std::byte> head) {
  // Linux follows at most 4 nested interpreters (binfmt_script recursion limit).
  if (++scripts_ > 4) {
    throw Error::bad_input(image_name_, program + ": more than 4 nested #! interpreters");
  }
  closure_.program_class = ProgramClass::kScript;
  std::string line = to_string(head.subspan(2));
  line = line.substr(0, line.find('\n'));
  auto words = split(line, " \t\r");
  if (words.empty()) {
    closure_.detail = "#! without an interpreter";
    return;
  }
  closure_.detail = "#!" + line;
  std::string interp = words[0];
  if (base_name(interp) == "env" && words.size() > 1) {
    keep(interp, "runs the script's interpreter (#!" + line + ")");
    const std::string found = find_program(words[1]);
    if (found.empty()) {
      closure_.warnings.push_back("the script's interpreter " + words[1] +
                                  " is not in any folder of PATH");
      return;
    }
    interp = found;
  }
  closure_.script_interpreter = interp;
  closure_.warnings.push_back(program + " is a script: pare keeps its interpreter " + interp +
                              " and what that needs, but cannot see what the script itself runs");
  const ProgramClass script = closure_.program_class;
  const std::string detail = closure_.detail;
  // The closure is the interpreter's; the class stays the script's, whatever happens.
  auto restore = [&] {
    closure_.program_class = script;
    closure_.detail = detail;
    closure_.script_interpreter = interp;
  };
  try {
    classify_and_resolve(interp, "script interpreter (#!" + line + ")");
  } catch (const Error&) {
    restore();
    throw;
  }
  const ProgramClass found = closure_.program_class;
  const std::string why = closure_.detail;
  restore();
  if (found == ProgramClass::kMissing || found == ProgramClass::kNotExecutable) {
    throw Error::bad_input(image_name_,
                           "the interpreter " + interp + " of " + program + " is " +
                               (found == ProgramClass::kMissing ? "not in the image" : why));
  }
}

LoaderFlavor Resolver::flavor_for(const ElfInfo& info, const std::string& interp_real) {
  LoaderFlavor f;
  f.musl = base_name(closure_.interpreter).starts_with("ld-musl-");
  const bool arm = info.machine == kEmAarch64;
  const std::string triplet = arm ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
  f.musl_arch = arm ? "aarch64" : "x86_64";
  if (info.machine == kEmX86_64) {
    f.platforms = {"x86_64", "haswell", "xeon_phi"};
    f.hwcaps = {"x86-64-v4", "x86-64-v3", "x86-64-v2"};
  } else if (arm) {
    f.platforms = {"aarch64"};
  }
  // Debian and Ubuntu build glibc with multiarch folders; RHEL, Fedora and Amazon Linux with
  // /lib64. The loader's own location tells which.
  const bool multiarch = interp_real.find("/" + triplet + "/") != std::string::npos ||
                         tree_.rootfs.resolve("/usr/lib/" + triplet).node != nullptr;
  if (multiarch) {
    f.default_dirs = {"/lib/" + triplet, "/usr/lib/" + triplet, "/lib", "/usr/lib"};
    f.lib = "lib/" + triplet;
  } else if (info.elf_class == 64 &&
             (interp_real.starts_with("/lib64/") || interp_real.starts_with("/usr/lib64/"))) {
    f.default_dirs = {"/lib64", "/usr/lib64"};
    f.lib = "lib64";
  } else if (info.elf_class == 64) {
    // A loader in /lib itself: Debian's cross sysroots (/usr/aarch64-linux-gnu) hold it and the
    // libraries there, and their ld.so searches the multiarch folders, then /lib and /usr/lib.
    f.default_dirs = {"/lib/" + triplet, "/usr/lib/" + triplet, "/lib", "/usr/lib"};
    f.lib = "lib";
  } else {
    f.default_dirs = {"/lib", "/usr/lib"};
    f.lib = "lib";
  }
  return f;
}

void Resolver::resolve_elf(const std::string& program, const ElfInfo& info) {
  closure_.machine = machine_name(info.machine);
  closure_.go = info.go;
  const std::string want = config_.architecture;
  const std::string have = oci_architecture(info);
  if (!want.empty() && have != want) {
    closure_.program_class = ProgramClass::kWrongArchitecture;
    closure_.detail = "built for " + (have.empty() ? closure_.machine : have) + " (" +
                      closure_.machine + "), the image is " + config_.platform().str();
    return;
  }
  machine_ = info.machine;
  elf_class_ = info.elf_class;
  switch (info.kind) {
    case ElfKind::kStatic:
      closure_.program_class = ProgramClass::kStatic;
      return;
    case ElfKind::kStaticPie:
      closure_.program_class = ProgramClass::kStaticPie;
      return;
    case ElfKind::kDynamic:
      break;
    case ElfKind::kSharedObject:
      if (!info.interpreter.empty()) break;
      closure_.program_class = ProgramClass::kStaticPie;
      closure_.detail = "a shared object without an interpreter";
      return;
    case ElfKind::kOther:
      closure_.program_class = ProgramClass::kNotElf;
      closure_.detail = "an ELF file that is not an executable";
      return;
  }
  closure_.program_class = ProgramClass::kDynamic;
  map_closure(program, info, info.interpreter, true);
}

/// Maps `program` and what it needs with `loader` as the interpreter: the loader's own objects
/// first, then (when `preload`) LD_PRELOAD and /etc/ld.so.preload, DT_NEEDED breadth first,
/// .note.dlopen libraries, glibc's dlopen()s, and the checks over the whole closure.
void Resolver::map_closure(const std::string& program, const ElfInfo& info,
                           const std::string& loader, bool preload) {
  closure_.interpreter = loader;
  const Resolution interp = tree_.rootfs.resolve(loader);
  if (interp.node == nullptr) {
    throw Error::bad_input(image_name_, "the interpreter " + loader + " of " + program +
                                            " is not in the image (" +
                                            std::string(to_string(interp.error)) + ")");
  }
  keep(loader, loader == info.interpreter ? "interpreter (PT_INTERP) of " + program
                                          : "the loader that maps " + program);
  flavor_ = flavor_for(info, absolute(interp.path));
  closure_.libc = flavor_.musl ? "musl" : "glibc";
  if (!flavor_.musl) {
    if (const Resolution c = tree_.rootfs.resolve("/etc/ld.so.cache"); c.node != nullptr) {
      if (const auto bytes = tree_.read(*c.node)) ld_cache_ = parse_ld_so_cache(*bytes);
    }
  }

  // The program itself: $ORIGIN is its real folder (the kernel resolves /proc/self/exe).
  const Resolution self = tree_.rootfs.resolve(program);
  Object main{program, program, dir_name(absolute(self.path)), info, -1, self.path};
  objects_.push_back(main);
  // The interpreter is mapped already: libc's DT_NEEDED on it matches by SONAME.
  Object rtld{base_name(loader), loader, dir_name(loader), {}, 0, interp.path};
  if (auto rtld_info = elf_at(loader)) rtld.info = *rtld_info;
  objects_.push_back(rtld);

  std::deque<int> queue{0};
  // Preloads: LD_PRELOAD, then /etc/ld.so.preload (glibc only); a miss is ignored with a
  // message, as ld.so does.
  std::vector<std::string> preloads;
  if (auto p = env_value(config_.config.env, "LD_PRELOAD"); p && preload) {
    for (auto& s : split(*p, flavor_.musl ? ": \t\n" : " :")) preloads.push_back(s);
  }
  if (!flavor_.musl && preload) {
    if (const Resolution pre = tree_.rootfs.resolve("/etc/ld.so.preload"); pre.node != nullptr) {
      keep("/etc/ld.so.preload", "libraries every program preloads");
      if (const auto bytes = tree_.read(*pre.node)) {
        for (auto& s : split(to_string(*bytes), " \t\n:")) preloads.push_back(s);
      }
    }
  }
  for (const auto& name : preloads) {
    if (already_loaded(name)) continue;
    std::vector<std::string> searched;
    if (auto found = search(name, 0, searched)) {
      queue.push_back(
          load(name, *found, 0, "preload", "preloaded (LD_PRELOAD or /etc/ld.so.preload)", true));
    } else {
      closure_.warnings.push_back("the preload " + name + " is not in the image; ld.so ignores it");
    }
  }
  load_needs(queue);
  load_dlopen_notes();
  if (flavor_.musl) return;  // musl checks no symbol versions and reads its own locale files
  add_glibc_extras(queue);
  check_versions();
  keep_locales();
}

bool Resolver::already_loaded(const std::string& name) const {
  return aliases_.contains(name) || loaded(name) != nullptr;
}

/// The mapped object a name matches, as glibc's _dl_name_match_p: the name it was asked for, or
/// its SONAME.
const Object* Resolver::loaded(const std::string& name) const {
  const auto it = std::find_if(objects_.begin(), objects_.end(), [&](const Object& o) {
    return o.name == name || (!o.info.soname.empty() && o.info.soname == name);
  });
  return it == objects_.end() ? nullptr : &*it;
}

int Resolver::load(const std::string& name, const std::string& path, int parent,
                   const std::string& via, const std::string& why, bool required) {
  const Resolution r = tree_.rootfs.resolve(path);
  // The same file under another name is one object (glibc compares device and inode).
  for (const Object& loaded : objects_) {
    if (loaded.real == r.path) return -1;
  }
  Object o{name, path, dir_name(path), *elf_at(path), parent, r.path, required};
  objects_.push_back(o);
  closure_.libraries.push_back(
      {name, path, parent >= 0 ? objects_[static_cast<std::size_t>(parent)].path : "", via});
  keep(path, why);
  // Every glibc-hwcaps variant of the library: which one loads depends on the CPU it runs on.
  for (const auto& sub : flavor_.hwcaps) {
    const std::string variant = dir_name(path) + "/glibc-hwcaps/" + sub + "/" + base_name(path);
    if (tree_.rootfs.resolve(variant).node != nullptr)
      keep(variant, "glibc-hwcaps variant of " + path);
  }
  return static_cast<int>(objects_.size() - 1);
}

void Resolver::load_needs(std::deque<int>& queue) {
  while (!queue.empty()) {
    const int index = queue.front();
    queue.pop_front();
    if (index < 0) continue;
    const std::vector<std::string> needed = objects_[static_cast<std::size_t>(index)].info.needed;
    const bool required = objects_[static_cast<std::size_t>(index)].required;
    for (const auto& name : needed) {
      if (already_loaded(name)) continue;
      std::vector<std::string> searched;
      const auto found = search(name, index, searched);
      const std::string& requester = objects_[static_cast<std::size_t>(index)].path;
      if (!found) {
        if (!required) {
          closure_.warnings.push_back(name + ", needed by " + requester + ", is not in the image");
          continue;
        }
        std::string where;
        for (const auto& s : searched) where += (where.empty() ? "" : ", ") + s;
        throw Error::bad_input(
            image_name_, name + ", needed by " + requester + ", is not in the image; searched: " +
                             (where.empty() ? "nothing (no search path)" : where));
      }
      if (flavor_.musl && found->empty()) {
        // A libc name: musl maps the loader itself, and lists it under that name.
        aliases_.insert(name);
        closure_.libraries.push_back({name, closure_.interpreter, requester, "DT_NEEDED"});
        continue;
      }
      queue.push_back(load(name, *found, index, "DT_NEEDED", "needed by " + requester, required));
    }
  }
}

std::vector<std::string> Resolver::expand(const std::string& entry,
                                          const std::string& origin) const {
  std::vector<std::string> out{""};
  std::size_t i = 0;
  while (i < entry.size()) {
    if (entry[i] != '$') {
      for (auto& o : out) o += entry[i];
      ++i;
      continue;
    }
    std::string token;
    std::size_t next = i + 1;
    if (next < entry.size() && entry[next] == '{') {
      const auto close = entry.find('}', next);
      if (close == std::string::npos) return {};
      token = entry.substr(next + 1, close - next - 1);
      next = close + 1;
    } else {
      while (next < entry.size() &&
             (std::isalnum(static_cast<unsigned char>(entry[next])) != 0 || entry[next] == '_')) {
        ++next;
      }
      token = entry.substr(i + 1, next - i - 1);
    }
    std::vector<std::string> values;
    if (token == "ORIGIN") {
      values = {origin};
    } else if (flavor_.musl) {
      return {};  // musl ignores an rpath with any other token
    } else if (token == "LIB") {
      values = {flavor_.lib};
    } else if (token == "PLATFORM") {
      values = flavor_.platforms;
    } else {
      for (auto& o : out) o += entry.substr(i, next - i);  // unknown: kept literally
      i = next;
      continue;
    }
    std::vector<std::string> expanded;
    for (const auto& o : out) {
      for (const auto& v : values) expanded.push_back(o + v);
    }
    out = std::move(expanded);
    i = next;
  }
  return out;
}

std::optional<std::string> Resolver::try_candidate(const std::string& path,
                                                   std::vector<std::string>& searched) {
  const Resolution r = tree_.rootfs.resolve(path);
  if (r.node == nullptr || r.node->type == EntryType::kDir) {
    return std::nullopt;
  }
  const auto info = elf_at(path);
  if (!info) {
    searched.push_back(path + " (not an ELF object)");
    return std::nullopt;
  }
  if (info->machine != machine_ || info->elf_class != elf_class_ || info->type != kEtDyn) {
    searched.push_back(path + " (skipped: " + machine_name(info->machine) + ", " +
                       std::to_string(info->elf_class) + "-bit)");
    return std::nullopt;
  }
  return path;
}

std::optional<std::string> Resolver::search(const std::string& name, int requester,
                                            std::vector<std::string>& searched) {
  const Object& req = objects_[static_cast<std::size_t>(requester)];
  if (name.find('/') != std::string::npos) {
    for (const auto& p : expand(name, req.origin)) {
      const std::string full = p.starts_with('/') ? p : join_path(config_.config.working_dir, p);
      searched.push_back(full);
      if (auto found = try_candidate("/" + clamp_path(full), searched)) return found;
    }
    return std::nullopt;
  }
  if (flavor_.musl) {
    static constexpr std::string_view kLibcNames[] = {"libc.",  "libpthread.", "librt.",  "libm.",
                                                      "libdl.", "libutil.",    "libxnet."};
    if (name == base_name(closure_.interpreter) ||
        std::any_of(std::begin(kLibcNames), std::end(kLibcNames),
                    [&](std::string_view p) { return name.starts_with(p); })) {
      return std::string();
    }
  }

  auto try_dir = [&](const std::string& dir, bool hwcaps) -> std::optional<std::string> {
    if (hwcaps) {
      for (const auto& sub : flavor_.hwcaps) {
        std::string hwcap_dir = dir;
        hwcap_dir.append("/glibc-hwcaps/").append(sub).append("/").append(name);
        const std::string p = std::string("/").append(clamp_path(hwcap_dir));
        if (tree_.rootfs.resolve(p).node != nullptr) {
          if (auto found = try_candidate(p, searched)) return found;
        }
      }
    }
    // As ld.so prints it: the folder and the name joined, ".." left in.
    const std::string p = join_path(dir, name);
    searched.push_back(p);
    return try_candidate(p, searched);
  };
  auto try_dirs = [&](const std::vector<std::string>& entries, const std::string& origin,
                      bool hwcaps) -> std::optional<std::string> {
    for (const auto& entry : entries) {
      for (const auto& dir : expand(entry, origin)) {
        const std::string d = dir.empty() ? config_.config.working_dir : dir;
        if (auto found = try_dir(d.empty() ? "/" : d, hwcaps)) return found;
      }
    }
    return std::nullopt;
  };
  std::vector<std::string> library_path;
  if (auto p = env_value(config_.config.env, "LD_LIBRARY_PATH")) {
    library_path = split(*p, flavor_.musl ? ":" : ":;");
  }
  const std::string& main_origin = objects_.front().origin;

  if (flavor_.musl) {
    if (auto f = try_dirs(library_path, main_origin, false)) return f;
    for (int o = requester; o >= 0; o = objects_[static_cast<std::size_t>(o)].parent) {
      const Object& obj = objects_[static_cast<std::size_t>(o)];
      const auto& rp = obj.info.runpath.empty() ? obj.info.rpath : obj.info.runpath;
      if (auto f = try_dirs(rp, obj.origin, false)) return f;
    }
    // The system path: <prefix>/etc/ld-musl-ARCH.path, prefix = the loader's path less two
    // components; absent means the defaults, empty means none.
    const std::string prefix = dir_name(dir_name(closure_.interpreter));
    const std::string file =
        (prefix == "/" ? "" : prefix) + "/etc/ld-musl-" + flavor_.musl_arch + ".path";
    std::vector<std::string> system = {"/lib", "/usr/local/lib", "/usr/lib"};
    if (const Resolution r = tree_.rootfs.resolve(file); r.node != nullptr) {
      keep(file, "musl's library path");
      const auto bytes = tree_.read(*r.node);
      system = bytes ? split(to_string(*bytes), ":\n") : std::vector<std::string>{};
    }
    return try_dirs(system, "", false);
  }

  // glibc (elf/dl-load.c _dl_map_object): RPATH of the requester and its loaders, unless the
  // requester has RUNPATH; LD_LIBRARY_PATH; the requester's RUNPATH; ld.so.cache; the defaults.
  if (req.info.runpath.empty()) {
    for (int o = requester; o >= 0; o = objects_[static_cast<std::size_t>(o)].parent) {
      const Object& obj = objects_[static_cast<std::size_t>(o)];
      if (auto f = try_dirs(obj.info.rpath, obj.origin, true)) return f;
    }
  }
  if (auto f = try_dirs(library_path, main_origin, true)) return f;
  if (auto f = try_dirs(req.info.runpath, req.origin, true)) return f;
  if (req.info.nodeflib()) return std::nullopt;
  if (!ld_cache_.empty()) {
    const std::uint32_t want = ld_cache_flags(machine_);
    for (const auto& e : ld_cache_) {
      if (e.soname != name) continue;
      if (want != 0 ? (e.flags & 0xffffU) != want : (e.flags & 0xffU) != 3U) continue;
      searched.push_back(e.path + " (ld.so.cache)");
      if (auto f = try_candidate("/" + clamp_path(e.path), searched)) {
        keep("/etc/ld.so.cache", "the loader's cache found " + name + " through it");
        return e.path;
      }
    }
  }
  if (auto f = try_dirs(flavor_.default_dirs, "", true)) return f;
  // ld.so never reads ld.so.conf, only ldconfig does: say so when that is where it is.
  for (const auto& dir : read_ld_so_conf(tree_)) {
    const std::string p = "/" + clamp_path(join_path(dir, name));
    if (tree_.rootfs.resolve(p).node != nullptr) {
      searched.push_back(p + " (listed in /etc/ld.so.conf, but ld.so reads only /etc/ld.so.cache" +
                         (ld_cache_.empty() ? ", which the image lacks" : ", which lacks it") +
                         ")");
    }
  }
  return std::nullopt;
}

}  // namespace resolver_internal

Capture capture_for_deps(std::string_view path, std::span<const std::byte> head) {
  if (is_loader_config(path)) return Capture::kWhole;
  // An ELF object's head says it is one; the object is read again from its layer when a
  // closure needs it, so the bulk of a toolchain's objects is never kept.
  if (is_elf(head)) return Capture::kHead;
  if (head.size() >= 2 && head[0] == std::byte{'#'} && head[1] == std::byte{'!'}) {
    return Capture::kHead;
  }
  return Capture::kNone;
}

Closure resolve_closure(const ImageTree& tree, const Config& config,
                        const std::string& image_name) {
  return resolver_internal::Resolver(tree, config, image_name).run();
}

std::optional<ElfInfo> read_elf(const ImageTree& tree, const std::string& path) {
  const Resolution r = tree.rootfs.resolve(path);
  if (r.node == nullptr) return std::nullopt;
  const auto head = tree.head(*r.node);
  if (!head || !is_elf(*head)) return std::nullopt;
  const auto bytes = tree.read(*r.node);
  if (!bytes || !is_elf(*bytes)) return std::nullopt;
  return parse_elf(*bytes, tree.limits).info;
}

void require_complete(const Closure& closure) {
  if (!closure.error.empty()) throw Error(ExitCode::kBadInput, closure.error);
}

}  // namespace pare
