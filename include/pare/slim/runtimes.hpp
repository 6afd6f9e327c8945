#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pare/deps/closure.hpp"
#include "pare/fs/image_tree.hpp"
#include "pare/image/model.hpp"
#include "pare/slim/packages.hpp"

namespace pare {

/// A language runtime the program runs in, found without running it: what an interpreter
/// reads that no loader names (its standard library, the app's script and folder, the packages
/// the app installed).
struct Runtime {
  std::string language;     ///< "python", "node", "perl", "ruby", "java", "php"
  std::string interpreter;  ///< the image path of the interpreter ELF, symlinks resolved
  std::string version;      ///< python's "3.11" when the binary or its libpython tells; else ""
  /// What to keep and why ("python runtime: package libpython3.11-stdlib", "app folder /app
  /// (the script's folder)"); `tree` for a folder kept whole. Paths may pass through symlinks.
  std::vector<NeededFile> files;
  /// What could not be found or was not kept ("python runtime found only partly: ...").
  std::vector<std::string> warnings;
};

/// The language of an interpreter by its file's name: python, python3, python3.11; node,
/// nodejs; perl, perl5.36.0; ruby, ruby3.1; java; php, php8.2, php-fpm8.2, php-cgi. "" for
/// any other name.
std::string_view runtime_language(std::string_view file_name);

/// True for the files find_runtime reads, so slim captures them while reading layers: Python's
/// `.pth` files. `path` is normalized without a leading '/'.
bool is_runtime_file(std::string_view path);

/// The runtime of the program `closure` resolved (its ELF, or a `#!` script's interpreter)
/// when that is one of runtime_language's, run with `run` (Env, WorkingDir; argv is the
/// closure's); nullopt for any other program. Keeps:
///  - the runtime: every file of the packages (dpkg, distroless, apk) that own the interpreter,
///    the links on the way to it and the runtime libraries it needs, and of the packages of the
///    runtime's family those depend on, transitively (python*, libpython*, nodejs, libnode*,
///    node-*, perl*, libperl*, ruby*, libruby*, openjdk-*, ca-certificates-java, php*); when
///    no package owns the interpreter, the runtime's own folders (/usr/lib/python3.11, ...);
///    java's JAVA_HOME (two folders above bin/java) and php's /etc/php always;
///  - the app: the script (a `#!` program, or the first argument after the interpreter's
///    options, against WorkingDir), its folder whole, and WorkingDir whole when it is not "/"
///    and holds files; never "/" nor a system folder (/usr, /etc, /usr/local/bin, ...), which
///    is a warning instead;
///  - the app's packages: python's site-packages and dist-packages, a venv the interpreter is
///    named through, the folders `.pth` files and PYTHONPATH name; node_modules in the app's
///    folders and their parents, NODE_PATH; ruby's gem folders, GEM_HOME, GEM_PATH; PERL5LIB;
///    CLASSPATH;
///  - the targets of links in the folders kept whole that point out of them.
/// `packages` is read_package_database(tree). Never reads the host filesystem; throws nothing
/// for a malformed database.
std::optional<Runtime> find_runtime(const ImageTree& tree, const Closure& closure,
                                    const RunConfig& run, const PackageDatabase& packages);

}  // namespace pare
