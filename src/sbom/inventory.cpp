#include "pare/sbom/inventory.hpp"

#include <algorithm>
#include <ctime>
#include <optional>
#include <tuple>

#include "pare/deps/resolver.hpp"
#include "pare/util/error.hpp"
#include "pare/util/time.hpp"

namespace pare {

namespace {

/// A config's RFC 3339 `created` as seconds since the epoch, its zone offset applied; nullopt
/// when it is not RFC 3339 (or absent).
std::optional<std::int64_t> seconds_of(std::string_view created) {
  if (!is_rfc3339(created)) return std::nullopt;
  const auto number = [&](std::size_t pos, std::size_t count) {
    int v = 0;
    for (std::size_t i = pos; i < pos + count; ++i) v = v * 10 + (created[i] - '0');
    return v;
  };
  std::tm tm{};
  tm.tm_year = number(0, 4) - 1900;
  tm.tm_mon = number(5, 2) - 1;
  tm.tm_mday = number(8, 2);
  tm.tm_hour = number(11, 2);
  tm.tm_min = number(14, 2);
  tm.tm_sec = number(17, 2);
  std::int64_t seconds = ::timegm(&tm);
  if (created.back() != 'Z') {  // is_rfc3339: the zone is then the last six characters
    const std::size_t zone = created.size() - 6;
    const std::int64_t offset = number(zone + 1, 2) * 3600 + number(zone + 4, 2) * 60;
    seconds += created[zone] == '+' ? -offset : offset;
  }
  return seconds;
}

bool is_regular(const Node* node) {
  return node != nullptr && (node->type == EntryType::kFile || node->type == EntryType::kHardlink);
}

/// The real path of the regular file `path` names in `tree` (symlinks followed inside it).
std::optional<std::string> regular_file(const ImageTree& tree, const std::string& path) {
  if (path.empty()) return std::nullopt;
  const Resolution r = tree.rootfs.resolve(path);
  if (!is_regular(r.node)) return std::nullopt;
  return "/" + r.path;
}

/// Sorted, a package listed twice (two databases) once with the files of both.
void sort_packages(std::vector<InventoryPackage>& packages) {
  const auto key = [](const InventoryPackage& p) {
    return std::tie(p.name, p.architecture, p.version);
  };
  std::sort(packages.begin(), packages.end(),
            [&](const auto& a, const auto& b) { return key(a) < key(b); });
  std::vector<InventoryPackage> out;
  for (auto& p : packages) {
    if (out.empty() || key(out.back()) != key(p)) {
      out.push_back(std::move(p));
      continue;
    }
    InventoryPackage& kept = out.back();
    kept.files.insert(kept.files.end(), p.files.begin(), p.files.end());
    std::sort(kept.files.begin(), kept.files.end());
    kept.files.erase(std::unique(kept.files.begin(), kept.files.end()), kept.files.end());
    kept.listed = kept.listed || p.listed;
  }
  packages = std::move(out);
}

/// "/work/out/app.tar" -> "app": what names an image that has no name of its own (a ':' would
/// read as a tag).
std::string file_stem(const std::string& input) {
  std::string stem = input.substr(input.rfind('/') + 1);
  if (const std::size_t dot = stem.find('.'); dot != 0 && dot != std::string::npos) {
    stem.resize(dot);
  }
  std::replace(stem.begin(), stem.end(), ':', '-');
  return stem.empty() ? "image" : stem;
}

}  // namespace

Inventory inventory_of(const Image& image, const ImageTree& tree, const std::string& input,
                       std::optional<std::int64_t> epoch) {
  Inventory inventory;
  // A name with no repository ("latest") is an OCI layout's tag, not a name.
  const auto named = std::find_if(image.names.begin(), image.names.end(), [](const auto& n) {
    return n.find_first_of(":/") != std::string::npos;
  });
  if (named != image.names.end()) {
    inventory.name = *named;
    inventory.reference = *named;
  } else {
    inventory.name = input;
    inventory.reference = file_stem(input);
    if (!image.names.empty()) inventory.reference += ":" + image.names.front();
  }
  inventory.digest = image.manifest ? image.manifest->digest : image.config_digest;
  inventory.architecture = image.config.architecture;
  inventory.created = epoch.value_or(seconds_of(image.config.created).value_or(0));
  inventory.os = read_os_release(tree);
  tree.rootfs.walk([&](const std::string& path, const Node& node) {
    if (!is_regular(&node)) return;
    if (node.sha256.empty() || node.sha1.empty()) {
      throw Error(ExitCode::kSystem, path + ": the image tree was read without hashing its files");
    }
    inventory.files.push_back({path, node.sha256, node.sha1});
  });
  return inventory;  // walk() visits names in byte order: the files are sorted by path
}

std::vector<InventoryPackage> inventory_packages(const PackageDatabase& database) {
  std::vector<InventoryPackage> out;
  out.reserve(database.packages.size());
  for (const auto& p : database.packages) {
    out.push_back({p.name, p.version, p.architecture, p.files, p.listed});
  }
  sort_packages(out);
  return out;
}

std::vector<InventoryPackage> inventory_packages(const std::vector<KeptPackage>& kept,
                                                 const ImageTree& tree) {
  std::vector<InventoryPackage> out;
  for (const auto& p : kept) {
    InventoryPackage package{p.name, p.version, p.architecture, {}, true};
    for (const auto& path : p.kept_paths) {
      if (tree.rootfs.find(path) != nullptr) package.files.push_back(path);
    }
    if (!package.files.empty()) out.push_back(std::move(package));
  }
  sort_packages(out);
  return out;
}

void set_program(Inventory& inventory, const Closure& closure, const ImageTree& tree) {
  const auto program = regular_file(tree, closure.program);
  if (!program) return;
  inventory.program = *program;
  std::vector<std::string> wanted{closure.interpreter, closure.script_interpreter};
  for (const auto& library : closure.libraries) wanted.push_back(library.path);
  for (const auto& path : wanted) {
    const auto real = regular_file(tree, path);
    if (real && *real != *program) inventory.program_needs.push_back(*real);
  }
  auto& needs = inventory.program_needs;
  std::sort(needs.begin(), needs.end());
  needs.erase(std::unique(needs.begin(), needs.end()), needs.end());
}

Capture capture_for_sbom(std::string_view path, std::span<const std::byte> head) {
  if (is_package_database(path) || is_os_release(path)) return Capture::kWhole;
  return capture_for_deps(path, head);
}

}  // namespace pare
