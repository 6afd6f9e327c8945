#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "pare/fs/image_tree.hpp"

namespace pare {

/// One entry of glibc's /etc/ld.so.cache.
struct LdCacheEntry {
  std::string soname;  ///< the key: a SONAME
  std::string path;    ///< where ldconfig found it
  std::uint32_t flags =
      0;  ///< FLAG_ELF_LIBC6 (0x0003) | an architecture bit (0x0300 x86-64, 0x0a00 aarch64)
};

/// Parses an ld.so.cache in glibc's format ("glibc-ld.so.cache1.1", alone or after the old
/// "ld.so-1.7.0" table), little or big endian. Bounds-checked: a malformed cache gives the
/// entries read so far (the loader would ignore it), never a crash.
std::vector<LdCacheEntry> parse_ld_so_cache(std::span<const std::byte> bytes);

/// The cache flags an object of this ELF machine matches: 0x0303 for x86-64, 0x0a03 for
/// aarch64, 0 for a machine pare does not know (then any libc6 entry matches).
std::uint32_t ld_cache_flags(std::uint16_t machine);

/// The folders /etc/ld.so.conf lists, as ldconfig reads it: '#' comments, "include GLOB..."
/// relative to the including file's folder, expanded in C order, "hwcap" lines ignored. Read
/// from the image's captured files; globs match names in the image only.
std::vector<std::string> read_ld_so_conf(const ImageTree& tree,
                                         const std::string& path = "/etc/ld.so.conf");

/// The services /etc/nsswitch.conf names for each database: {"passwd", "files"}, ... in order.
struct NssSource {
  std::string database;
  std::string service;
};
std::vector<NssSource> parse_nsswitch(std::string_view text);

}  // namespace pare
