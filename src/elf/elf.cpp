#include "pare/elf/elf.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <set>
#include <utility>

namespace pare {

namespace {

// Constants from glibc elf/elf.h.
constexpr std::array<std::byte, 4> kMagic{std::byte{0x7F}, std::byte{'E'}, std::byte{'L'},
                                          std::byte{'F'}};
constexpr std::size_t kIdentSize = 16;
constexpr std::size_t kIdentClass = 4;
constexpr std::size_t kIdentData = 5;
constexpr std::size_t kIdentOsAbi = 7;
constexpr std::uint8_t kClass32 = 1;
constexpr std::uint8_t kClass64 = 2;
constexpr std::uint8_t kDataLsb = 1;
constexpr std::uint8_t kDataMsb = 2;

constexpr std::uint16_t kEtExec = 2;
constexpr std::uint16_t kEtDyn = 3;

constexpr std::uint32_t kPtLoad = 1;
constexpr std::uint32_t kPtDynamic = 2;
constexpr std::uint32_t kPtInterp = 3;
constexpr std::uint32_t kPtNote = 4;
constexpr std::uint32_t kPfExecute = 1;
constexpr std::uint32_t kPfWrite = 2;
constexpr std::uint64_t kPnXnum = 0xFFFF;  // e_phnum: the count is in section 0's sh_info

constexpr std::uint32_t kShtSymtab = 2;
constexpr std::uint32_t kShtNote = 7;
constexpr std::uint32_t kShtNobits = 8;
constexpr std::uint32_t kShtDynsym = 11;
constexpr std::uint64_t kShnXindex = 0xFFFF;  // e_shstrndx: the index is in section 0's sh_link

constexpr std::uint64_t kDtNull = 0;
constexpr std::uint64_t kDtNeeded = 1;
constexpr std::uint64_t kDtHash = 4;
constexpr std::uint64_t kDtStrtab = 5;
constexpr std::uint64_t kDtSymtab = 6;
constexpr std::uint64_t kDtStrsz = 10;
constexpr std::uint64_t kDtSyment = 11;
constexpr std::uint64_t kDtSoname = 14;
constexpr std::uint64_t kDtRpath = 15;
constexpr std::uint64_t kDtRunpath = 29;
constexpr std::uint64_t kDtGnuHash = 0x6FFFFEF5;
constexpr std::uint64_t kDtFlags1 = 0x6FFFFFFB;
constexpr std::uint64_t kDtVerdef = 0x6FFFFFFC;
constexpr std::uint64_t kDtVerdefnum = 0x6FFFFFFD;
constexpr std::uint64_t kDtVerneed = 0x6FFFFFFE;
constexpr std::uint64_t kDtVerneednum = 0x6FFFFFFF;
constexpr std::uint64_t kDf1Nodeflib = 0x800;
constexpr std::uint64_t kDf1Pie = 0x08000000;
constexpr std::uint16_t kVerFlgBase = 1;
constexpr std::uint16_t kVerFlgWeak = 2;
constexpr std::uint16_t kEmS390 = 22;

// Limits that keep a hostile count from looping or allocating without end; the tables' counts
// are InputLimits::max_elf_entries. Linux refuses a program header table over 64 KiB (about
// 1,170 entries); real dynamic sections hold tens of entries and a few KiB of strings.
constexpr std::uint64_t kMaxDynamicStringBytes = 1U << 20U;
constexpr std::uint64_t kMaxInterpreter = 4096;  // the kernel's PATH_MAX for PT_INTERP
// glibc 2.36's libc.so.6 defines 40 versions and needs 2. The records are linked lists a file
// can make loop: the bound ends the walk.
constexpr std::uint64_t kMaxVersionRecords = 4096;
constexpr std::uint64_t kMaxSymbolBytes = std::uint64_t{16} << 20U;  // scanned for names
// golang/go src/debug/buildinfo reads at most this much of the build info section or segment.
constexpr std::uint64_t kGoBuildInfoWindow = std::uint64_t{64} * 1024;
constexpr std::string_view kGoBuildInfoSection = ".go.buildinfo";

/// The sizes of one ELF class's records; field offsets follow from `word`.
struct Layout {
  std::size_t word;  ///< an address, offset or size: 4 or 8 bytes
  std::size_t header;
  std::size_t program_header;
  std::size_t section_header;
  std::size_t dynamic_entry;
};

constexpr Layout kLayout32{4, 52, 32, 40, 8};
constexpr Layout kLayout64{8, 64, 56, 64, 16};

/// One program header.
struct Segment {
  std::uint32_t type = 0;
  std::uint32_t flags = 0;
  std::uint64_t offset = 0;
  std::uint64_t vaddr = 0;
  std::uint64_t filesz = 0;
  std::uint64_t align = 0;
};

/// One section header, as far as pare reads it.
struct Section {
  std::uint32_t name = 0;
  std::uint32_t type = 0;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  std::uint32_t link = 0;
  std::uint32_t info = 0;
  std::uint64_t addralign = 0;
  std::uint64_t entsize = 0;
};

/// A run of ELF notes in the file: a PT_NOTE segment or an SHT_NOTE section.
struct NoteArea {
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  std::uint64_t align = 0;
};

std::string hex(std::uint64_t value) {
  std::array<char, 2 + 16> text{'0', 'x'};
  auto* const end = std::to_chars(text.data() + 2, text.data() + text.size(), value, 16).ptr;
  return {text.data(), end};
}

std::vector<std::string> split_search_path(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t colon = path.find(':', start);
    if (colon == std::string_view::npos) {
      parts.emplace_back(path.substr(start));
      return parts;
    }
    parts.emplace_back(path.substr(start, colon - start));
    start = colon + 1;
  }
}

/// "has 70000 section headers, past the limit of 65536 (--max-elf-entries)".
std::string past_limit(std::uint64_t count, const std::string& what, std::uint64_t limit) {
  return "has " + std::to_string(count) + " " + what + ", past the limit of " +
         std::to_string(limit) + " (--max-elf-entries)";
}

std::uint64_t round_up(std::uint64_t value, std::uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

/// The dynamic entries pare reads: string offsets into DT_STRTAB (DT_NEEDED, DT_SONAME,
/// DT_RPATH, DT_RUNPATH) and the virtual addresses of the tables.
struct DynamicEntries {
  std::vector<std::uint64_t> needed;
  std::optional<std::uint64_t> soname;
  std::optional<std::uint64_t> rpath;
  std::optional<std::uint64_t> runpath;
  std::optional<std::uint64_t> strtab;
  std::optional<std::uint64_t> strsz;
  std::optional<std::uint64_t> symtab;
  std::optional<std::uint64_t> syment;
  std::optional<std::uint64_t> hash;
  std::optional<std::uint64_t> gnu_hash;
  std::optional<std::uint64_t> verneed;
  std::optional<std::uint64_t> verneednum;
  std::optional<std::uint64_t> verdef;
  std::optional<std::uint64_t> verdefnum;
};

/// Reads one ELF file; every read is checked against the bytes and fails with a message.
class ElfParser {
 public:
  ElfParser(std::span<const std::byte> bytes, const InputLimits& limits)
      : bytes_(bytes),
        max_entries_(limits.max_elf_entries),
        max_json_depth_(limits.max_json_depth) {}

  ElfResult parse() {
    ElfInfo info;
    if (!read_header(info) || !read_section_table() || !read_program_headers() ||
        !read_interpreter(info) || !read_dynamic(info)) {
      return {std::nullopt, std::move(error_)};
    }
    read_sections(info);
    info.kind = classify(info);
    info.go = read_go_build_info();
    read_version_needs(info);
    read_version_defs(info);
    if (!read_imports(info) || !read_notes(info)) return {std::nullopt, std::move(error_)};
    return {std::move(info), {}};
  }

 private:
  bool fail(std::string message) {
    error_ = std::move(message);
    return false;
  }

  std::uint64_t size() const { return bytes_.size(); }

  /// True when [offset, offset + length) lies inside the file.
  bool fits(std::uint64_t offset, std::uint64_t length) const {
    return offset <= size() && length <= size() - offset;
  }

  /// An unsigned field of `width` bytes in the file's byte order; 0 when out of bounds (every
  /// caller has checked that its record fits, so that never happens).
  std::uint64_t field(std::uint64_t offset, std::size_t width) const {
    if (!fits(offset, width)) return 0;
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < width; ++i) {
      const std::size_t at = offset + (big_endian_ ? i : width - 1 - i);
      value = (value << 8U) | std::to_integer<std::uint64_t>(bytes_[at]);
    }
    return value;
  }
  std::uint16_t half(std::uint64_t offset) const {
    return static_cast<std::uint16_t>(field(offset, 2));
  }
  std::uint32_t word32(std::uint64_t offset) const {
    return static_cast<std::uint32_t>(field(offset, 4));
  }
  std::uint64_t word(std::uint64_t offset) const { return field(offset, layout_.word); }

  bool read_header(ElfInfo& info) {
    if (bytes_.empty()) return fail("empty file");
    if (bytes_.size() < kMagic.size() ||
        !std::equal(kMagic.begin(), kMagic.end(), bytes_.begin())) {
      return fail("not an ELF file (no \\x7fELF magic)");
    }
    if (bytes_.size() < kIdentSize) {
      return fail("truncated ELF identification (" + std::to_string(size()) + " of 16 bytes)");
    }
    const auto elf_class = std::to_integer<std::uint8_t>(bytes_[kIdentClass]);
    const auto data = std::to_integer<std::uint8_t>(bytes_[kIdentData]);
    if (elf_class != kClass32 && elf_class != kClass64) {
      return fail("unknown ELF class " + std::to_string(elf_class));
    }
    if (data != kDataLsb && data != kDataMsb) {
      return fail("unknown ELF data encoding " + std::to_string(data));
    }
    layout_ = elf_class == kClass64 ? kLayout64 : kLayout32;
    big_endian_ = data == kDataMsb;
    if (size() < layout_.header) {
      return fail("truncated ELF header (" + std::to_string(size()) + " of " +
                  std::to_string(layout_.header) + " bytes)");
    }
    info.elf_class = elf_class == kClass64 ? 64 : 32;
    info.big_endian = big_endian_;
    info.os_abi = std::to_integer<std::uint8_t>(bytes_[kIdentOsAbi]);
    info.type = half(16);
    info.machine = half(18);
    machine_ = info.machine;

    const std::size_t w = layout_.word;
    phoff_ = word(24 + w);
    shoff_ = word(24 + 2 * w);
    phentsize_ = half(30 + 3 * w);
    phnum_ = half(32 + 3 * w);
    shentsize_ = half(34 + 3 * w);
    shnum_ = half(36 + 3 * w);
    shstrndx_ = half(38 + 3 * w);
    return true;
  }

  Section section_at(std::uint64_t offset) const {
    const std::size_t w = layout_.word;
    Section section;
    section.name = word32(offset);
    section.type = word32(offset + 4);
    section.offset = word(offset + 8 + 2 * w);
    section.size = word(offset + 8 + 3 * w);
    section.link = word32(offset + 8 + 4 * w);
    section.info = word32(offset + 12 + 4 * w);
    section.addralign = word(offset + 16 + 4 * w);
    section.entsize = word(offset + 16 + 5 * w);
    return section;
  }

  /// Checks the section header table and resolves the extended counts section 0 may hold.
  bool read_section_table() {
    if (shoff_ == 0) {
      shnum_ = 0;
      if (phnum_ == kPnXnum) {
        return fail("e_phnum is PN_XNUM (65535) but there is no section header to hold the count");
      }
      return true;
    }
    if (shentsize_ != layout_.section_header) {
      return fail("e_shentsize is " + std::to_string(shentsize_) + ", expected " +
                  std::to_string(layout_.section_header));
    }
    if (!fits(shoff_, layout_.section_header)) {
      return fail("section header table at " + hex(shoff_) + " is past the end of the file (" +
                  std::to_string(size()) + " bytes)");
    }
    const Section first = section_at(shoff_);
    if (shnum_ == 0) shnum_ = first.size;
    if (shstrndx_ == kShnXindex) shstrndx_ = first.link;
    if (phnum_ == kPnXnum) phnum_ = first.info;
    if (shnum_ > max_entries_) {
      return fail(past_limit(shnum_, "section headers", max_entries_));
    }
    if (!fits(shoff_, shnum_ * layout_.section_header)) {
      return fail("section header table (" + std::to_string(shnum_) + " entries at " + hex(shoff_) +
                  ") extends past the end of the file (" + std::to_string(size()) + " bytes)");
    }
    return true;
  }

  bool read_program_headers() {
    if (phnum_ == 0) return true;
    if (phnum_ > max_entries_) {
      return fail(past_limit(phnum_, "program headers", max_entries_));
    }
    if (phentsize_ != layout_.program_header) {
      return fail("e_phentsize is " + std::to_string(phentsize_) + ", expected " +
                  std::to_string(layout_.program_header));
    }
    if (!fits(phoff_, phnum_ * layout_.program_header)) {
      return fail("program header table (" + std::to_string(phnum_) + " entries at " + hex(phoff_) +
                  ") extends past the end of the file (" + std::to_string(size()) + " bytes)");
    }
    const bool wide = layout_.word == 8;
    segments_.reserve(phnum_);
    for (std::uint64_t i = 0; i < phnum_; ++i) {
      const std::uint64_t at = phoff_ + i * layout_.program_header;
      Segment segment;
      segment.type = word32(at);
      segment.flags = word32(wide ? at + 4 : at + 24);
      segment.offset = word(wide ? at + 8 : at + 4);
      segment.vaddr = word(wide ? at + 16 : at + 8);
      segment.filesz = word(wide ? at + 32 : at + 16);
      segment.align = word(wide ? at + 48 : at + 28);
      if (segment.type == kPtLoad && !fits(segment.offset, segment.filesz)) {
        return fail("PT_LOAD segment " + std::to_string(i) + " (" + std::to_string(segment.filesz) +
                    " bytes at " + hex(segment.offset) + ") extends past the end of the file (" +
                    std::to_string(size()) + " bytes): truncated?");
      }
      segments_.push_back(segment);
    }
    return true;
  }

  const Segment* first_segment(std::uint32_t type) const {
    const auto it = std::find_if(segments_.begin(), segments_.end(),
                                 [type](const Segment& s) { return s.type == type; });
    return it == segments_.end() ? nullptr : &*it;
  }

  /// The file's bytes from a virtual address to the end of the PT_LOAD file image that maps
  /// it; nullopt when no PT_LOAD does.
  std::optional<std::span<const std::byte>> map_address(std::uint64_t address) const {
    for (const Segment& segment : segments_) {
      if (segment.type != kPtLoad || address < segment.vaddr) continue;
      const std::uint64_t into = address - segment.vaddr;
      if (into >= segment.filesz) continue;
      // Every PT_LOAD was checked to fit the file in read_program_headers.
      return bytes_.subspan(segment.offset + into, segment.filesz - into);
    }
    return std::nullopt;
  }

  /// The file offset of [address, address + length) when one PT_LOAD's file image maps all of it.
  std::optional<std::uint64_t> file_offset(std::uint64_t address, std::uint64_t length) const {
    const auto mapped = map_address(address);
    if (!mapped || length > mapped->size()) return std::nullopt;
    return static_cast<std::uint64_t>(mapped->data() - bytes_.data());
  }

  bool read_interpreter(ElfInfo& info) {
    const Segment* interp = first_segment(kPtInterp);
    if (interp == nullptr) return true;
    if (!fits(interp->offset, interp->filesz)) {
      return fail("PT_INTERP (" + std::to_string(interp->filesz) + " bytes at " +
                  hex(interp->offset) + ") extends past the end of the file (" +
                  std::to_string(size()) + " bytes)");
    }
    if (interp->filesz < 2 || interp->filesz > kMaxInterpreter) {
      return fail("PT_INTERP of " + std::to_string(interp->filesz) + " bytes");
    }
    const auto path = bytes_.subspan(interp->offset, interp->filesz);
    if (path.back() != std::byte{0}) return fail("PT_INTERP is not NUL-terminated");
    const auto end = std::find(path.begin(), path.end(), std::byte{0});
    info.interpreter.assign(reinterpret_cast<const char*>(path.data()),
                            static_cast<std::size_t>(end - path.begin()));
    return true;
  }

  bool read_dynamic(ElfInfo& info) {
    const Segment* dynamic = first_segment(kPtDynamic);
    if (dynamic == nullptr) return true;
    if (!fits(dynamic->offset, dynamic->filesz)) {
      return fail("PT_DYNAMIC (" + std::to_string(dynamic->filesz) + " bytes at " +
                  hex(dynamic->offset) + ") extends past the end of the file (" +
                  std::to_string(size()) + " bytes)");
    }
    const std::uint64_t count = dynamic->filesz / layout_.dynamic_entry;
    DynamicEntries& entries = dynamic_;
    bool ended = false;
    // Where a tag repeats, the last one counts, as in glibc's get-dynamic-info.h.
    for (std::uint64_t i = 0; i < count && i < max_entries_; ++i) {
      const std::uint64_t at = dynamic->offset + i * layout_.dynamic_entry;
      const std::uint64_t tag = word(at);
      const std::uint64_t value = word(at + layout_.word);
      if (tag == kDtNull) {
        ended = true;
        break;
      }
      if (tag == kDtNeeded) entries.needed.push_back(value);
      if (tag == kDtSoname) entries.soname = value;
      if (tag == kDtRpath) entries.rpath = value;
      if (tag == kDtRunpath) entries.runpath = value;
      if (tag == kDtStrtab) entries.strtab = value;
      if (tag == kDtStrsz) entries.strsz = value;
      if (tag == kDtFlags1) info.flags_1 = value;
      if (tag == kDtSymtab) entries.symtab = value;
      if (tag == kDtSyment) entries.syment = value;
      if (tag == kDtHash) entries.hash = value;
      if (tag == kDtGnuHash) entries.gnu_hash = value;
      if (tag == kDtVerneed) entries.verneed = value;
      if (tag == kDtVerneednum) entries.verneednum = value;
      if (tag == kDtVerdef) entries.verdef = value;
      if (tag == kDtVerdefnum) entries.verdefnum = value;
    }
    if (!ended && count > max_entries_) {
      return fail(past_limit(count, "dynamic entries", max_entries_));
    }
    return read_dynamic_strings(entries, info);
  }

  bool read_dynamic_strings(const DynamicEntries& strings, ElfInfo& info) {
    const bool any = !strings.needed.empty() || strings.soname || strings.rpath || strings.runpath;
    if (!strings.strtab) {
      return any ? fail("the dynamic section names libraries or paths but has no DT_STRTAB") : true;
    }
    auto table = map_address(*strings.strtab);
    if (!table) {
      return fail("DT_STRTAB address " + hex(*strings.strtab) + " is in no PT_LOAD segment");
    }
    if (strings.strsz && *strings.strsz < table->size()) table = table->first(*strings.strsz);
    strtab_ = *table;

    std::uint64_t budget = kMaxDynamicStringBytes;
    const auto read = [&](std::uint64_t offset, std::string_view tag, std::string& out) {
      if (offset >= table->size()) {
        return fail(std::string(tag) + " string at offset " + std::to_string(offset) +
                    " is past the string table (" + std::to_string(table->size()) + " bytes)");
      }
      const auto start = table->begin() + static_cast<std::ptrdiff_t>(offset);
      const auto end = std::find(start, table->end(), std::byte{0});
      if (end == table->end()) {
        return fail(std::string(tag) + " string at offset " + std::to_string(offset) +
                    " has no terminating NUL");
      }
      const auto length = static_cast<std::uint64_t>(end - start);
      if (length > budget) {
        return fail("dynamic strings exceed " + std::to_string(kMaxDynamicStringBytes) + " bytes");
      }
      budget -= length;
      out.assign(reinterpret_cast<const char*>(&*start), length);
      return true;
    };

    for (const std::uint64_t offset : strings.needed) {
      std::string name;
      if (!read(offset, "DT_NEEDED", name)) return false;
      info.needed.push_back(std::move(name));
    }
    if (strings.soname && !read(*strings.soname, "DT_SONAME", info.soname)) return false;
    std::string path;
    if (strings.rpath) {
      if (!read(*strings.rpath, "DT_RPATH", path)) return false;
      info.rpath = split_search_path(path);
    }
    if (strings.runpath) {
      if (!read(*strings.runpath, "DT_RUNPATH", path)) return false;
      info.runpath = split_search_path(path);
    }
    return true;
  }

  /// Whether there is a symbol table, and where .go.buildinfo is. Sections do not matter to the
  /// loader, so a bad name or a section past the end is ignored here, not an error.
  void read_sections(ElfInfo& info) {
    info.stripped = true;
    if (shnum_ == 0) return;
    std::span<const std::byte> names;
    if (shstrndx_ != 0 && shstrndx_ < shnum_) {
      const Section table = section_at(shoff_ + shstrndx_ * layout_.section_header);
      if (table.type != kShtNobits && fits(table.offset, table.size)) {
        names = bytes_.subspan(table.offset, table.size);
      }
    }
    for (std::uint64_t i = 0; i < shnum_; ++i) {
      const Section section = section_at(shoff_ + i * layout_.section_header);
      if (section.type == kShtSymtab) info.stripped = false;
      if (section.type == kShtNobits || !fits(section.offset, section.size)) continue;
      if (section.type == kShtDynsym && section.entsize == symbol_size() && !dynsym_count_) {
        dynsym_count_ = section.size / section.entsize;
      }
      if (section.type == kShtNote) {
        note_sections_.push_back({section.offset, section.size, section.addralign});
      }
      if (go_section_) continue;
      if (has_name(names, section.name, kGoBuildInfoSection)) {
        go_section_ = bytes_.subspan(section.offset, section.size);
      }
    }
  }

  /// True when the string at `offset` in a string table is `name` and its NUL. Compares at
  /// most name.size() + 1 bytes, so a million sections naming one unterminated string stay
  /// linear.
  static bool has_name(std::span<const std::byte> table, std::uint64_t offset,
                       std::string_view name) {
    if (offset >= table.size() || table.size() - offset <= name.size()) return false;
    const auto text = table.subspan(offset, name.size() + 1);
    return std::equal(name.begin(), name.end(), text.begin(),
                      [](char c, std::byte b) { return std::byte(c) == b; }) &&
           text.back() == std::byte{0};
  }

  /// A string of the dynamic string table, or nullopt when the offset is past it or the string
  /// has no NUL. Scans at most `budget` bytes, which it lowers, so crafted tables stay linear.
  std::optional<std::string> table_string(std::uint64_t offset, std::uint64_t& budget) const {
    if (offset >= strtab_.size()) return std::nullopt;
    const auto rest =
        strtab_.subspan(offset, std::min<std::uint64_t>(strtab_.size() - offset, budget));
    const auto end = std::find(rest.begin(), rest.end(), std::byte{0});
    budget -= static_cast<std::uint64_t>(end - rest.begin());
    if (end == rest.end()) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(rest.data()),
                       static_cast<std::size_t>(end - rest.begin()));
  }

  /// DT_VERNEED as glibc's dl-version.c walks it: Elf_Verneed records (16 bytes in both classes)
  /// linked by vn_next, each with vn_cnt Elf_Vernaux records (16 bytes) linked by vna_next.
  void read_version_needs(ElfInfo& info) const {
    if (!dynamic_.verneed) return;
    std::uint64_t records = kMaxVersionRecords;
    std::uint64_t budget = kMaxDynamicStringBytes;
    std::uint64_t address = *dynamic_.verneed;
    const std::uint64_t count = dynamic_.verneednum.value_or(kMaxVersionRecords);
    for (std::uint64_t i = 0; i < count && records > 0; ++i) {
      --records;
      const auto at = file_offset(address, 16);
      if (!at) return;
      auto file = table_string(word32(*at + 4), budget);
      if (!file) return;
      VersionNeed need{std::move(*file), {}};
      std::uint64_t aux = address + word32(*at + 8);
      for (std::uint16_t j = 0, n = half(*at + 2); j < n && records > 0; ++j) {
        --records;
        const auto entry = file_offset(aux, 16);
        if (!entry) break;
        if ((half(*entry + 4) & kVerFlgWeak) == 0) {
          if (auto name = table_string(word32(*entry + 8), budget)) {
            need.versions.push_back(std::move(*name));
          }
        }
        const std::uint32_t next = word32(*entry + 12);
        if (next == 0) break;
        aux += next;
      }
      info.version_needs.push_back(std::move(need));
      const std::uint32_t next = word32(*at + 12);
      if (next == 0) return;
      address += next;
    }
  }

  /// DT_VERDEF: Elf_Verdef records (20 bytes) linked by vd_next; the first Elf_Verdaux of each
  /// names the version (the others name its parents, defined by records of their own).
  void read_version_defs(ElfInfo& info) const {
    if (!dynamic_.verdef) return;
    std::uint64_t budget = kMaxDynamicStringBytes;
    std::uint64_t address = *dynamic_.verdef;
    const std::uint64_t count =
        std::min(dynamic_.verdefnum.value_or(kMaxVersionRecords), kMaxVersionRecords);
    for (std::uint64_t i = 0; i < count; ++i) {
      const auto at = file_offset(address, 20);
      if (!at) return;
      const bool base = (half(*at + 2) & kVerFlgBase) != 0;
      const auto aux = file_offset(address + word32(*at + 12), 8);
      if (!base && half(*at + 6) > 0 && aux) {
        auto name = table_string(word32(*aux), budget);
        if (name && std::find(info.version_defs.begin(), info.version_defs.end(), *name) ==
                        info.version_defs.end()) {
          info.version_defs.push_back(std::move(*name));
        }
      }
      const std::uint32_t next = word32(*at + 16);
      if (next == 0) return;
      address += next;
    }
  }

  std::uint64_t symbol_size() const { return layout_.word == 8 ? 24 : 16; }

  /// How many dynamic symbols there are: DT_HASH's nchain, else the last symbol DT_GNU_HASH's
  /// chains reach, else the .dynsym section's size.
  std::optional<std::uint64_t> symbol_count() const {
    if (dynamic_.hash) {
      // s390x, like Alpha, has 8-byte hash table words.
      const std::size_t w = machine_ == kEmS390 && layout_.word == 8 ? 8 : 4;
      if (const auto at = file_offset(*dynamic_.hash, 2 * w)) return field(*at + w, w);
    }
    if (dynamic_.gnu_hash) {
      if (auto count = gnu_hash_symbol_count(*dynamic_.gnu_hash)) return count;
    }
    return dynsym_count_;
  }

  /// The GNU hash table: nbuckets, symoffset, bloom_size, bloom_shift, the bloom words, the
  /// buckets (the first symbol of each chain), then one word per symbol from symoffset on whose
  /// low bit ends a chain. The highest bucket's chain ends at the last symbol.
  std::optional<std::uint64_t> gnu_hash_symbol_count(std::uint64_t address) const {
    const auto header = file_offset(address, 16);
    if (!header) return std::nullopt;
    const std::uint64_t buckets = word32(*header);
    const std::uint64_t symoffset = word32(*header + 4);
    const std::uint64_t bucket_address = address + 16 + word32(*header + 8) * layout_.word;
    if (buckets > max_entries_) return std::nullopt;
    const auto bucket_table = file_offset(bucket_address, buckets * 4);
    if (!bucket_table) return std::nullopt;
    std::uint64_t last = 0;
    for (std::uint64_t b = 0; b < buckets; ++b)
      last = std::max<std::uint64_t>(last, word32(*bucket_table + 4 * b));
    if (last < symoffset) return symoffset;
    const std::uint64_t chains = bucket_address + buckets * 4;
    for (std::uint64_t index = last; index - last < max_entries_; ++index) {
      const auto at = file_offset(chains + (index - symoffset) * 4, 4);
      if (!at) return std::nullopt;
      if ((word32(*at) & 1U) != 0) return index + 1;
    }
    return std::nullopt;
  }

  /// The undefined symbols of DT_SYMTAB (st_shndx SHN_UNDEF), symbol 0 aside; false past the
  /// entry limit.
  bool read_imports(ElfInfo& info) {
    if (!dynamic_.symtab || strtab_.empty()) return true;
    const std::uint64_t entry = symbol_size();
    if (dynamic_.syment && *dynamic_.syment != entry) return true;
    const auto table = map_address(*dynamic_.symtab);
    const auto count = symbol_count();
    if (!table || !count) return true;
    const std::uint64_t symbols = std::min(*count, table->size() / entry);
    if (symbols > max_entries_) return fail(past_limit(symbols, "dynamic symbols", max_entries_));
    const auto base = static_cast<std::uint64_t>(table->data() - bytes_.data());
    const bool wide = layout_.word == 8;
    std::uint64_t budget = kMaxSymbolBytes;
    for (std::uint64_t i = 1; i < symbols && budget > 0; ++i) {
      const std::uint64_t at = base + i * entry;
      const std::uint32_t name = word32(at);
      const std::uint16_t section = half(wide ? at + 6 : at + 14);
      if (section != 0 || name == 0) continue;
      if (auto text = table_string(name, budget); text && !text->empty()) {
        info.imports.push_back(std::move(*text));
      }
    }
    std::sort(info.imports.begin(), info.imports.end());
    info.imports.erase(std::unique(info.imports.begin(), info.imports.end()), info.imports.end());
    return true;
  }

  /// .note.dlopen entries from every PT_NOTE segment and SHT_NOTE section; a note both hold is
  /// read once. False past the entry limit (notes of all areas together).
  bool read_notes(ElfInfo& info) {
    std::vector<NoteArea> areas;
    for (const Segment& segment : segments_) {
      if (segment.type == kPtNote && fits(segment.offset, segment.filesz)) {
        areas.push_back({segment.offset, segment.filesz, segment.align});
      }
    }
    areas.insert(areas.end(), note_sections_.begin(), note_sections_.end());
    std::set<std::uint64_t> seen;
    std::uint64_t notes = 0;
    for (const NoteArea& area : areas) {
      if (!read_note_area(area, info, seen, notes)) {
        return fail("has more than " + std::to_string(max_entries_) +
                    " notes, past the limit (--max-elf-entries)");
      }
    }
    return true;
  }

  /// A note is namesz, descsz and type (4 bytes each in both classes), the name, then the
  /// descriptor; the descriptor and the next note start at the area's alignment (8 for an
  /// 8-aligned area, else 4) from the note's start, as binutils' ELF_NOTE_DESC_OFFSET says.
  /// False when `notes`, the count so far, passes the entry limit.
  bool read_note_area(const NoteArea& area, ElfInfo& info, std::set<std::uint64_t>& seen,
                      std::uint64_t& notes) const {
    const std::uint64_t pad = area.align == 8 ? 8 : 4;
    const std::uint64_t end = area.offset + area.size;  // the area fits the file
    std::uint64_t at = area.offset;
    while (end - at >= 12) {
      if (++notes > max_entries_) return false;
      const std::uint64_t name_size = word32(at);
      const std::uint64_t desc_size = word32(at + 4);
      const std::uint32_t type = word32(at + 8);
      const std::uint64_t name_at = at + 12;
      const std::uint64_t desc_offset = round_up(12 + name_size, pad);
      if (desc_offset > end - at) return true;
      const std::uint64_t desc_at = at + desc_offset;
      if (desc_size > end - desc_at) return true;
      if (type == kDlopenNoteType && desc_size <= kMaxDlopenNotePayload &&
          has_name(bytes_.subspan(name_at, name_size), 0, kDlopenNoteOwner) &&
          name_size == kDlopenNoteOwner.size() + 1 && seen.insert(desc_at).second) {
        const std::string_view payload(reinterpret_cast<const char*>(bytes_.data() + desc_at),
                                       desc_size);
        for (auto& note : parse_dlopen_metadata(payload, max_json_depth_))
          info.dlopen_notes.push_back(std::move(note));
      }
      at += std::min(round_up(desc_offset + desc_size, pad), end - at);
    }
    return true;
  }

  static ElfKind classify(const ElfInfo& info) {
    const bool has_interpreter = !info.interpreter.empty();
    if (info.type == kEtExec) return has_interpreter ? ElfKind::kDynamic : ElfKind::kStatic;
    if (info.type != kEtDyn) return ElfKind::kOther;
    if (info.pie()) return has_interpreter ? ElfKind::kDynamic : ElfKind::kStaticPie;
    return ElfKind::kSharedObject;
  }

  /// Go's build info, found as golang/go src/debug/buildinfo finds it: the .go.buildinfo
  /// section, else the first writable, non-executable PT_LOAD (for section-stripped files).
  std::optional<GoBuildInfo> read_go_build_info() const {
    std::span<const std::byte> data;
    if (go_section_) {
      data = *go_section_;
    } else {
      const auto it = std::find_if(segments_.begin(), segments_.end(), [](const Segment& s) {
        return s.type == kPtLoad && (s.flags & (kPfExecute | kPfWrite)) == kPfWrite;
      });
      if (it == segments_.end()) return std::nullopt;
      data = bytes_.subspan(it->offset, it->filesz);
    }
    data = data.first(std::min<std::uint64_t>(data.size(), kGoBuildInfoWindow));
    const VirtualMemoryReader read_memory = [this](std::uint64_t address, std::uint64_t length) {
      const auto mapped = map_address(address);
      if (!mapped) return std::span<const std::byte>{};
      return mapped->first(std::min<std::uint64_t>(mapped->size(), length));
    };
    return decode_go_build_info(data, read_memory);
  }

  std::span<const std::byte> bytes_;
  Layout layout_ = kLayout64;
  bool big_endian_ = false;
  std::string error_;
  std::uint64_t phoff_ = 0;
  std::uint64_t shoff_ = 0;
  std::uint64_t phentsize_ = 0;
  std::uint64_t phnum_ = 0;
  std::uint64_t shentsize_ = 0;
  std::uint64_t shnum_ = 0;
  std::uint64_t shstrndx_ = 0;
  std::uint16_t machine_ = 0;
  std::vector<Segment> segments_;
  std::optional<std::span<const std::byte>> go_section_;
  DynamicEntries dynamic_;
  std::span<const std::byte> strtab_;  ///< DT_STRTAB as far as DT_STRSZ and its PT_LOAD reach
  std::optional<std::uint64_t> dynsym_count_;
  std::vector<NoteArea> note_sections_;
  std::uint64_t max_entries_;
  std::uint64_t max_json_depth_;
};

}  // namespace

bool ElfInfo::nodeflib() const {
  return (flags_1 & kDf1Nodeflib) != 0;
}

bool ElfInfo::pie() const {
  return (flags_1 & kDf1Pie) != 0;
}

std::string_view to_string(ElfKind kind) {
  switch (kind) {
    case ElfKind::kStatic:
      return "static";
    case ElfKind::kStaticPie:
      return "static-pie";
    case ElfKind::kDynamic:
      return "dynamic";
    case ElfKind::kSharedObject:
      return "shared-object";
    case ElfKind::kOther:
      break;
  }
  return "other";
}

std::string machine_name(std::uint16_t machine) {
  switch (machine) {
    case 2:
      return "sparc";
    case 3:
      return "i386";
    case 8:
      return "mips";
    case 20:
      return "ppc";
    case 21:
      return "ppc64";
    case 22:
      return "s390";
    case 40:
      return "arm";
    case 42:
      return "sh";
    case 43:
      return "sparcv9";
    case 50:
      return "ia64";
    case 62:
      return "x86-64";
    case 183:
      return "aarch64";
    case 243:
      return "riscv";
    case 247:
      return "bpf";
    case 258:
      return "loongarch";
    default:
      return "machine " + std::to_string(machine);
  }
}

std::string oci_architecture(std::uint16_t machine, int elf_class, bool big_endian) {
  const bool wide = elf_class == 64;
  switch (machine) {
    case 3:
      return wide ? "" : "386";
    case 8:
      if (wide) return big_endian ? "mips64" : "mips64le";
      return big_endian ? "mips" : "mipsle";
    case 21:
      if (!wide) return "";
      return big_endian ? "ppc64" : "ppc64le";
    case 22:
      return wide ? "s390x" : "";
    case 40:
      return wide || big_endian ? "" : "arm";
    case 62:
      return wide ? "amd64" : "";  // class 32 is the x32 ABI, which has no OCI architecture
    case 183:
      return wide && !big_endian ? "arm64" : "";
    case 243:
      return wide ? "riscv64" : "";
    case 258:
      return wide ? "loong64" : "";
    default:
      return "";
  }
}

std::string oci_architecture(const ElfInfo& info) {
  return oci_architecture(info.machine, info.elf_class, info.big_endian);
}

bool is_elf(std::span<const std::byte> bytes) {
  return bytes.size() >= kMagic.size() && std::equal(kMagic.begin(), kMagic.end(), bytes.begin());
}

ElfResult parse_elf(std::span<const std::byte> bytes, const InputLimits& limits) {
  return ElfParser(bytes, limits).parse();
}

}  // namespace pare
