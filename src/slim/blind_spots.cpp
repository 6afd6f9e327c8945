#include "pare/slim/blind_spots.hpp"

#include <algorithm>
#include <array>

#include "pare/deps/resolver.hpp"
#include "pare/elf/elf.hpp"
#include "pare/slim/packages.hpp"
#include "pare/util/path.hpp"

namespace pare {

namespace {

constexpr std::string_view kHint =
    ": trace it with --trace (and --probe ARGS for more runs), or keep what it needs with --keep";

/// Libraries of the C library and its loader: they import dlopen for NSS, iconv and the
/// unwinder, which the resolver already keeps.
bool is_libc_family(std::string_view name) {
  constexpr std::array<std::string_view, 13> kFamily = {
      "libc.so",  "libm.so",    "libdl.so",    "libpthread.so", "librt.so",
      "ld-linux", "ld-musl",    "libgcc_s.so", "libstdc++.so",  "libresolv.so",
      "libnss_",  "libutil.so", "libanl.so"};
  return std::ranges::any_of(kFamily, [&](std::string_view p) { return name.starts_with(p); });
}

bool imports(const ImageTree& tree, const std::string& path, std::string_view symbol) {
  const auto elf = read_elf(tree, path);
  return elf && std::binary_search(elf->imports.begin(), elf->imports.end(), symbol);
}

std::string dlopen_spot(const BlindSpotInputs& in) {
  std::vector<std::string> who;
  if (!in.closure.program.empty() && !in.runtime_whole &&
      imports(in.tree, in.closure.program, "dlopen")) {
    who.push_back(in.closure.program);
  }
  for (const Library& lib : in.closure.libraries) {
    if (is_libc_family(lib.name) || lib.path.empty()) continue;
    if (imports(in.tree, lib.path, "dlopen")) who.push_back(lib.path);
  }
  if (who.empty()) return {};
  std::string text = who.front();
  if (who.size() > 1) {
    text.append(" and ").append(std::to_string(who.size() - 1)).append(" more (");
    for (std::size_t i = 1; i < who.size() && i < 4; ++i) {
      text.append(i > 1 ? ", " : "").append(base_name(who[i].substr(1)));
    }
    text.append(who.size() > 4 ? ", ...)" : ")");
  }
  text.append(who.size() > 1 ? " import" : " imports")
      .append(who.size() > 1 ? " dlopen: what they load at run time is not seen"
                             : " dlopen: what it loads at run time is not seen");
  return text.append(kHint);
}

std::string script_spot(const Closure& c) {
  if (c.program_class != ProgramClass::kScript) return {};
  const std::string shell =
      base_name(c.script_interpreter.empty() ? std::string() : c.script_interpreter.substr(1));
  for (std::string_view s : {"sh", "bash", "dash", "ash", "zsh", "ksh", "busybox"}) {
    if (shell == s) {
      return "the entrypoint " + c.program + " is a " + shell +
             " script: the programs it runs are not seen" + std::string(kHint);
    }
  }
  return {};
}

/// The first word of a package name, which packages built from one source share: "nginx" of
/// nginx-light and nginx-common.
std::string_view family(std::string_view name) {
  return name.substr(0, name.find('-'));
}

std::string config_spot(const BlindSpotInputs& in) {
  if (in.closure.program.empty()) return {};
  const PackageDatabase& db = in.packages;
  const Resolution r = in.tree.rootfs.resolve(in.closure.program);
  const InstalledPackage* owner = db.owner(r.node != nullptr ? "/" + r.path : in.closure.program);
  if (owner == nullptr) return {};
  // The owner and the packages of its family it depends on (nginx-light's nginx-common).
  std::vector<const InstalledPackage*> packages{owner};
  for (const auto& need : owner->depends) {
    for (const auto& name : need) {
      const InstalledPackage* p = db.find(name);
      if (p == nullptr) continue;
      if (family(p->name) == family(owner->name) && p != owner) packages.push_back(p);
      break;
    }
  }
  std::vector<std::string> dropped;
  for (const InstalledPackage* p : packages) {
    for (const auto& f : p->files) {
      if (f.starts_with("/etc/") && !in.kept.contains(f)) dropped.push_back(f);
    }
  }
  if (dropped.empty()) return {};
  std::string text = "package " + owner->name + " of " + in.closure.program + " has config files";
  text.append(" the slim image drops (").append(dropped.front());
  if (dropped.size() > 1) {
    text.append(" and ").append(std::to_string(dropped.size() - 1)).append(" more");
  }
  return text.append(")").append(kHint);
}

}  // namespace

std::vector<std::string> blind_spots(const BlindSpotInputs& in) {
  std::vector<std::string> spots;
  if (auto s = dlopen_spot(in); !s.empty()) spots.push_back(std::move(s));
  if (auto s = config_spot(in); !s.empty()) spots.push_back(std::move(s));
  if (auto s = script_spot(in.closure); !s.empty()) spots.push_back(std::move(s));
  for (const auto& w : in.runtime_warnings) spots.push_back(w);
  return spots;
}

}  // namespace pare
