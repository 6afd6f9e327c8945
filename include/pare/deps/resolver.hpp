#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "pare/deps/closure.hpp"
#include "pare/elf/elf.hpp"
#include "pare/fs/image_tree.hpp"
#include "pare/image/model.hpp"

namespace pare {

/// What the resolver reads, to capture while layers stream: the loader's and NSS's
/// configuration files whole, the head of every ELF object (the objects a closure needs are read
/// again from their layers) and of every "#!" script.
Capture capture_for_deps(std::string_view path, std::span<const std::byte> head);

/// Finds the program `config` starts (Entrypoint + Cmd; argv[0] against WorkingDir or the
/// config's PATH; symlinks followed inside the image), classifies it and, for a dynamic ELF or a
/// script, computes what the loader would map, emulating glibc's ld.so or musl's inside the
/// image: no host file is read and nothing runs, so any architecture works. `tree` must have
/// been built with capture_for_deps. A library or interpreter that cannot be found leaves the
/// closure incomplete, with `error` naming it, who needs it and every path searched. So does a
/// symbol version an object needs (DT_VERNEED) that the library it names does not define, a
/// library a "required" .note.dlopen names, and their closures.
Closure resolve_closure(const ImageTree& tree, const Config& config, const std::string& image_name);

/// The closure of the ELF object at `path` as if the image's program dlopen()ed it (a plugin,
/// often mode 0644): the object's own RUNPATH or RPATH, LD_LIBRARY_PATH from the config's Env,
/// ld.so.cache and the default folders, mapped by the interpreter of the image's program (an
/// executable object keeps its own; else the one the object names, else its ABI's, when the
/// image has it). Preloads are not loaded: they belong to the program's start. Symbol versions,
/// .note.dlopen, NSS, gconv and locales are handled as for a program; CA certificates and
/// zoneinfo are not (they are the program's). `program` is the object, and its class kDynamic
/// for any object the loader maps (a library or a dynamic program), kStatic or kStaticPie for a
/// program that needs nothing, kMissing, kNotElf or kWrongArchitecture (the config's
/// architecture) for what cannot be mapped; execute bits do not matter.
Closure resolve_object_closure(const ImageTree& tree, const Config& config, const std::string& path,
                               const std::string& image_name);

/// The parsed ELF object at image path `path` (symlinks followed inside the image), when the
/// tree captured its head (capture_for_deps captures every ELF's) and its bytes, read whole
/// from its layer, parse.
std::optional<ElfInfo> read_elf(const ImageTree& tree, const std::string& path);

/// Throws Error (exit 3) with the closure's error, if it has one.
void require_complete(const Closure& closure);

}  // namespace pare
