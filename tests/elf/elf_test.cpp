#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "../support.hpp"
#include "elf_testdata.hpp"
#include "pare/elf/dlopen_note.hpp"
#include "pare/elf/elf.hpp"
#include "pare/elf/go_buildinfo.hpp"

using namespace pare;

namespace {

using Bytes = std::vector<std::byte>;

std::optional<Bytes> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  const std::vector<char> chars{std::istreambuf_iterator<char>(in),
                                std::istreambuf_iterator<char>()};
  Bytes bytes(chars.size());
  std::transform(chars.begin(), chars.end(), bytes.begin(),
                 [](char c) { return static_cast<std::byte>(c); });
  return bytes;
}

/// A binary make-elf-fixtures.sh compiled. When its compiler was missing the test fails in CI
/// and is skipped (with a message) elsewhere.
std::optional<Bytes> fixture(const std::string& name) {
  auto bytes = read_file(elf_testdata(name));
  if (!bytes) {
    if (in_ci()) {
      FAIL_CHECK("missing ELF fixture " << elf_testdata(name));
    } else {
      MESSAGE("skipped: no " << elf_testdata(name) << " (is its compiler installed?)");
    }
  }
  return bytes;
}

/// The host's glibc (resolved, in case libc.so.6 is a symlink), or nullopt off Debian amd64.
std::optional<Bytes> host_libc() {
  std::error_code error;
  const auto path = std::filesystem::canonical("/lib/x86_64-linux-gnu/libc.so.6", error);
  if (error) {
    if (in_ci()) FAIL_CHECK("no /lib/x86_64-linux-gnu/libc.so.6");
    return std::nullopt;
  }
  return read_file(path.string());
}

ElfInfo parse_ok(const Bytes& bytes) {
  const ElfResult result = parse_elf(bytes);
  INFO("parse error: " << result.error);
  REQUIRE(result.info.has_value());
  CHECK(result.error.empty());
  return *result.info;
}

std::string parse_error(const Bytes& bytes) {
  const ElfResult result = parse_elf(bytes);
  CHECK_FALSE(result.info.has_value());
  CHECK_FALSE(result.error.empty());
  return result.error;
}

Bytes cut(const Bytes& bytes, std::size_t size) {
  return {bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(std::min(size, bytes.size()))};
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

/// What binutils' readelf says about a file, the independent opinion the parser is checked
/// against: DT_NEEDED, DT_SONAME, DT_RPATH, DT_RUNPATH and the interpreter.
struct ReadelfView {
  std::vector<std::string> needed;
  std::string soname;
  std::string rpath;
  std::string runpath;
  std::string interpreter;
};

std::string bracketed(const std::string& line) {
  const auto open = line.find('[');
  const auto close = line.rfind(']');
  if (open == std::string::npos || close == std::string::npos || close < open) return {};
  return line.substr(open + 1, close - open - 1);
}

std::optional<ReadelfView> readelf(const std::string& file) {
  if (std::system("command -v readelf >/dev/null 2>&1") != 0) return std::nullopt;
  ReadelfView view;
  const std::string cmd = "readelf -W -l -d '" + file + "' 2>/dev/null";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
    const std::string line(buffer);
    if (line.find("(NEEDED)") != std::string::npos) view.needed.push_back(bracketed(line));
    if (line.find("(SONAME)") != std::string::npos) view.soname = bracketed(line);
    if (line.find("(RPATH)") != std::string::npos) view.rpath = bracketed(line);
    if (line.find("(RUNPATH)") != std::string::npos) view.runpath = bracketed(line);
    const std::string interp = "[Requesting program interpreter: ";
    if (const auto at = line.find(interp); at != std::string::npos) {
      view.interpreter = line.substr(at + interp.size(), line.find(']') - at - interp.size());
    }
  }
  ::pclose(pipe);
  return view;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i == 0 ? "" : ":") + parts[i];
  return out;
}

// ---- Hand-built ELF files ---------------------------------------------------------------------

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
/// A DT_STRTAB value the builder replaces with the string table's real address.
constexpr std::uint64_t kStrtabHere = ~std::uint64_t{0};

/// A minimal ELF file written field by field: one PT_LOAD mapping the whole file at `base`,
/// then PT_INTERP (when `interpreter` is set) and PT_DYNAMIC (when `dynamic` is). The program
/// headers start at 0x40, the interpreter at 0x100, the dynamic section at 0x180 and the string
/// table right after it, so it ends the file. No section headers.
struct HandMadeElf {
  bool wide = true;
  bool big_endian = false;
  std::uint16_t type = 3;
  std::uint16_t machine = 62;
  std::string interpreter;  // written with a trailing NUL
  std::vector<std::pair<std::uint64_t, std::uint64_t>> dynamic;
  std::string strtab;

  static constexpr std::size_t kPhoff = 0x40;
  static constexpr std::size_t kInterpAt = 0x100;
  static constexpr std::size_t kDynamicAt = 0x180;

  std::uint64_t base() const { return wide ? 0x400000 : 0x8048000; }
  std::size_t word() const { return wide ? 8 : 4; }
  std::size_t program_header_size() const { return wide ? 56 : 32; }
  std::size_t strtab_at() const { return kDynamicAt + dynamic.size() * 2 * word(); }
  /// Where program header `index`'s p_offset and p_filesz are.
  std::size_t p_offset_at(std::size_t index) const {
    return kPhoff + index * program_header_size() + (wide ? 8 : 4);
  }
  std::size_t p_filesz_at(std::size_t index) const {
    return kPhoff + index * program_header_size() + (wide ? 32 : 16);
  }
  /// Where dynamic entry `index`'s d_val is.
  std::size_t d_val_at(std::size_t index) const { return kDynamicAt + (2 * index + 1) * word(); }

  void put(Bytes& bytes, std::size_t offset, std::uint64_t value, std::size_t width) const {
    if (bytes.size() < offset + width) bytes.resize(offset + width);
    for (std::size_t i = 0; i < width; ++i) {
      const std::size_t shift = 8 * (big_endian ? width - 1 - i : i);
      bytes[offset + i] = static_cast<std::byte>((value >> shift) & 0xFFU);
    }
  }
  void put_text(Bytes& bytes, std::size_t offset, const std::string& text) const {
    if (bytes.size() < offset + text.size()) bytes.resize(offset + text.size());
    for (std::size_t i = 0; i < text.size(); ++i) bytes[offset + i] = std::byte(text[i]);
  }

  Bytes build() const {
    Bytes bytes;
    const std::size_t w = word();
    const std::size_t end = strtab_at() + strtab.size();
    put_text(bytes, 0,
             "\x7f"
             "ELF");
    put(bytes, 4, wide ? 2 : 1, 1);
    put(bytes, 5, big_endian ? 2 : 1, 1);
    put(bytes, 6, 1, 1);
    put(bytes, 16, type, 2);
    put(bytes, 18, machine, 2);
    put(bytes, 20, 1, 4);
    std::vector<std::array<std::uint64_t, 4>> segments;  // type, offset, size, flags
    segments.push_back({1, 0, end, 5});
    if (!interpreter.empty()) segments.push_back({3, kInterpAt, interpreter.size() + 1, 4});
    if (!dynamic.empty()) segments.push_back({2, kDynamicAt, dynamic.size() * 2 * w, 6});
    put(bytes, 24 + w, kPhoff, w);                     // e_phoff
    put(bytes, 28 + 3 * w, wide ? 64 : 52, 2);         // e_ehsize
    put(bytes, 30 + 3 * w, program_header_size(), 2);  // e_phentsize
    put(bytes, 32 + 3 * w, segments.size(), 2);        // e_phnum
    for (std::size_t i = 0; i < segments.size(); ++i) {
      const auto [p_type, offset, size, flags] = segments[i];
      const std::size_t at = kPhoff + i * program_header_size();
      put(bytes, at, p_type, 4);
      put(bytes, wide ? at + 4 : at + 24, flags, 4);
      put(bytes, p_offset_at(i), offset, w);
      put(bytes, wide ? at + 16 : at + 8, base() + offset, w);   // p_vaddr
      put(bytes, wide ? at + 24 : at + 12, base() + offset, w);  // p_paddr
      put(bytes, p_filesz_at(i), size, w);
      put(bytes, wide ? at + 40 : at + 20, size, w);  // p_memsz
    }
    if (!interpreter.empty()) put_text(bytes, kInterpAt, interpreter + '\0');
    for (std::size_t i = 0; i < dynamic.size(); ++i) {
      const auto [tag, value] = dynamic[i];
      put(bytes, kDynamicAt + 2 * i * w, tag, w);
      put(bytes, d_val_at(i),
          tag == kDtStrtab && value == kStrtabHere ? base() + strtab_at() : value, w);
    }
    put_text(bytes, strtab_at(), strtab);
    bytes.resize(end);
    return bytes;
  }
};

/// A 64-bit little-endian PIE with an interpreter, two DT_NEEDED and a RUNPATH: the base the
/// malformed-file tests break one field of. Its string table: 1 libc.so.6, 11 libm.so.6,
/// 21 "/opt/a::/opt/b".
HandMadeElf base_elf() {
  HandMadeElf elf;
  elf.interpreter = "/lib64/ld-linux-x86-64.so.2";
  elf.strtab = std::string("\0libc.so.6\0libm.so.6\0/opt/a::/opt/b\0", 36);
  elf.dynamic = {{kDtNeeded, 1}, {kDtNeeded, 11},      {kDtRunpath, 21}, {kDtStrtab, kStrtabHere},
                 {kDtStrsz, 36}, {kDtFlags1, kDf1Pie}, {kDtNull, 0}};
  return elf;
}

}  // namespace

// ---- Real binaries ----------------------------------------------------------------------------

TEST_CASE("a static musl binary: static, x86-64, no interpreter, no libraries") {
  const auto bytes = fixture("static-musl");
  if (!bytes) return;
  const ElfInfo info = parse_ok(*bytes);
  CHECK(info.kind == ElfKind::kStatic);
  CHECK(to_string(info.kind) == "static");
  CHECK(info.type == 2);
  CHECK(info.machine == 62);
  CHECK(info.elf_class == 64);
  CHECK_FALSE(info.big_endian);
  CHECK(info.interpreter.empty());
  CHECK(info.needed.empty());
  CHECK(machine_name(info.machine) == "x86-64");
  CHECK(oci_architecture(info.machine, info.elf_class) == "amd64");
  CHECK(oci_architecture(info) == "amd64");
  CHECK_FALSE(info.go.has_value());
}

TEST_CASE("a static glibc binary is static") {
  const auto bytes = fixture("static-glibc");
  if (!bytes) return;
  const ElfInfo info = parse_ok(*bytes);
  CHECK(info.kind == ElfKind::kStatic);
  CHECK(info.interpreter.empty());
  CHECK(info.needed.empty());
  CHECK(info.os_abi == 3);  // glibc marks static binaries using IFUNC as GNU/Linux
}

TEST_CASE("a static-pie binary: ET_DYN with DF_1_PIE and no interpreter") {
  const auto bytes = fixture("static-pie");
  if (!bytes) return;
  const ElfInfo info = parse_ok(*bytes);
  CHECK(info.kind == ElfKind::kStaticPie);
  CHECK(to_string(info.kind) == "static-pie");
  CHECK(info.type == 3);
  CHECK(info.pie());
  CHECK(info.interpreter.empty());
  CHECK(info.needed.empty());
}

TEST_CASE("a dynamic glibc PIE using libcurl, getaddrinfo and getpwnam") {
  const auto bytes = fixture("dynamic-curl");
  if (!bytes) return;
  const ElfInfo info = parse_ok(*bytes);
  CHECK(info.kind == ElfKind::kDynamic);
  CHECK(to_string(info.kind) == "dynamic");
  CHECK(info.type == 3);
  CHECK(info.pie());
  CHECK(info.interpreter == "/lib64/ld-linux-x86-64.so.2");
  CHECK(contains(info.needed, "libcurl.so.4"));
  CHECK(contains(info.needed, "libc.so.6"));
  CHECK(info.rpath.empty());
  CHECK(info.runpath.empty());
  CHECK(info.soname.empty());
  CHECK_FALSE(info.nodeflib());
}

TEST_CASE("a dynamic musl binary names musl's loader") {
  const auto bytes = fixture("dynamic-musl");
  if (!bytes) return;
  const ElfInfo info = parse_ok(*bytes);
  CHECK(info.kind == ElfKind::kDynamic);
  CHECK(info.interpreter == "/lib/ld-musl-x86_64.so.1");
  CHECK(info.needed == std::vector<std::string>{"libc.so"});
}

TEST_CASE("RUNPATH (--enable-new-dtags), RPATH (--disable-new-dtags) and the library's SONAME") {
  const auto runpath = fixture("runpath-demo");
  const auto rpath = fixture("rpath-demo");
  const auto library = fixture("libdemo.so.1");
  if (!runpath || !rpath || !library) return;

  const ElfInfo with_runpath = parse_ok(*runpath);
  CHECK(with_runpath.kind == ElfKind::kDynamic);
  CHECK(with_runpath.runpath == std::vector<std::string>{"$ORIGIN/../lib"});
  CHECK(with_runpath.rpath.empty());
  REQUIRE_FALSE(with_runpath.needed.empty());
  CHECK(with_runpath.needed.front() == "libdemo.so.1");
  CHECK(contains(with_runpath.needed, "libc.so.6"));

  const ElfInfo with_rpath = parse_ok(*rpath);
  CHECK(with_rpath.rpath == std::vector<std::string>{"$ORIGIN/../lib", "/opt/demo/lib"});
  CHECK(with_rpath.runpath.empty());
  CHECK(contains(with_rpath.needed, "libdemo.so.1"));

  const ElfInfo lib = parse_ok(*library);
  CHECK(lib.kind == ElfKind::kSharedObject);
  CHECK(to_string(lib.kind) == "shared-object");
  CHECK(lib.soname == "libdemo.so.1");
  CHECK(lib.interpreter.empty());
  CHECK_FALSE(lib.pie());
}

TEST_CASE("arm64 static and dynamic binaries") {
  const auto static_bytes = fixture("arm64-static");
  const auto dynamic_bytes = fixture("arm64-dynamic");
  if (!static_bytes || !dynamic_bytes) return;

  const ElfInfo static_info = parse_ok(*static_bytes);
  CHECK(static_info.kind == ElfKind::kStatic);
  CHECK(static_info.machine == 183);
  CHECK(machine_name(static_info.machine) == "aarch64");
  CHECK(oci_architecture(static_info.machine, static_info.elf_class) == "arm64");
  CHECK(static_info.interpreter.empty());

  const ElfInfo dynamic_info = parse_ok(*dynamic_bytes);
  CHECK(dynamic_info.kind == ElfKind::kDynamic);
  CHECK(dynamic_info.machine == 183);
  CHECK(oci_architecture(dynamic_info) == "arm64");
  CHECK(dynamic_info.interpreter == "/lib/ld-linux-aarch64.so.1");
  CHECK(contains(dynamic_info.needed, "libc.so.6"));
}

TEST_CASE("the host's libc.so.6 is a shared object although it has PT_INTERP") {
  const auto bytes = host_libc();
  if (!bytes) return;
  const ElfInfo info = parse_ok(*bytes);
  CHECK(info.kind == ElfKind::kSharedObject);
  CHECK_FALSE(info.interpreter.empty());
  CHECK_FALSE(info.pie());
  CHECK(info.soname == "libc.so.6");
  CHECK(contains(info.needed, "ld-linux-x86-64.so.2"));
}

TEST_CASE("stripped means no .symtab") {
  const auto unstripped = fixture("hello");
  const auto stripped = fixture("hello-stripped");
  if (!unstripped || !stripped) return;
  const ElfInfo before = parse_ok(*unstripped);
  const ElfInfo after = parse_ok(*stripped);
  CHECK_FALSE(before.stripped);
  CHECK(after.stripped);
  CHECK(before.needed == after.needed);
  CHECK(before.interpreter == after.interpreter);
  CHECK(after.kind == ElfKind::kDynamic);
}

TEST_CASE("Go build info in a .go.buildinfo section (Go 1.18+ inline strings)") {
  const auto bytes = fixture("go-like");
  if (!bytes) return;
  const ElfInfo info = parse_ok(*bytes);
  REQUIRE(info.go.has_value());
  CHECK(info.go->go_version == "go1.22.1");
  CHECK(info.go->module_path == "example.com/hello");
  CHECK(info.go->module_version == "(devel)");
  REQUIRE(info.go->cgo_enabled.has_value());
  CHECK_FALSE(*info.go->cgo_enabled);
  CHECK(info.go->settings ==
        std::map<std::string, std::string>{{"CGO_ENABLED", "0"}, {"GOARCH", "amd64"}});

  SUBCASE("found in the first writable segment when there are no section headers") {
    Bytes no_sections = *bytes;
    HandMadeElf le;                 // only for its little-endian put
    le.put(no_sections, 40, 0, 8);  // e_shoff
    le.put(no_sections, 60, 0, 2);  // e_shnum
    le.put(no_sections, 62, 0, 2);  // e_shstrndx
    const ElfInfo bare = parse_ok(no_sections);
    CHECK(bare.stripped);
    REQUIRE(bare.go.has_value());
    CHECK(bare.go->go_version == "go1.22.1");
    CHECK(bare.go->module_path == "example.com/hello");
  }
}

TEST_CASE("what the parser reads equals what binutils' readelf reads") {
  for (const char* name : {"static-musl", "static-glibc", "static-pie", "dynamic-curl",
                           "dynamic-musl", "runpath-demo", "rpath-demo", "libdemo.so.1",
                           "arm64-static", "arm64-dynamic", "hello", "hello-stripped", "go-like"}) {
    CAPTURE(name);
    const auto bytes = fixture(name);
    if (!bytes) continue;
    const auto view = readelf(elf_testdata(name));
    if (!view) {
      MESSAGE("skipped: readelf is not installed");
      return;
    }
    const ElfInfo info = parse_ok(*bytes);
    CHECK(info.needed == view->needed);
    CHECK(info.soname == view->soname);
    CHECK(join(info.rpath) == view->rpath);
    CHECK(join(info.runpath) == view->runpath);
    CHECK(info.interpreter == view->interpreter);
  }
}

// ---- Hand-built: 32-bit, big-endian, and the kinds ---------------------------------------------

TEST_CASE("a 64-bit big-endian file: interpreter, needed, RUNPATH, SONAME, DF_1_NODEFLIB") {
  HandMadeElf elf;
  elf.big_endian = true;
  elf.machine = 21;  // EM_PPC64
  elf.interpreter = "/lib64/ld64.so.1";
  elf.strtab = std::string("\0libc.so.6\0libm.so.6\0/opt/a::/opt/b\0libx.so.1\0", 46);
  elf.dynamic = {{kDtNeeded, 1},
                 {kDtNeeded, 11},
                 {kDtRunpath, 21},
                 {kDtSoname, 36},
                 {kDtFlags1, kDf1Pie | kDf1Nodeflib},
                 {kDtStrtab, kStrtabHere},
                 {kDtStrsz, 46},
                 {kDtNull, 0}};
  const ElfInfo info = parse_ok(elf.build());
  CHECK(info.elf_class == 64);
  CHECK(info.big_endian);
  CHECK(info.machine == 21);
  CHECK(info.type == 3);
  CHECK(info.kind == ElfKind::kDynamic);
  CHECK(info.interpreter == "/lib64/ld64.so.1");
  CHECK(info.needed == std::vector<std::string>{"libc.so.6", "libm.so.6"});
  CHECK(info.runpath == std::vector<std::string>{"/opt/a", "", "/opt/b"});
  CHECK(info.rpath.empty());
  CHECK(info.soname == "libx.so.1");
  CHECK(info.nodeflib());
  CHECK(info.stripped);
  CHECK(machine_name(info.machine) == "ppc64");
  CHECK(oci_architecture(info) == "ppc64");
  CHECK(oci_architecture(21, 64) == "ppc64le");
}

TEST_CASE("a 32-bit little-endian file: i386 ET_EXEC with an interpreter and RPATH") {
  HandMadeElf elf;
  elf.wide = false;
  elf.type = 2;
  elf.machine = 3;  // EM_386
  elf.interpreter = "/lib/ld-linux.so.2";
  elf.strtab = std::string("\0libc.so.6\0$ORIGIN/lib\0", 23);
  elf.dynamic = {{kDtNeeded, 1}, {kDtRpath, 11}, {kDtStrtab, kStrtabHere}, {kDtNull, 0}};
  const ElfInfo info = parse_ok(elf.build());
  CHECK(info.elf_class == 32);
  CHECK_FALSE(info.big_endian);
  CHECK(info.machine == 3);
  CHECK(info.kind == ElfKind::kDynamic);
  CHECK(info.interpreter == "/lib/ld-linux.so.2");
  CHECK(info.needed == std::vector<std::string>{"libc.so.6"});
  CHECK(info.rpath == std::vector<std::string>{"$ORIGIN/lib"});
  CHECK(machine_name(info.machine) == "i386");
  CHECK(oci_architecture(info) == "386");
}

TEST_CASE("a 32-bit big-endian static file") {
  HandMadeElf elf;
  elf.wide = false;
  elf.big_endian = true;
  elf.type = 2;
  elf.machine = 8;  // EM_MIPS
  const ElfInfo info = parse_ok(elf.build());
  CHECK(info.elf_class == 32);
  CHECK(info.big_endian);
  CHECK(info.kind == ElfKind::kStatic);
  CHECK(oci_architecture(info) == "mips");
}

TEST_CASE("kinds: ET_DYN without DF_1_PIE is a shared object, even with PT_INTERP") {
  HandMadeElf elf = base_elf();
  elf.dynamic[5] = {kDtFlags1, 0};
  CHECK(parse_ok(elf.build()).kind == ElfKind::kSharedObject);
  elf.interpreter.clear();
  CHECK(parse_ok(elf.build()).kind == ElfKind::kSharedObject);
  elf.dynamic[5] = {kDtFlags1, kDf1Pie};
  CHECK(parse_ok(elf.build()).kind == ElfKind::kStaticPie);
  elf.type = 1;  // ET_REL
  CHECK(parse_ok(elf.build()).kind == ElfKind::kOther);
  elf.type = 4;  // ET_CORE
  CHECK(to_string(parse_ok(elf.build()).kind) == "other");
}

TEST_CASE("machine names and OCI architectures") {
  CHECK(machine_name(62) == "x86-64");
  CHECK(machine_name(183) == "aarch64");
  CHECK(machine_name(40) == "arm");
  CHECK(machine_name(243) == "riscv");
  CHECK(machine_name(9999) == "machine 9999");
  CHECK(oci_architecture(62, 64) == "amd64");
  CHECK(oci_architecture(62, 32).empty());  // x32
  CHECK(oci_architecture(183, 64) == "arm64");
  CHECK(oci_architecture(3, 32) == "386");
  CHECK(oci_architecture(40, 32) == "arm");
  CHECK(oci_architecture(243, 64) == "riscv64");
  CHECK(oci_architecture(22, 64) == "s390x");
  CHECK(oci_architecture(9999, 64).empty());
}

TEST_CASE("is_elf looks at the magic only") {
  const std::string elf =
      "\x7f"
      "ELF";
  Bytes bytes;
  for (const char c : elf) bytes.push_back(std::byte(c));
  CHECK(is_elf(bytes));
  CHECK_FALSE(is_elf(cut(bytes, 3)));
  CHECK_FALSE(is_elf({}));
  bytes[1] = std::byte{'e'};
  CHECK_FALSE(is_elf(bytes));
}

// ---- Go build info, both formats ----------------------------------------------------------------

namespace {

const std::string kSentinelStart(
    "0w\xaf\x0c\x92t\x08\x02"
    "A\xe1\xc1\x07\xe6\xd6\x18\xe6",
    16);
const std::string kSentinelEnd(
    "\xf9"
    "2C1\x86\x18 r\x00\x82"
    "B\x10"
    "A\x16\xd8\xf2",
    16);

Bytes to_bytes(const std::string& text) {
  Bytes bytes;
  for (const char c : text) bytes.push_back(std::byte(c));
  return bytes;
}

}  // namespace

TEST_CASE("Go build info: the pre-1.18 pointer format, both byte orders") {
  const std::string modinfo =
      kSentinelStart + "path\tex.com/old\nbuild\tCGO_ENABLED=1\n" + kSentinelEnd;
  for (const bool big_endian : {false, true}) {
    CAPTURE(big_endian);
    const std::size_t pointer = big_endian ? 4 : 8;
    HandMadeElf order;
    order.big_endian = big_endian;
    // Memory at 0x1000: two string headers, then the strings they point at.
    Bytes memory;
    const std::uint64_t base = 0x1000;
    const std::string version = "go1.16.3";
    order.put(memory, 0, base + 4 * pointer, pointer);
    order.put(memory, pointer, version.size(), pointer);
    order.put(memory, 2 * pointer, base + 4 * pointer + version.size(), pointer);
    order.put(memory, 3 * pointer, modinfo.size(), pointer);
    order.put_text(memory, 4 * pointer, version + modinfo);
    const VirtualMemoryReader read = [&](std::uint64_t address, std::uint64_t size) {
      if (address < base || address - base >= memory.size()) return std::span<const std::byte>{};
      const std::span<const std::byte> rest = std::span(memory).subspan(address - base);
      return rest.first(std::min<std::uint64_t>(size, rest.size()));
    };
    Bytes blob(48);  // 16 bytes of something else, then the blob at an aligned offset
    order.put_text(blob, 16, std::string("\xff Go buildinf:", 14));
    order.put(blob, 30, pointer, 1);
    order.put(blob, 31, big_endian ? 1 : 0, 1);
    order.put(blob, 32, base, pointer);
    order.put(blob, 32 + pointer, base + 2 * pointer, pointer);
    const auto info = decode_go_build_info(blob, read);
    REQUIRE(info.has_value());
    CHECK(info->go_version == "go1.16.3");
    CHECK(info->module_path == "ex.com/old");
    CHECK(info->cgo_enabled == true);

    // A string pointer nothing maps: no build info, no crash.
    order.put(blob, 32, 0xdead0000, pointer);
    CHECK_FALSE(decode_go_build_info(blob, read).has_value());
  }
}

TEST_CASE("Go build info: the magic counts only at a 16-byte aligned offset") {
  std::string blob(8, 'x');
  blob += std::string("\xff Go buildinf:", 14) + "\x08\x02" + std::string(16, '\0');
  blob += std::string(1, '\x08') + "go1.22.1" + std::string(1, '\0');
  const VirtualMemoryReader none = [](std::uint64_t, std::uint64_t) {
    return std::span<const std::byte>{};
  };
  CHECK_FALSE(decode_go_build_info(to_bytes(blob), none).has_value());
  const auto aligned = decode_go_build_info(to_bytes(blob.substr(8)), none);
  REQUIRE(aligned.has_value());
  CHECK(aligned->go_version == "go1.22.1");
  CHECK(aligned->module_path.empty());  // no module info
  // A length running past the data, or an empty version: not Go build info.
  std::string overlong = blob.substr(8);
  overlong[32] = '\x7f';
  CHECK_FALSE(decode_go_build_info(to_bytes(overlong), none).has_value());
  std::string empty_version = blob.substr(8);
  empty_version[32] = '\0';
  CHECK_FALSE(decode_go_build_info(to_bytes(empty_version), none).has_value());
}

TEST_CASE("Go module info: quoted build settings are unquoted") {
  const GoBuildInfo info = parse_go_modinfo(
      "path\tgithub.com/x/y/cmd/z\n"
      "mod\tgithub.com/x/y\tv1.2.3\th1:abc=\n"
      "dep\tgolang.org/x/sys\tv0.1.0\th1:def=\n"
      "build\t-buildmode=exe\n"
      "build\t-ldflags=\"-s -w -X \\\"main.v=1\\\"\"\n"
      "build\t\"we=ird\"=`raw \\n`\n"
      "build\tCGO_ENABLED=1\n"
      "build\tvcs.time=2024-01-02T03:04:05Z\n"
      "build\tbroken\n"
      "build\t=nokey\n");
  CHECK(info.module_path == "github.com/x/y/cmd/z");
  CHECK(info.module_version == "v1.2.3");
  CHECK(info.cgo_enabled == true);
  CHECK(info.settings.at("-buildmode") == "exe");
  CHECK(info.settings.at("-ldflags") == "-s -w -X \"main.v=1\"");
  CHECK(info.settings.at("we=ird") == "raw \\n");
  CHECK(info.settings.at("vcs.time") == "2024-01-02T03:04:05Z");
  CHECK(info.settings.size() == 5);
}

// ---- Malformed input ----------------------------------------------------------------------------

TEST_CASE("malformed: too short or not ELF") {
  CHECK(parse_error({}) == "empty file");
  CHECK_FALSE(parse_error(to_bytes("\x7f"
                                   "EL"))
                  .empty());
  CHECK_FALSE(parse_error(to_bytes("#!/bin/sh\necho hello\n")).empty());
  Bytes header = base_elf().build();
  header[4] = std::byte{3};  // EI_CLASS
  CHECK(parse_error(header).find("class") != std::string::npos);
  header = base_elf().build();
  header[5] = std::byte{0};  // EI_DATA
  CHECK(parse_error(header).find("data encoding") != std::string::npos);
}

TEST_CASE("malformed: every real binary cut at 16, 63, 100 bytes and at half its size") {
  std::vector<std::pair<std::string, Bytes>> binaries;
  for (const char* name :
       {"static-musl", "static-glibc", "static-pie", "dynamic-curl", "runpath-demo", "libdemo.so.1",
        "arm64-static", "arm64-dynamic", "hello-stripped", "go-like"}) {
    if (auto bytes = fixture(name)) binaries.emplace_back(name, std::move(*bytes));
  }
  if (auto libc = host_libc()) binaries.emplace_back("libc.so.6", std::move(*libc));
  for (const auto& binary : binaries) {
    CAPTURE(binary.first);
    const Bytes& bytes = binary.second;
    for (const std::size_t size :
         {std::size_t{16}, std::size_t{63}, std::size_t{100}, bytes.size() / 2}) {
      CAPTURE(size);
      parse_error(cut(bytes, size));
    }
  }
}

TEST_CASE("malformed: tables and segments past the end, bad addresses and strings") {
  const HandMadeElf elf = base_elf();
  const Bytes good = elf.build();
  REQUIRE(parse_ok(good).needed == std::vector<std::string>{"libc.so.6", "libm.so.6"});

  SUBCASE("e_phoff past the end") {
    Bytes bytes = good;
    elf.put(bytes, 32, 0x100000, 8);
    CHECK(parse_error(bytes).find("program header table") != std::string::npos);
    elf.put(bytes, 32, ~std::uint64_t{0} - 8, 8);  // offset + size would overflow
    parse_error(bytes);
  }
  SUBCASE("e_phnum = 65535 in a tiny file") {
    Bytes bytes = cut(good, 64);
    elf.put(bytes, 56, 0xFFFF, 2);
    parse_error(bytes);
    bytes = good;
    elf.put(bytes, 56, 0xFFFF, 2);
    parse_error(bytes);
    bytes = good;
    elf.put(bytes, 56, 0xFFFE, 2);
    parse_error(bytes);
  }
  SUBCASE("e_phentsize that is not the size of a program header") {
    Bytes bytes = good;
    elf.put(bytes, 54, 8, 2);
    CHECK(parse_error(bytes).find("e_phentsize") != std::string::npos);
  }
  SUBCASE("section header table past the end, or with a huge count") {
    Bytes bytes = good;
    elf.put(bytes, 40, good.size() - 10, 8);  // e_shoff
    elf.put(bytes, 58, 64, 2);                // e_shentsize
    elf.put(bytes, 60, 3, 2);                 // e_shnum
    parse_error(bytes);
    elf.put(bytes, 40, 0x40, 8);
    elf.put(bytes, 60, 0xFFFF, 2);
    parse_error(bytes);
  }
  SUBCASE("extended numbering: counts held by section header 0") {
    // One all-zero section header appended to the file: e_shnum 0 means "see sh_size".
    Bytes bytes = good;
    bytes.resize(good.size() + 64);
    elf.put(bytes, 40, good.size(), 8);  // e_shoff
    elf.put(bytes, 58, 64, 2);           // e_shentsize
    elf.put(bytes, 60, 0, 2);            // e_shnum
    const std::size_t section0 = good.size();
    elf.put(bytes, section0 + 32, 1, 8);  // sh_size: 1 section
    elf.put(bytes, 56, 0xFFFF, 2);        // e_phnum = PN_XNUM: the count is in sh_info
    elf.put(bytes, section0 + 44, 3, 4);  // sh_info: the 3 program headers
    const ElfInfo info = parse_ok(bytes);
    CHECK(info.needed.size() == 2);
    CHECK(info.stripped);

    elf.put(bytes, section0 + 44, 0x7FFFFFFF, 4);  // a huge program header count
    CHECK(parse_error(bytes).find("program headers") != std::string::npos);
    elf.put(bytes, section0 + 44, 3, 4);
    elf.put(bytes, section0 + 32, (1U << 20U) + 1, 8);  // a huge section count
    CHECK(parse_error(bytes).find("section headers") != std::string::npos);
    elf.put(bytes, section0 + 32, 2, 8);  // one more section than the file holds
    CHECK(parse_error(bytes).find("section header table") != std::string::npos);
  }
  SUBCASE("a PT_LOAD past the end (a truncated file)") {
    Bytes bytes = good;
    elf.put(bytes, elf.p_filesz_at(0), good.size() + 1, 8);
    CHECK(parse_error(bytes).find("PT_LOAD") != std::string::npos);
  }
  SUBCASE("PT_INTERP past the end or without its NUL") {
    Bytes bytes = good;
    elf.put(bytes, elf.p_offset_at(1), 0x100000, 8);
    CHECK(parse_error(bytes).find("PT_INTERP") != std::string::npos);
    bytes = good;
    elf.put(bytes, elf.p_filesz_at(1), elf.interpreter.size(), 8);  // drops the NUL
    CHECK(parse_error(bytes).find("NUL") != std::string::npos);
  }
  SUBCASE("PT_DYNAMIC offset or size past the end") {
    Bytes bytes = good;
    elf.put(bytes, elf.p_offset_at(2), 0x100000, 8);
    CHECK(parse_error(bytes).find("PT_DYNAMIC") != std::string::npos);
    bytes = good;
    elf.put(bytes, elf.p_filesz_at(2), 0x100000, 8);
    CHECK(parse_error(bytes).find("PT_DYNAMIC") != std::string::npos);
    bytes = good;
    elf.put(bytes, elf.p_offset_at(2), ~std::uint64_t{0}, 8);
    parse_error(bytes);
  }
  SUBCASE("DT_STRTAB outside every PT_LOAD") {
    Bytes bytes = good;
    elf.put(bytes, elf.d_val_at(3), 0x90000000, 8);
    CHECK(parse_error(bytes).find("DT_STRTAB") != std::string::npos);
    elf.put(bytes, elf.d_val_at(3), elf.base() + good.size(), 8);  // just past the end
    parse_error(bytes);
  }
  SUBCASE("names without DT_STRTAB") {
    Bytes bytes = good;
    elf.put(bytes, elf.d_val_at(3) - 8, 0x7FFFFFFF, 8);  // the DT_STRTAB tag becomes unknown
    CHECK(parse_error(bytes).find("DT_STRTAB") != std::string::npos);
  }
  SUBCASE("a DT_NEEDED string offset past the string table") {
    Bytes bytes = good;
    elf.put(bytes, elf.d_val_at(1), 0x10000, 8);
    CHECK(parse_error(bytes).find("past the string table") != std::string::npos);
    bytes = good;
    elf.put(bytes, elf.d_val_at(4), 11, 8);  // DT_STRSZ ends the table before libm.so.6
    CHECK(parse_error(bytes).find("past the string table") != std::string::npos);
    bytes = good;
    elf.put(bytes, elf.d_val_at(1), ~std::uint64_t{0}, 8);
    parse_error(bytes);
  }
  SUBCASE("a string without its terminating NUL at the end of the file") {
    HandMadeElf open_ended = base_elf();
    open_ended.strtab = std::string("\0libc.so.6\0libm.so.6\0/opt/a::/opt/b", 35);
    open_ended.dynamic[4] = {kDtStrsz, 100};  // larger than the file: the segment's end counts
    CHECK(parse_error(open_ended.build()).find("no terminating NUL") != std::string::npos);
  }
  SUBCASE("a dynamic section without DT_NULL is read to its end") {
    HandMadeElf no_null = base_elf();
    no_null.dynamic.pop_back();
    CHECK(parse_ok(no_null.build()).needed.size() == 2);
  }
}

TEST_CASE("fuzz: every byte of a real binary flipped, and random mutations, never crash") {
  std::size_t outcomes_wrong = 0;
  std::size_t parsed = 0;
  const auto check = [&](const Bytes& bytes) {
    const ElfResult result = parse_elf(bytes);
    if (result.info.has_value() == !result.error.empty()) ++outcomes_wrong;
    if (result.info) ++parsed;
  };

  if (const auto small = fixture("hello-stripped")) {
    Bytes bytes = *small;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      bytes[i] ^= std::byte{0xFF};
      check(bytes);
      bytes[i] ^= std::byte{0xFF};
    }
  }

  std::mt19937_64 random(20240601);
  std::vector<Bytes> seeds{base_elf().build()};
  {
    HandMadeElf big_endian = base_elf();
    big_endian.big_endian = true;
    big_endian.wide = false;
    seeds.push_back(big_endian.build());
  }
  for (const char* name : {"go-like", "runpath-demo"}) {
    if (auto bytes = fixture(name)) seeds.push_back(std::move(*bytes));
  }
  for (const Bytes& seed : seeds) {
    for (int round = 0; round < 3000; ++round) {
      Bytes bytes = seed;
      const auto changes = 1 + random() % 8;
      for (std::uint64_t c = 0; c < changes; ++c) {
        // Half the changes land in the first 1 KiB, where the headers and tables are.
        const std::size_t limit =
            random() % 2 == 0 ? std::min<std::size_t>(1024, bytes.size()) : bytes.size();
        bytes[random() % limit] = static_cast<std::byte>(random() & 0xFFU);
      }
      if (random() % 16 == 0) bytes.resize(random() % bytes.size());
      check(bytes);
    }
  }
  CHECK(outcomes_wrong == 0);
  CHECK(parsed > 0);
}

// ---- Symbol versions, imports and .note.dlopen
// ---------------------------------------------------

namespace {

const VersionNeed* need_of(const ElfInfo& info, const std::string& file) {
  const auto it = std::find_if(info.version_needs.begin(), info.version_needs.end(),
                               [&](const VersionNeed& n) { return n.file == file; });
  return it == info.version_needs.end() ? nullptr : &*it;
}

/// An ELF without section headers whose string table region also holds the version tables,
/// symbols and hash tables the test lays out: `tables` is appended after the strings, and
/// `at(k)` is the virtual address of byte k of `tables`.
struct TabledElf {
  HandMadeElf elf = base_elf();
  std::string tables;

  /// The dynamic section always has this many entries (DT_NULL-padded), so addresses into the
  /// tables are known before the entries are.
  static constexpr std::size_t kDynamicEntries = 12;

  std::uint64_t at(std::size_t k) const {
    return elf.base() + HandMadeElf::kDynamicAt + kDynamicEntries * 16 + kStrings.size() + k;
  }
  Bytes build(const std::vector<std::pair<std::uint64_t, std::uint64_t>>& extra) {
    elf.dynamic = {{kDtNeeded, 1}, {kDtStrtab, kStrtabHere}, {kDtStrsz, kStrings.size()}};
    elf.dynamic.insert(elf.dynamic.end(), extra.begin(), extra.end());
    elf.dynamic.resize(kDynamicEntries, {kDtNull, 0});
    elf.strtab = std::string(kStrings) + tables;
    return elf.build();
  }
  /// Little-endian fields appended to `tables`.
  void u16(std::uint16_t v) { append(v, 2); }
  void u32(std::uint32_t v) { append(v, 4); }
  void u64(std::uint64_t v) { append(v, 8); }
  void append(std::uint64_t v, std::size_t width) {
    for (std::size_t i = 0; i < width; ++i)
      tables.push_back(static_cast<char>((v >> (8 * i)) & 0xFFU));
  }

  // 1 libc.so.6, 11 GLIBC_2.34, 22 GLIBC_2.2.5, 34 puts, 39 dlopen
  static constexpr std::string_view kStrings{"\0libc.so.6\0GLIBC_2.34\0GLIBC_2.2.5\0puts\0dlopen\0",
                                             46};
};

constexpr std::uint64_t kDtHash = 4;
constexpr std::uint64_t kDtSymtab = 6;
constexpr std::uint64_t kDtGnuHash = 0x6FFFFEF5;
constexpr std::uint64_t kDtVerdef = 0x6FFFFFFC;
constexpr std::uint64_t kDtVerdefnum = 0x6FFFFFFD;
constexpr std::uint64_t kDtVerneed = 0x6FFFFFFE;
constexpr std::uint64_t kDtVerneednum = 0x6FFFFFFF;

}  // namespace

TEST_CASE("symbol versions: DT_VERNEED per library, DT_VERDEF without the base entry") {
  const auto program = fixture("use-vers");
  const auto library = fixture("libvers.so.1");
  const auto old = fixture("libvers-old.so.1");
  if (!program || !library || !old) return;
  const ElfInfo app = parse_ok(*program);
  const VersionNeed* vers = need_of(app, "libvers.so.1");
  REQUIRE(vers != nullptr);
  CHECK(contains(vers->versions, "VERS_1"));
  CHECK(contains(vers->versions, "VERS_2"));
  CHECK(vers->versions.size() == 2);
  // Any glibc since 2.34 gives a program built against it __libc_start_main@GLIBC_2.34.
  const VersionNeed* libc = need_of(app, "libc.so.6");
  REQUIRE(libc != nullptr);
  CHECK(contains(libc->versions, "GLIBC_2.34"));
  CHECK(app.version_defs.empty());

  CHECK(parse_ok(*library).version_defs == std::vector<std::string>{"VERS_1", "VERS_2"});
  CHECK(parse_ok(*old).version_defs == std::vector<std::string>{"VERS_1"});
  CHECK(parse_ok(*library).version_needs.empty());
}

TEST_CASE("the host's libc.so.6 defines GLIBC_2.2.5 and GLIBC_2.34, and not its soname") {
  const auto bytes = host_libc();
  if (!bytes) return;
  const ElfInfo info = parse_ok(*bytes);
  CHECK(contains(info.version_defs, "GLIBC_2.2.5"));
  CHECK(contains(info.version_defs, "GLIBC_2.34"));
  CHECK_FALSE(contains(info.version_defs, "libc.so.6"));
  CHECK(std::is_sorted(info.imports.begin(), info.imports.end()));
}

TEST_CASE("imports: the undefined dynamic symbols, sorted, unique and without versions") {
  const auto locale = fixture("locale-app");
  const auto hello = fixture("hello");
  const auto stripped = fixture("hello-stripped");
  const auto plugin = fixture("plugin-z.so");
  if (!locale || !hello || !stripped || !plugin) return;
  const ElfInfo with_locale = parse_ok(*locale);
  CHECK(contains(with_locale.imports, "setlocale"));
  CHECK(contains(with_locale.imports, "puts"));
  CHECK(std::is_sorted(with_locale.imports.begin(), with_locale.imports.end()));
  CHECK(std::adjacent_find(with_locale.imports.begin(), with_locale.imports.end()) ==
        with_locale.imports.end());
  for (const auto& symbol : with_locale.imports) CHECK(symbol.find('@') == std::string::npos);
  CHECK_FALSE(contains(with_locale.imports, "main"));  // defined, not imported

  CHECK(contains(parse_ok(*hello).imports, "puts"));
  CHECK_FALSE(contains(parse_ok(*hello).imports, "setlocale"));
  CHECK(parse_ok(*stripped).imports == parse_ok(*hello).imports);  // .dynsym survives strip
  CHECK(contains(parse_ok(*plugin).imports, "zlibVersion"));
  CHECK_FALSE(contains(parse_ok(*plugin).imports, "plugin_version"));

  SUBCASE("the same without section headers: the count comes from DT_GNU_HASH") {
    Bytes bare = *locale;
    HandMadeElf le;
    le.put(bare, 40, 0, 8);  // e_shoff
    le.put(bare, 60, 0, 2);  // e_shnum
    le.put(bare, 62, 0, 2);  // e_shstrndx
    const ElfInfo info = parse_ok(bare);
    CHECK(info.imports == with_locale.imports);
    CHECK(info.version_needs.size() == with_locale.version_needs.size());
  }
}

TEST_CASE(".note.dlopen: the FDO note's JSON entries, from PT_NOTE or the section") {
  const auto bytes = fixture("dlopen-note");
  if (!bytes) return;
  const ElfInfo info = parse_ok(*bytes);
  REQUIRE(info.dlopen_notes.size() == 2);
  CHECK(info.dlopen_notes[0].sonames == std::vector<std::string>{"libz.so.1"});
  CHECK(info.dlopen_notes[0].feature == "zlib");
  CHECK(info.dlopen_notes[0].description == "compression");
  CHECK(info.dlopen_notes[0].priority == "required");
  CHECK(info.dlopen_notes[1].sonames == std::vector<std::string>{"libzstd.so.9", "libzstd.so.8"});
  CHECK(info.dlopen_notes[1].priority == "suggested");
  CHECK(info.dlopen_notes[1].description.empty());
  CHECK(parse_ok(*fixture("hello")).dlopen_notes.empty());

  SUBCASE("without section headers, PT_NOTE alone") {
    Bytes bare = *bytes;
    HandMadeElf le;
    le.put(bare, 40, 0, 8);
    le.put(bare, 60, 0, 2);
    le.put(bare, 62, 0, 2);
    CHECK(parse_ok(bare).dlopen_notes.size() == 2);
  }
}

TEST_CASE("dlopen metadata JSON: defaults, wrong types and malformed text") {
  const auto one = parse_dlopen_metadata(R"([{"soname":["libx.so.1"]}])");
  REQUIRE(one.size() == 1);
  CHECK(one[0].priority == "recommended");
  CHECK(one[0].feature.empty());
  CHECK(parse_dlopen_metadata(std::string(R"([{"soname":["a.so"],"priority":"required"}])") +
                              std::string(3, '\0'))
            .at(0)
            .priority == "required");
  CHECK(parse_dlopen_metadata("").empty());
  CHECK(parse_dlopen_metadata("[{").empty());
  CHECK(parse_dlopen_metadata(R"({"soname":["a.so"]})").empty());  // not an array
  CHECK(parse_dlopen_metadata(R"([1, "x", {"soname":"a.so"}, {"soname":[2, ""]}])").empty());
  const auto typed = parse_dlopen_metadata(R"([{"soname":["a.so", 3],"feature":7}])");
  REQUIRE(typed.size() == 1);
  CHECK(typed[0].sonames == std::vector<std::string>{"a.so"});
  CHECK(typed[0].feature.empty());
  CHECK(parse_dlopen_metadata(R"([{"soname":["a.so"]}])" + std::string(kMaxDlopenNotePayload, ' '))
            .empty());
}

TEST_CASE("crafted version tables, hash tables and notes stay bounded and never fail the parse") {
  SUBCASE("a verneed that needs GLIBC_2.34 and GLIBC_2.2.5, the second weak") {
    TabledElf t;
    t.u16(1), t.u16(2), t.u32(1), t.u32(16), t.u32(0);   // vn: cnt 2, file libc.so.6, aux +16
    t.u32(0), t.u16(0), t.u16(2), t.u32(11), t.u32(16);  // GLIBC_2.34
    t.u32(0), t.u16(2), t.u16(3), t.u32(22), t.u32(0);   // GLIBC_2.2.5, VER_FLG_WEAK
    const ElfInfo info = parse_ok(t.build({{kDtVerneed, t.at(0)}, {kDtVerneednum, 1}}));
    REQUIRE(info.version_needs.size() == 1);
    CHECK(info.version_needs[0].file == "libc.so.6");
    CHECK(info.version_needs[0].versions == std::vector<std::string>{"GLIBC_2.34"});
  }
  SUBCASE("a huge DT_VERNEEDNUM and vn_cnt over entries that point at themselves") {
    TabledElf t;
    t.u16(1), t.u16(0xFFFF), t.u32(1), t.u32(0), t.u32(0);  // aux at +0: the record itself
    const Bytes bytes = t.build({{kDtVerneed, t.at(0)}, {kDtVerneednum, 0xFFFFFFFF}});
    const ElfInfo info = parse_ok(bytes);
    CHECK(info.version_needs.size() <= 4096);
  }
  SUBCASE("version tables outside every PT_LOAD, or names past the strings") {
    TabledElf t;
    t.u16(1), t.u16(1), t.u32(0xFFFF), t.u32(16), t.u32(0);
    CHECK(parse_ok(t.build({{kDtVerneed, t.at(0)}})).version_needs.empty());
    CHECK(parse_ok(t.build({{kDtVerneed, 0x90000000}, {kDtVerdef, 0x90000000}}))
              .version_needs.empty());
    CHECK(
        parse_ok(t.build({{kDtVerdef, t.at(0)}, {kDtVerdefnum, 0xFFFFFFFF}})).version_defs.empty());
  }
  SUBCASE("a verdef: the base entry is the soname, the others are versions") {
    TabledElf t;
    // vd: version, flags, ndx, cnt, hash, aux, next (20 bytes); vda: name, next.
    t.u16(1), t.u16(1), t.u16(1), t.u16(1), t.u32(0), t.u32(20), t.u32(28);  // base: libc.so.6
    t.u32(1), t.u32(0);
    t.u16(1), t.u16(0), t.u16(2), t.u16(1), t.u32(0), t.u32(20), t.u32(0);  // GLIBC_2.34
    t.u32(11), t.u32(0);
    const ElfInfo info = parse_ok(t.build({{kDtVerdef, t.at(0)}, {kDtVerdefnum, 2}}));
    CHECK(info.version_defs == std::vector<std::string>{"GLIBC_2.34"});
  }
  SUBCASE("symbols counted by DT_HASH; a huge nchain is cut at the table's end") {
    TabledElf t;
    t.u32(1), t.u32(3);  // DT_HASH: nbucket 1, nchain 3 (then bucket and chains, unread)
    t.u32(0), t.u32(0), t.u32(0), t.u32(0);
    const std::size_t symtab = t.tables.size();
    for (int i = 0; i < 24; ++i) t.tables.push_back('\0');      // symbol 0
    t.u32(34), t.u16(0x12), t.u16(0), t.u64(0), t.u64(0);       // puts, undefined
    t.u32(39), t.u16(0x12), t.u16(7), t.u64(0x1000), t.u64(0);  // dlopen, defined
    Bytes bytes = t.build({{kDtHash, t.at(0)}, {kDtSymtab, t.at(symtab)}});
    CHECK(parse_ok(bytes).imports == std::vector<std::string>{"puts"});
    TabledElf huge = t;
    huge.tables[4] = '\xFF', huge.tables[5] = '\xFF', huge.tables[6] = '\xFF',
    huge.tables[7] = '\x7F';
    CHECK(parse_ok(huge.build({{kDtHash, huge.at(0)}, {kDtSymtab, huge.at(symtab)}})).imports ==
          std::vector<std::string>{"puts"});
  }
  SUBCASE("a GNU hash table with a huge bucket count, or chains that never end") {
    TabledElf t;
    t.u32(0x7FFFFFFF), t.u32(1), t.u32(0), t.u32(0);  // nbuckets, symoffset, bloom 0, shift
    CHECK(parse_ok(t.build({{kDtGnuHash, t.at(0)}, {kDtSymtab, t.at(0)}})).imports.empty());
    TabledElf endless;
    endless.u32(1), endless.u32(1), endless.u32(0), endless.u32(0), endless.u32(1);  // bucket 1
    for (int i = 0; i < 64; ++i) endless.u32(2);  // chain words without the end bit
    CHECK(parse_ok(endless.build({{kDtGnuHash, endless.at(0)}, {kDtSymtab, endless.at(0)}}))
              .imports.empty());
  }
}

TEST_CASE("an ELF table past --max-elf-entries is an error that names the limit") {
  const Bytes good = base_elf().build();  // 3 program headers, 7 dynamic entries
  InputLimits limits;
  limits.max_elf_entries = 7;
  CHECK(parse_elf(good, limits).info.has_value());
  limits.max_elf_entries = 2;
  CHECK(parse_elf(good, limits).error ==
        "has 3 program headers, past the limit of 2 (--max-elf-entries)");
  limits.max_elf_entries = 6;
  CHECK(parse_elf(good, limits).error ==
        "has 7 dynamic entries, past the limit of 6 (--max-elf-entries)");
  // libc.so.6 has thousands of dynamic symbols, fewer than 1000 of everything else.
  if (const auto libc = host_libc()) {
    REQUIRE(parse_elf(*libc).info.has_value());
    limits.max_elf_entries = 1000;
    const std::string error = parse_elf(*libc, limits).error;
    CHECK(error.find("dynamic symbols, past the limit of 1000 (--max-elf-entries)") !=
          std::string::npos);
  }
}
