#pragma once

#include <cstdint>
#include <span>

namespace pare {

/// Every bound pare puts on what an input may make it do: the guards against decompression
/// bombs, crafted counts and paths whose work would grow with their square. One value, set by
/// the "Limits" flags every command that reads images shares, handed down to each reader; each
/// error that crosses one names it and its flag, so a real input past a default can be let
/// through. Here, at the bottom, because the ELF parser needs it too.
struct InputLimits {
  /// The inflated bytes of all of an image's layers together (--max-image-bytes).
  std::uint64_t max_image_bytes = 256ULL << 30U;  ///< 256 GiB
  /// The inflated bytes of one layer (--max-layer-bytes).
  std::uint64_t max_layer_bytes = 64ULL << 30U;  ///< 64 GiB
  std::uint64_t max_entries = 5'000'000;         ///< tar entries of one layer (--max-entries)
  /// Of an entry's path and of a link's target: Linux's PATH_MAX, the longest path a program
  /// opens in one call (--max-path-bytes).
  std::uint64_t max_path_bytes = 4096;
  std::uint64_t max_path_depth = 512;  ///< folders and name of an entry's path (--max-path-depth)
  /// Symlinks followed resolving one path in the image: Linux's MAXSYMLINKS (--max-symlinks).
  std::uint64_t max_symlinks = 40;
  /// Of one JSON document (oci-layout, index, manifest, config, manifest.json): real ones are
  /// kilobytes (--max-json-bytes).
  std::uint64_t max_json_bytes = 16U << 20U;
  /// Arrays and objects nested in one JSON document, checked before it is parsed: an image
  /// config nests 4 deep (--max-json-depth).
  std::uint64_t max_json_depth = 64;
  /// Descriptors of one index, items of manifest.json (--max-manifests).
  std::uint64_t max_manifests = 10'000;
  /// How deep image indexes may nest: buildx writes 2 levels, past it a loop is assumed
  /// (--max-index-depth).
  std::uint64_t max_index_depth = 8;
  /// Entries of any one ELF table: program headers, section headers, dynamic entries, dynamic
  /// symbols, notes (--max-elf-entries). Real files have at most tens of thousands.
  std::uint64_t max_elf_entries = 1U << 20U;
};

/// True when the JSON text nests arrays and objects deeper than `max_depth`: a linear scan
/// that skips strings, done before parsing, as nlohmann's parser takes any depth. The text
/// need not be valid JSON; the parser judges that after.
bool json_nests_deeper(std::span<const std::byte> text, std::uint64_t max_depth);

}  // namespace pare
