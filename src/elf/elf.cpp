#include "pare/elf/elf.hpp"

#include <algorithm>
#include <array>
#include <charconv>
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
constexpr std::uint32_t kPfExecute = 1;
constexpr std::uint32_t kPfWrite = 2;
constexpr std::uint64_t kPnXnum = 0xFFFF;  // e_phnum: the count is in section 0's sh_info

constexpr std::uint32_t kShtSymtab = 2;
constexpr std::uint32_t kShtNobits = 8;
constexpr std::uint64_t kShnXindex = 0xFFFF;  // e_shstrndx: the index is in section 0's sh_link

constexpr std::uint64_t kDtNull = 0;
constexpr std::uint64_t kDtNeeded = 1;
constexpr std::uint64_t kDtStrtab = 5;
constexpr std::uint64_t kDtStrsz = 10;
constexpr std::uint64_t kDtSoname = 14;
constexpr std::uint64_t kDtRpath = 15;
constexpr std::uint64_t kDtRunpath = 29;
constexpr std::uint64_t kDtFlags1 = 0x6FFFFFFB;
constexpr std::uint64_t kDf1Nodeflib = 0x800;
constexpr std::uint64_t kDf1Pie = 0x08000000;

// Limits that keep a hostile count from looping or allocating without end. Linux refuses a
// program header table over 64 KiB (about 1,170 entries); real dynamic sections hold tens of
// entries and a few KiB of strings.
constexpr std::uint64_t kMaxProgramHeaders = 0xFFFF;
constexpr std::uint64_t kMaxSections = 1U << 20U;
constexpr std::uint64_t kMaxDynamicEntries = 1U << 16U;
constexpr std::uint64_t kMaxDynamicStringBytes = 1U << 20U;
constexpr std::uint64_t kMaxInterpreter = 4096;  // the kernel's PATH_MAX for PT_INTERP
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
};

/// One section header, as far as pare reads it.
struct Section {
  std::uint32_t name = 0;
  std::uint32_t type = 0;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  std::uint32_t link = 0;
  std::uint32_t info = 0;
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

/// What DT_NEEDED, DT_SONAME, DT_RPATH and DT_RUNPATH point at: offsets into DT_STRTAB.
struct DynamicStrings {
  std::vector<std::uint64_t> needed;
  std::optional<std::uint64_t> soname;
  std::optional<std::uint64_t> rpath;
  std::optional<std::uint64_t> runpath;
  std::optional<std::uint64_t> strtab;  ///< a virtual address
  std::optional<std::uint64_t> strsz;
};

/// Reads one ELF file; every read is checked against the bytes and fails with a message.
class ElfParser {
 public:
  explicit ElfParser(std::span<const std::byte> bytes) : bytes_(bytes) {}

  ElfResult parse() {
    ElfInfo info;
    if (!read_header(info) || !read_section_table() || !read_program_headers() ||
        !read_interpreter(info) || !read_dynamic(info)) {
      return {std::nullopt, std::move(error_)};
    }
    read_sections(info);
    info.kind = classify(info);
    info.go = read_go_build_info();
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
    if (shnum_ > kMaxSections) {
      return fail("too many section headers (" + std::to_string(shnum_) + ")");
    }
    if (!fits(shoff_, shnum_ * layout_.section_header)) {
      return fail("section header table (" + std::to_string(shnum_) + " entries at " + hex(shoff_) +
                  ") extends past the end of the file (" + std::to_string(size()) + " bytes)");
    }
    return true;
  }

  bool read_program_headers() {
    if (phnum_ == 0) return true;
    if (phnum_ > kMaxProgramHeaders) {
      return fail("too many program headers (" + std::to_string(phnum_) + ")");
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
    DynamicStrings strings;
    bool ended = false;
    // Where a tag repeats, the last one counts, as in glibc's get-dynamic-info.h.
    for (std::uint64_t i = 0; i < count && i < kMaxDynamicEntries; ++i) {
      const std::uint64_t at = dynamic->offset + i * layout_.dynamic_entry;
      const std::uint64_t tag = word(at);
      const std::uint64_t value = word(at + layout_.word);
      if (tag == kDtNull) {
        ended = true;
        break;
      }
      if (tag == kDtNeeded) strings.needed.push_back(value);
      if (tag == kDtSoname) strings.soname = value;
      if (tag == kDtRpath) strings.rpath = value;
      if (tag == kDtRunpath) strings.runpath = value;
      if (tag == kDtStrtab) strings.strtab = value;
      if (tag == kDtStrsz) strings.strsz = value;
      if (tag == kDtFlags1) info.flags_1 = value;
    }
    if (!ended && count > kMaxDynamicEntries) {
      return fail("more than " + std::to_string(kMaxDynamicEntries) + " dynamic entries");
    }
    return read_dynamic_strings(strings, info);
  }

  bool read_dynamic_strings(const DynamicStrings& strings, ElfInfo& info) {
    const bool any = !strings.needed.empty() || strings.soname || strings.rpath || strings.runpath;
    if (!strings.strtab) {
      return any ? fail("the dynamic section names libraries or paths but has no DT_STRTAB") : true;
    }
    auto table = map_address(*strings.strtab);
    if (!table) {
      return fail("DT_STRTAB address " + hex(*strings.strtab) + " is in no PT_LOAD segment");
    }
    if (strings.strsz && *strings.strsz < table->size()) table = table->first(*strings.strsz);

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
      if (go_section_ || section.type == kShtNobits || !fits(section.offset, section.size)) {
        continue;
      }
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
  std::vector<Segment> segments_;
  std::optional<std::span<const std::byte>> go_section_;
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

ElfResult parse_elf(std::span<const std::byte> bytes) {
  return ElfParser(bytes).parse();
}

}  // namespace pare
