#include "pare/deps/versions.hpp"

#include <algorithm>
#include <cctype>

#include "pare/util/error.hpp"
#include "resolver_internal.hpp"

namespace pare {

namespace {

bool is_digit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

std::string_view prefix_of(std::string_view version) {
  const auto* const digit = std::find_if(version.begin(), version.end(), is_digit);
  return version.substr(0, static_cast<std::size_t>(digit - version.begin()));
}

}  // namespace

bool version_less(std::string_view a, std::string_view b) {
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      // Compare the two digit runs as numbers: leading zeros aside, the longer is larger.
      while (i < a.size() && a[i] == '0') ++i;
      while (j < b.size() && b[j] == '0') ++j;
      std::size_t end_a = i;
      std::size_t end_b = j;
      while (end_a < a.size() && is_digit(a[end_a])) ++end_a;
      while (end_b < b.size() && is_digit(b[end_b])) ++end_b;
      const std::string_view run_a = a.substr(i, end_a - i);
      const std::string_view run_b = b.substr(j, end_b - j);
      if (run_a.size() != run_b.size()) return run_a.size() < run_b.size();
      if (run_a != run_b) return run_a < run_b;
      i = end_a;
      j = end_b;
      continue;
    }
    if (a[i] != b[j]) return a[i] < b[j];
    ++i;
    ++j;
  }
  return a.size() - i < b.size() - j;
}

std::string highest_version_like(const std::vector<std::string>& defined, std::string_view wanted) {
  const std::string_view prefix = prefix_of(wanted);
  std::string highest;
  for (const auto& version : defined) {
    if (prefix_of(version) != prefix) continue;
    if (highest.empty() || version_less(highest, version)) highest = version;
  }
  return highest;
}

namespace resolver_internal {

void Resolver::check_versions() {
  // glibc's dl-version.c: every DT_VERNEED entry of every mapped object against the DT_VERDEF of
  // the object it names; the first version missing stops the program before it runs.
  for (const Object& needer : objects_) {
    for (const VersionNeed& need : needer.info.version_needs) {
      const Object* provider = loaded(need.file);
      if (provider == nullptr) continue;
      const auto& defined = provider->info.version_defs;
      if (defined.empty()) {
        // The library was built without versions (not glibc's): ld.so cannot check, and says
        // so only when asked to be verbose.
        closure_.warnings.push_back(provider->path +
                                    ": no version information available (required by " +
                                    needer.path + ")");
        continue;
      }
      for (const auto& version : need.versions) {
        if (std::find(defined.begin(), defined.end(), version) != defined.end()) continue;
        const std::string highest = highest_version_like(defined, version);
        std::string message = objects_.front().path;
        message.append(": version `")
            .append(version)
            .append("' not found (required by ")
            .append(needer.path)
            .append("; ")
            .append(provider->path)
            .append(highest.empty() ? " defines no version like it" : " defines up to ")
            .append(highest)
            .append(")");
        if (!needer.required || !provider->required) {
          message.append(": dlopen() of ").append(needer.path).append(" fails");
          closure_.warnings.push_back(message);
          continue;
        }
        throw Error::bad_input(image_name_, message);
      }
    }
  }
}

}  // namespace resolver_internal

}  // namespace pare
