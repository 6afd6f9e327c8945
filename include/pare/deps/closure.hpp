#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pare/elf/go_buildinfo.hpp"

namespace pare {

/// What the program an image starts is.
enum class ProgramClass {
  kNone,               ///< the config has no Entrypoint and no Cmd
  kMissing,            ///< argv[0] is not in the image
  kNotExecutable,      ///< a folder, a device, or a file without execute bits
  kWrongArchitecture,  ///< an ELF built for another machine than the image's platform
  kNotElf,             ///< neither ELF nor a script
  kStatic,
  kStaticPie,
  kDynamic,
  kScript,  ///< a "#!" script: its interpreter is what runs
};

/// "none", "missing", "not-executable", "wrong-architecture", "not-elf", "static",
/// "static-pie", "dynamic", "script".
std::string_view to_string(ProgramClass c);

/// Whether an entrypoint of this class can never start: missing, not executable, another
/// machine's, or not a program (an image with no entrypoint has nothing to start).
bool cannot_start(ProgramClass c);

/// One path the program needs, and why.
struct NeededFile {
  std::string path;    ///< absolute, inside the image
  std::string reason;  ///< "entrypoint", "interpreter", "needed by /usr/bin/x", ...
  std::uint64_t size = 0;
  bool tree = false;  ///< a folder kept whole (zoneinfo, gconv, a locale); size is its total
};

/// A library the loader would map, as `ld.so --list` prints it.
struct Library {
  std::string name;       ///< the DT_NEEDED string (or preload entry)
  std::string path;       ///< where the search found it
  std::string needed_by;  ///< the object that loads it
  std::string via;        ///< "DT_NEEDED" or "preload" (ld.so maps these at start, as
                          ///< `ld.so --list` shows), "NSS" or "unwinder" (dlopened by libc),
                          ///< "dlopen note" (a .note.dlopen of `needed_by` names it)
};

/// The program an image starts and the closure of what it needs.
struct Closure {
  std::vector<std::string> argv;  ///< Entrypoint + Cmd
  std::string program;            ///< argv[0] resolved in the image; empty when not found
  ProgramClass program_class = ProgramClass::kNone;
  std::string detail;              ///< a word more on the class ("arm64 binary", "#!/bin/sh")
  std::string interpreter;         ///< PT_INTERP of the ELF that runs (the script interpreter's)
  std::string script_interpreter;  ///< a script's "#!" interpreter, resolved
  std::string libc;                ///< "glibc", "musl" or "" (static)
  std::string machine;             ///< the ELF machine of the program
  std::optional<GoBuildInfo> go;
  std::vector<Library> libraries;
  std::vector<NeededFile> files;
  std::vector<std::string> warnings;
  /// Why the program cannot start, "<image>: <what>": the entrypoint is missing (a symlink loop
  /// included), not executable, not a program or built for another machine, or the closure is
  /// incomplete (an interpreter or library the loader would not find, a symbol version a library
  /// lacks); empty when it can. An image with no Entrypoint or Cmd has none.
  std::string error;

  /// The total bytes of `files`.
  std::uint64_t size() const;
};

}  // namespace pare
