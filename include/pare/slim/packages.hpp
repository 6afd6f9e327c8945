#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "pare/fs/image_tree.hpp"

namespace pare {

/// True for the files package_metadata reads, so pare captures them while reading layers:
/// dpkg's `var/lib/dpkg/status`, `var/lib/dpkg/info/*.list` and `*.md5sums`, every file of
/// `var/lib/dpkg/status.d/` (distroless); apk's `lib/apk/db/installed` and
/// `usr/lib/apk/db/installed`. `path` is normalized without a leading '/'.
bool is_package_database(std::string_view path);

/// A file package metadata adds to the slim image.
struct PackageFile {
  std::string path;  ///< absolute path in the output image
  std::string content;
};

/// A package that still owns at least one kept file.
struct KeptPackage {
  std::string name;
  std::string version;
  std::string architecture;
  std::vector<std::string> kept_paths;  ///< the kept paths it owns (as in `kept`), sorted
};

/// What the slim image needs so scanners (trivy, syft, grype) still see its packages.
struct PackageMetadata {
  std::vector<PackageFile> files;     ///< what to add to the slim image, sorted by path
  std::vector<KeptPackage> packages;  ///< packages that still own a kept file, sorted by name
  std::vector<std::string> dropped;   ///< names of installed packages whose files are all gone
  std::string format;                 ///< "dpkg", "dpkg-status.d", "apk" or "" (no database)
  std::vector<std::string> warnings;  ///< what could not be read or made sense of
};

/// The package metadata of the packages of `tree` that own at least one of `kept` (absolute
/// paths as they are in the image, symlinks not followed: regular files, symlinks and folders).
///  - dpkg (`/var/lib/dpkg/status`, file lists in `info/<pkg>[:<arch>].list`): for each such
///    package, `/var/lib/dpkg/status.d/<pkg>` holding its status paragraph byte for byte (the
///    name without ":arch"; two architectures of one name share the file, one paragraph each),
///    and `status.d/<pkg>.md5sums` with the lines of `info/<pkg>[:<arch>].md5sums` that name a
///    kept file, when there are any. Paragraphs whose state is not-installed or config-files
///    are no package; a package without a file list cannot be checked and is kept (with a
///    warning), so a scanner never reports a false "clean".
///  - distroless (`/var/lib/dpkg/status.d/<file>`, file lists in `status.d/<file>.md5sums`):
///    the paragraph files of the packages that still own a kept file, as they are, and their
///    `.md5sums` trimmed to kept files. A paragraph file without `.md5sums` cannot be checked
///    and is kept (with a warning).
///  - apk (`/lib/apk/db/installed`, records of `P:` name, `V:` version, `A:` arch, `F:` folder
///    (+ `M:`), `R:` file in it (+ `a:`, `Z:`)): the same file holding only the records of
///    packages that own a kept file, in their order, each one's `F:` groups kept when the folder
///    is kept or holds a kept file, its `R:` groups when the file is kept; other lines as they
///    are.
/// A listed path owns a kept path when its folder, resolved inside the image (merged /usr: a
/// listed `/lib/x86_64-linux-gnu/libc.so.6` is `/usr/lib/x86_64-linux-gnu/libc.so.6` behind
/// `/lib -> usr/lib`), joined with its last component, is in `kept` and is not a folder nor a
/// symlink to one (every package lists `/usr`; folders own nothing). `/etc/ssl/certs/
/// ca-certificates.crt`, which update-ca-certificates writes and no list names, belongs to
/// ca-certificates, as distroless registers it. Listed paths that climb out of the root, or
/// package names that are not file names, are skipped with a warning; a malformed database
/// gives what can be read of it, never an exception. All databases found are read; `format`
/// names the first of dpkg, dpkg-status.d, apk. Never reads the host filesystem.
PackageMetadata package_metadata(const ImageTree& tree, const std::set<std::string>& kept);

/// An installed package as the image's database lists it: what a runtime asks of ownership.
struct InstalledPackage {
  std::string name;
  std::string version;
  std::string architecture;
  /// What it needs (dpkg's Depends and Pre-Depends, apk's D:): each entry the alternatives of
  /// one need (dpkg's "a | b"), names without versions, architecture qualifiers or operators;
  /// apk's conflicts (`!name`) are left out.
  std::vector<std::vector<std::string>> depends;
  std::vector<std::string> provides;  ///< dpkg's Provides, apk's p:, names only
  /// The files and links it lists that the image has, as absolute real paths matched as
  /// package_metadata matches them (the folder resolved inside the image, the last component
  /// as it is), sorted; folders, and links to folders, own nothing and are left out.
  std::vector<std::string> files;
  bool listed = false;  ///< a file list was found; else which files it owns cannot be told
};

/// The installed packages of an image's dpkg, distroless and apk databases.
struct PackageDatabase {
  std::string format;                      ///< as PackageMetadata::format
  std::vector<InstalledPackage> packages;  ///< in database order
  std::vector<std::string> warnings;       ///< what could not be read or made sense of

  /// The installed package of that name, else the first that provides it; null when none.
  const InstalledPackage* find(std::string_view name) const;
  /// The first package whose `files` hold `path` (absolute, folder resolved); null when none.
  const InstalledPackage* owner(std::string_view path) const;
};

/// Reads the databases package_metadata reads (dpkg's status and info/*.list, distroless'
/// status.d and its .md5sums, apk's installed) into who owns which file and needs what. A
/// malformed database gives what can be read of it, never an exception.
PackageDatabase read_package_database(const ImageTree& tree);

}  // namespace pare
