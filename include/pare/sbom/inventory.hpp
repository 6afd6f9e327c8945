#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pare/deps/closure.hpp"
#include "pare/digest/digest.hpp"
#include "pare/fs/image_tree.hpp"
#include "pare/image/image.hpp"
#include "pare/sbom/os_release.hpp"
#include "pare/slim/packages.hpp"

namespace pare {

/// A regular file of an image and its digests (hex).
struct InventoryFile {
  std::string path;  ///< absolute, as the merged tree has it
  std::string sha256;
  std::string sha1;
};

/// A package of the image's database and the files it owns.
struct InventoryPackage {
  std::string name;
  std::string version;
  std::string architecture;
  /// Absolute real paths it lists that the image has (files and links; folders own nothing),
  /// sorted.
  std::vector<std::string> files;
  bool listed = true;  ///< false: the database has no file list for it, so its files are unknown
};

/// What an SBOM states of one image, however it was learnt (the image read, or a slim output
/// and its plan): a value, so the document is a pure function of it.
struct Inventory {
  /// The image's name (its first RepoTag or ref name with a ':' or a '/': more than an OCI
  /// layout's bare tag), else the input.
  std::string name;
  /// What its pkg:oci purl is made of: the image's name, else the input's file stem with the
  /// bare tag an OCI layout's ref.name gives ("app.tar" with ref.name latest: "app:latest").
  std::string reference;
  Digest digest;  ///< the manifest's (a docker-save without one: the config's)
  std::string architecture;
  std::int64_t created = 0;    ///< seconds since the epoch
  std::string package_format;  ///< PackageDatabase::format: "dpkg", "dpkg-status.d", "apk", ""
  OsRelease os;
  std::vector<InventoryPackage> packages;  ///< sorted by name, architecture, version
  std::vector<InventoryFile> files;        ///< every regular file, sorted by path
  std::string program;                     ///< the entrypoint's real path; empty when none
  /// The real paths of the objects the program's loader maps (its interpreter and libraries,
  /// those of a script's interpreter), sorted.
  std::vector<std::string> program_needs;
};

/// The name, digest, architecture, created time (`epoch` when given, else the config's
/// `created`, else 0) and os-release of `image`, and every regular file of `tree` (built with
/// BuildTreeOptions::hash_files). `input` names the image when it has no name. Throws Error
/// (exit 4) when the tree was not hashed, and what read_os_release throws.
Inventory inventory_of(const Image& image, const ImageTree& tree, const std::string& input,
                       std::optional<std::int64_t> epoch);

/// The packages of an image's database, sorted.
std::vector<InventoryPackage> inventory_packages(const PackageDatabase& database);

/// The packages a slim kept, with their kept paths that `tree` (the output) still has; a
/// package none of whose paths it has is left out.
std::vector<InventoryPackage> inventory_packages(const std::vector<KeptPackage>& kept,
                                                 const ImageTree& tree);

/// Sets the inventory's program and what it needs from a closure resolved on an image with the
/// same paths as `tree` (the image itself, or a slim output of it): each path resolved in
/// `tree` to the regular file it names; what `tree` lacks is left out.
void set_program(Inventory& inventory, const Closure& closure, const ImageTree& tree);

/// What an SBOM captures while the layers stream: the package databases and os-release whole,
/// and what the loader emulation reads (capture_for_deps).
Capture capture_for_sbom(std::string_view path, std::span<const std::byte> head);

}  // namespace pare
