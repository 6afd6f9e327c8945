#pragma once

#include <span>
#include <string>
#include <string_view>

#include "pare/deps/closure.hpp"
#include "pare/fs/image_tree.hpp"
#include "pare/image/model.hpp"

namespace pare {

/// What the resolver reads, to capture while layers stream: every ELF object whole, the
/// loader's and NSS's configuration files whole, and the head of every other file (for "#!").
Capture capture_for_deps(std::string_view path, std::span<const std::byte> head);

/// Finds the program `config` starts (Entrypoint + Cmd; argv[0] against WorkingDir or the
/// config's PATH; symlinks followed inside the image), classifies it and, for a dynamic ELF or a
/// script, computes what the loader would map, emulating glibc's ld.so or musl's inside the
/// image: no host file is read and nothing runs, so any architecture works. `tree` must have
/// been built with capture_for_deps. A library or interpreter that cannot be found leaves the
/// closure incomplete, with `error` naming it, who needs it and every path searched.
Closure resolve_closure(const ImageTree& tree, const Config& config, const std::string& image_name);

/// Throws Error (exit 3) with the closure's error, if it has one.
void require_complete(const Closure& closure);

}  // namespace pare
