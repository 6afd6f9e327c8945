#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace pare {

/// What cmd/go embeds in every Go binary it links (`go version -m` prints it), as
/// golang/go src/debug/buildinfo reads it.
struct GoBuildInfo {
  std::string go_version;           ///< the toolchain, "go1.22.1"; never empty
  std::string module_path;          ///< the main package's path ("path" line); empty if absent
  std::string module_version;       ///< the main module's version ("mod" line), "(devel)" locally
  std::optional<bool> cgo_enabled;  ///< the CGO_ENABLED build setting; nullopt when not recorded
  std::map<std::string, std::string> settings;  ///< every "build KEY=VALUE" line, unquoted
};

/// Reads up to `size` bytes of an executable at a virtual address: fewer at the end of the
/// segment's file image, none when no PT_LOAD maps the address. The span points into the
/// executable's bytes.
using VirtualMemoryReader =
    std::function<std::span<const std::byte>(std::uint64_t address, std::uint64_t size)>;

/// Finds and decodes Go's build info blob in `data`, the first 64 KiB of the ".go.buildinfo"
/// section or of the first writable, non-executable PT_LOAD segment: the 14-byte magic
/// "\xff Go buildinf:" at a 16-byte aligned offset, then either inline strings (flags bit 1,
/// Go 1.18 and later: a uvarint-length version and module info at offset 32) or two pointers to
/// Go string headers (older Go, read through `read_memory` in the blob's pointer size and byte
/// order). nullopt when there is no blob, the version is empty, or a string is out of bounds.
std::optional<GoBuildInfo> decode_go_build_info(std::span<const std::byte> data,
                                                const VirtualMemoryReader& read_memory);

/// Parses Go module info text (cmd/go's 16-byte sentinels already removed): the "path" line,
/// the "mod" line's version, and "build KEY=VALUE" lines with Go-quoted keys and values
/// unquoted. Lines it does not know ("dep", "=>") and malformed build lines are skipped.
/// The returned go_version is empty: the version is stored beside the module info, not in it.
GoBuildInfo parse_go_modinfo(std::string_view modinfo);

}  // namespace pare
