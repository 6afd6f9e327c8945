#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pare/elf/elf.hpp"

namespace pare {

/// Where glibc keeps compiled locales when LOCPATH is unset.
inline constexpr std::string_view kLocaleFolder = "/usr/lib/locale";

/// The locale a config's Env selects, and the variable that names it.
struct EnvLocale {
  std::string variable;  ///< "LC_ALL", "LC_CTYPE" or "LANG"
  std::string name;      ///< "en_US.UTF-8"
};

/// The locale setlocale(LC_ALL, "") gives LC_CTYPE: LC_ALL, else LC_CTYPE, else LANG, the first
/// set and non-empty, as glibc reads them. nullopt when none is, or when it names the built-in C
/// or POSIX locale.
std::optional<EnvLocale> env_locale(const std::vector<std::string>& env);

/// The folder names under kLocaleFolder glibc tries for a locale: the name as given, then with
/// its codeset normalized as _nl_normalize_codeset does (lower case, only letters and digits,
/// "iso" before an all-digit one): "en_US.UTF-8" gives {"en_US.UTF-8", "en_US.utf8"}.
std::vector<std::string> locale_folder_names(std::string_view name);

/// True when an object needs locale data at run time: it imports setlocale or newlocale, or it
/// is libstdc++ (std::locale).
bool uses_locales(const ElfInfo& info);

}  // namespace pare
