#include "pare/deps/locales.hpp"

#include <algorithm>
#include <cctype>

#include "resolver_internal.hpp"

namespace pare {

std::optional<EnvLocale> env_locale(const std::vector<std::string>& env) {
  for (const std::string_view variable : {"LC_ALL", "LC_CTYPE", "LANG"}) {
    std::string value;
    bool set = false;
    // The last definition wins, as in a process environment built from the list.
    for (const auto& entry : env) {
      if (entry.size() > variable.size() && entry.starts_with(variable) &&
          entry[variable.size()] == '=') {
        value = entry.substr(variable.size() + 1);
        set = true;
      }
    }
    if (!set || value.empty()) continue;
    if (value == "C" || value == "POSIX") return std::nullopt;
    return EnvLocale{std::string(variable), value};
  }
  return std::nullopt;
}

std::vector<std::string> locale_folder_names(std::string_view name) {
  std::vector<std::string> names{std::string(name)};
  const auto dot = name.find('.');
  if (dot == std::string_view::npos) return names;
  const auto at = name.find('@', dot);
  const std::string_view codeset =
      name.substr(dot + 1, at == std::string_view::npos ? std::string_view::npos : at - dot - 1);
  std::string normalized;
  bool only_digits = true;
  for (const char c : codeset) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalpha(u) != 0) {
      normalized.push_back(static_cast<char>(std::tolower(u)));
      only_digits = false;
    } else if (std::isdigit(u) != 0) {
      normalized.push_back(c);
    }
  }
  if (only_digits) normalized.insert(0, "iso");
  std::string other(name.substr(0, dot + 1));
  other.append(normalized);
  if (at != std::string_view::npos) other.append(name.substr(at));
  if (other != names.front()) names.push_back(std::move(other));
  return names;
}

bool uses_locales(const ElfInfo& info) {
  if (info.soname == "libstdc++.so.6") return true;
  return std::any_of(info.imports.begin(), info.imports.end(), [](const std::string& symbol) {
    return symbol == "setlocale" || symbol == "newlocale";
  });
}

namespace resolver_internal {

void Resolver::keep_locales() {
  const auto user = std::find_if(objects_.begin(), objects_.end(),
                                 [](const Object& o) { return uses_locales(o.info); });
  if (user == objects_.end()) return;
  const std::string folder(kLocaleFolder);
  std::string why = user->path;
  why.append(" uses locales)");
  // C.UTF-8 is what a program picks when it wants UTF-8 and names no language; Debian 12 ships
  // it as C.utf8, others as C.UTF-8.
  for (const char* name : {"C.utf8", "C.UTF-8"}) {
    keep_tree(folder + "/" + name, "locale C.UTF-8 (" + why);
  }
  const auto chosen = env_locale(config_.config.env);
  if (!chosen) return;
  std::string reason = "locale ";
  reason.append(chosen->name).append(" (").append(chosen->variable).append("; ").append(why);
  bool found = false;
  for (const auto& name : locale_folder_names(chosen->name)) {
    const Resolution r = tree_.rootfs.resolve(folder + "/" + name);
    if (r.node == nullptr || r.node->type != EntryType::kDir) continue;
    keep_tree(folder + "/" + name, reason);
    found = true;
  }
  if (!found && tree_.rootfs.resolve(folder + "/locale-archive").node != nullptr) {
    keep(folder + "/locale-archive", reason);
    found = true;
  }
  if (!found) {
    closure_.warnings.push_back(chosen->variable + " names the locale " + chosen->name +
                                ", which is not in " + folder +
                                " (no folder and no locale-archive): setlocale falls back to C");
  }
}

}  // namespace resolver_internal

}  // namespace pare
