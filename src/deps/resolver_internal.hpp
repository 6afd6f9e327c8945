#pragma once

// The loader emulation's state, shared by the files that implement it: resolver.cpp (finding
// the program, the search, DT_NEEDED), dlopen.cpp (what libc and notes dlopen()), versions.cpp
// (symbol versions), locales.cpp (locale data) and object_closure.cpp (a plugin's closure).
// Private to src/deps.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pare/deps/closure.hpp"
#include "pare/deps/ld_config.hpp"
#include "pare/elf/elf.hpp"
#include "pare/fs/image_tree.hpp"
#include "pare/image/model.hpp"

namespace pare::resolver_internal {

inline constexpr std::uint16_t kEmAarch64 = 183;

/// The value of `key` in a config's Env ("KEY=value"), the first definition.
std::optional<std::string> env_value(const std::vector<std::string>& env, std::string_view key);
/// Splits on any of `separators`, dropping empty elements.
std::vector<std::string> split(std::string_view text, std::string_view separators);
/// "/" and a normalized path.
std::string absolute(std::string_view normalized);
/// The folder of a path: "." without a slash, "/" for a top-level name.
std::string dir_name(std::string_view path);

/// The loader in the image and the conventions of the distribution that built it.
struct LoaderFlavor {
  bool musl = false;
  std::vector<std::string> default_dirs;  ///< glibc's compiled-in trusted dirs
  std::string lib;                        ///< $LIB
  std::vector<std::string> platforms;     ///< candidates for $PLATFORM
  std::vector<std::string> hwcaps;        ///< glibc-hwcaps subfolders, best first
  std::string musl_arch;                  ///< "x86_64", "aarch64"
};

/// One object the loader maps.
struct Object {
  std::string name;    ///< how it was asked for
  std::string path;    ///< where it was found, as the loader opens it
  std::string origin;  ///< $ORIGIN
  ElfInfo info;
  int parent = -1;
  std::string real;  ///< the file it is, symlinks resolved (normalized)
  /// Mapped at start (the program, its DT_NEEDED, preloads, required dlopen notes): what it
  /// lacks is an error. Otherwise dlopen()ed by libc or on a note's word: a warning.
  bool required = true;
};

class Resolver {
 public:
  Resolver(const ImageTree& tree, const Config& config, std::string image_name)
      : tree_(tree), config_(config), image_name_(std::move(image_name)) {}

  Closure run();
  /// The closure of the object at `path`, as if the image's program dlopen()ed it.
  Closure run_object(const std::string& path);

 private:
  std::string find_program(const std::string& argv0);
  void classify_and_resolve(const std::string& program, const std::string& reason);
  /// closure_.error for an entrypoint of a class that cannot start (missing, not executable,
  /// not a program, another machine's); empty for the others.
  std::string cannot_start_error() const;
  void resolve_elf(const std::string& program, const ElfInfo& info);
  void resolve_object(const std::string& object);
  std::string program_loader();
  void map_closure(const std::string& program, const ElfInfo& info, const std::string& loader,
                   bool preload);
  void resolve_script(const std::string& program, std::span<const std::byte> head);
  LoaderFlavor flavor_for(const ElfInfo& info, const std::string& interp_real);

  // Loading.
  std::optional<std::string> search(const std::string& name, int requester,
                                    std::vector<std::string>& searched);
  std::optional<std::string> try_candidate(const std::string& path,
                                           std::vector<std::string>& searched);
  std::vector<std::string> expand(const std::string& entry, const std::string& origin) const;
  int load(const std::string& name, const std::string& path, int parent, const std::string& via,
           const std::string& why, bool required);
  bool already_loaded(const std::string& name) const;
  const Object* loaded(const std::string& name) const;
  void load_needs(std::deque<int>& queue);
  void load_dlopen_notes();
  void add_glibc_extras(std::deque<int>& queue);
  void check_versions();
  void keep_locales();

  // Image access.
  std::optional<ElfInfo> elf_at(const std::string& path);
  void keep(const std::string& path, const std::string& reason);
  void keep_tree(const std::string& path, const std::string& reason);

  const ImageTree& tree_;
  const Config& config_;
  std::string image_name_;
  Closure closure_;
  std::set<std::string> kept_;
  std::map<std::string, std::optional<ElfInfo>> elf_cache_;
  std::vector<Object> objects_;
  LoaderFlavor flavor_;
  std::vector<LdCacheEntry> ld_cache_;
  std::uint16_t machine_ = 0;
  int elf_class_ = 64;
  int scripts_ = 0;                ///< nested "#!" interpreters followed so far
  std::set<std::string> aliases_;  ///< names that resolved to an object already mapped
};

}  // namespace pare::resolver_internal
