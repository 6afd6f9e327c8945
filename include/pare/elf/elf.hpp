#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pare/elf/dlopen_note.hpp"
#include "pare/elf/go_buildinfo.hpp"
#include "pare/util/limits.hpp"

namespace pare {

/// How an ELF file is linked, which decides what it needs at run time.
enum class ElfKind {
  kStatic,        ///< ET_EXEC without PT_INTERP: needs no loader and no libraries
  kStaticPie,     ///< ET_DYN with DF_1_PIE and no PT_INTERP: relocates itself, needs nothing
  kDynamic,       ///< ET_EXEC with PT_INTERP, or ET_DYN with PT_INTERP and DF_1_PIE
  kSharedObject,  ///< any other ET_DYN: a library (glibc's libc.so.6 has PT_INTERP, no DF_1_PIE)
  kOther,         ///< ET_REL, ET_CORE and the rest: nothing the loader runs
};

/// "static", "static-pie", "dynamic", "shared-object" or "other".
std::string_view to_string(ElfKind kind);

/// One DT_VERNEED entry: the symbol versions an object needs from one library, which ld.so
/// checks against that library's DT_VERDEF before running anything.
struct VersionNeed {
  std::string file;  ///< vn_file: the library as DT_NEEDED names it, "libc.so.6"
  /// vna_name of each entry, "GLIBC_2.34"; weak ones (VER_FLG_WEAK) are left out, since ld.so
  /// does not fail on them.
  std::vector<std::string> versions;
};

/// What pare needs to know about an ELF file to keep it and what it loads.
struct ElfInfo {
  int elf_class = 64;         ///< 32 or 64 (EI_CLASS)
  bool big_endian = false;    ///< EI_DATA is ELFDATA2MSB
  std::uint16_t type = 0;     ///< e_type: ET_EXEC = 2, ET_DYN = 3, ...
  std::uint16_t machine = 0;  ///< e_machine: EM_X86_64 = 62, EM_AARCH64 = 183, ...
  std::uint8_t os_abi = 0;    ///< EI_OSABI: 0 System V, 3 GNU
  ElfKind kind = ElfKind::kOther;
  std::string interpreter;                 ///< PT_INTERP without its trailing NUL; empty if none
  std::vector<std::string> needed;         ///< DT_NEEDED in order
  std::vector<std::string> rpath;          ///< DT_RPATH split on ':' (empty elements kept as "")
  std::vector<std::string> runpath;        ///< DT_RUNPATH split on ':' (empty elements kept as "")
  std::string soname;                      ///< DT_SONAME; empty if none
  std::uint64_t flags_1 = 0;               ///< DT_FLAGS_1
  bool stripped = false;                   ///< no .symtab section, or no section headers at all
  std::optional<GoBuildInfo> go;           ///< set when the file carries Go build info
  std::vector<VersionNeed> version_needs;  ///< DT_VERNEED in order
  std::vector<std::string> version_defs;   ///< DT_VERDEF names in order, less the VER_FLG_BASE
                                           ///< one (the soname)
  std::vector<std::string> imports;        ///< undefined dynamic symbols, sorted and unique
  std::vector<DlopenNote> dlopen_notes;    ///< FDO notes of type 0x407c0c0a (.note.dlopen)

  /// DF_1_NODEFLIB: the loader must not search its default folders for this object's needs.
  bool nodeflib() const;
  /// DF_1_PIE: a position-independent executable, not a library.
  bool pie() const;
};

/// The name of an ELF machine: "x86-64", "aarch64", "i386", "arm", "riscv", "ppc64", "s390",
/// "mips", ... or "machine N" for one it does not know.
std::string machine_name(std::uint16_t machine);

/// The OCI (GOARCH) architecture of a machine: "amd64", "arm64", "386", "arm", "riscv64",
/// "ppc64le" ("ppc64" when big-endian), "s390x", "mips*", "loong64"; "" for a machine, class
/// and byte order that make no OCI architecture (x32, big-endian arm64, ...).
std::string oci_architecture(std::uint16_t machine, int elf_class, bool big_endian = false);

/// The OCI architecture of a parsed file (its machine, class and byte order).
std::string oci_architecture(const ElfInfo& info);

/// True when the bytes start with the ELF magic "\x7f" "ELF".
bool is_elf(std::span<const std::byte> bytes);

/// The outcome of parse_elf: exactly one of `info` and `error` is set.
struct ElfResult {
  std::optional<ElfInfo> info;
  std::string error;  ///< what is wrong, e.g. "truncated ELF header (40 of 64 bytes)"
};

/// Parses an ELF file held in memory: 32 or 64 bit, either byte order. Dynamic-section strings,
/// symbol versions and the dynamic symbols are found through the addresses the dynamic section
/// gives (DT_STRTAB, DT_VERNEED, DT_VERDEF, DT_SYMTAB, DT_HASH, DT_GNU_HASH) mapped by the
/// PT_LOAD segments, so a file without section headers parses the same; notes through PT_NOTE,
/// and SHT_NOTE sections when there are any. Never throws and never reads outside `bytes`; a
/// malformed or truncated file (a header, table, PT_LOAD, PT_INTERP or PT_DYNAMIC past the end,
/// an unmapped DT_STRTAB, a string past its table or without its NUL, a table of more entries
/// than limits.max_elf_entries) is an error. What the loader can do without (Go build info, version
/// tables, symbols, notes) is read as far as it is sound: a malformed one leaves its field empty or
/// short. No view into `bytes` is kept.
ElfResult parse_elf(std::span<const std::byte> bytes, const InputLimits& limits = {});

}  // namespace pare
