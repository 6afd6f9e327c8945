#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "../support.hpp"
#include "pare/archive/tar_reader.hpp"
#include "pare/archive/tar_writer.hpp"
#include "pare/util/error.hpp"
#include "pare/util/file.hpp"

using namespace pare;

namespace {

/// A member to write and what it holds.
struct Member {
  TarEntry entry;
  std::string data;
};

TarEntry make(const std::string& path, EntryType type, std::uint32_t mode, std::uint64_t size = 0) {
  TarEntry e;
  e.path = path;
  e.type = type;
  e.mode = mode;
  e.size = size;
  return e;
}

Member file(const std::string& path, std::uint32_t mode, const std::string& data) {
  return {make(path, EntryType::kFile, mode, data.size()), data};
}

// A capability set as setcap writes it (VFS_CAP_REVISION_2, cap_net_raw permitted+effective).
std::string capability() {
  return {
      "\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
      "\x00\x00\x00\x00",
      20};
}

std::vector<Member> sample_members() {
  std::vector<Member> m;
  m.push_back({make("etc", EntryType::kDir, 0755), ""});
  m.push_back(file("etc/hostname", 0644, "pare\n"));
  m.push_back(file("etc/empty", 0600, ""));
  m.push_back(
      file("etc/\xc3\xbcnic\xc3\xb6"
           "de",
           0644, "utf-8 name\n"));
  // 300 bytes: more than ustar's 100-byte name and 155-byte prefix can hold.
  std::string deep = "deep/" + std::string(120, 'a') + "/" + std::string(120, 'b') + "/";
  deep += std::string(300 - deep.size() - 4, 'c') + ".txt";
  REQUIRE(deep.size() == 300);
  m.push_back(file(deep, 0644, "deep file\n"));
  Member big_owner = file("home/big/owned", 0640, "owned by a big id\n");
  big_owner.entry.uid = 3000000;  // more than ustar's 7 octal digits (2097151)
  big_owner.entry.gid = 3000001;
  m.push_back(big_owner);
  Member ping = file("usr/bin/ping", 0755, std::string(1000, 'p'));
  ping.entry.xattrs["security.capability"] = capability();
  ping.entry.xattrs["user.pare"] = std::string("a\0b\xff", 4);
  m.push_back(ping);
  TarEntry hard = make("usr/bin/ping6", EntryType::kHardlink, 0755);
  hard.link_target = "usr/bin/ping";
  m.push_back({hard, ""});
  TarEntry sym = make("usr/bin/sh", EntryType::kSymlink, 0777);
  sym.link_target = "busybox";
  m.push_back({sym, ""});
  TarEntry long_sym = make("usr/lib/long", EntryType::kSymlink, 0777);
  long_sym.link_target = "../" + std::string(150, 't');
  m.push_back({long_sym, ""});
  m.push_back(file("usr/bin/su", 04755, "setuid\n"));
  TarEntry dev = make("dev/null", EntryType::kCharDevice, 0666);
  dev.dev_major = 1;
  dev.dev_minor = 3;
  m.push_back({dev, ""});
  Member old = file("var/old", 0644, "before 1970\n");
  old.entry.mtime = -86400;
  m.push_back(old);
  // Last: a member whose data fills its block, so only the end marker's zeros follow it.
  m.push_back(file("zz-last", 0644, std::string(512, 'z')));
  return m;
}

void write_members(TarWriter& writer, const std::vector<Member>& members) {
  for (const auto& m : members) {
    if (m.entry.type == EntryType::kFile) {
      MemorySource source(
          std::vector<std::byte>(reinterpret_cast<const std::byte*>(m.data.data()),
                                 reinterpret_cast<const std::byte*>(m.data.data()) + m.data.size()),
          m.entry.path);
      writer.add(m.entry, &source);
    } else {
      writer.add(m.entry, nullptr);
    }
  }
  writer.finish();
}

std::string mode_string(const TarEntry& e) {
  std::string s = "-rwxrwxrwx";
  switch (e.type) {
    case EntryType::kDir:
      s[0] = 'd';
      break;
    case EntryType::kSymlink:
      s[0] = 'l';
      break;
    case EntryType::kCharDevice:
      s[0] = 'c';
      break;
    case EntryType::kHardlink:
      s[0] = 'h';
      break;
    default:
      break;
  }
  for (std::size_t i = 0; i < 9; ++i) {
    if ((e.mode & (1U << (8 - i))) == 0) s[i + 1] = '-';
  }
  if ((e.mode & 04000U) != 0) s[3] = s[3] == 'x' ? 's' : 'S';
  if ((e.mode & 02000U) != 0) s[6] = s[6] == 'x' ? 's' : 'S';
  if ((e.mode & 01000U) != 0) s[9] = s[9] == 'x' ? 't' : 'T';
  return s;
}

/// What `tar -tv` prints for a member (with --numeric-owner and literal quoting).
std::string gnu_listing(const TarEntry& e, std::uint64_t size) {
  std::string size_field = std::to_string(size);
  if (e.type == EntryType::kCharDevice) {
    size_field = std::to_string(e.dev_major) + "," + std::to_string(e.dev_minor);
  }
  std::string line = mode_string(e) + " " + std::to_string(e.uid) + "/" + std::to_string(e.gid) +
                     " " + size_field + " " + (e.mtime < 0 ? "1969-12-31" : "1970-01-01") +
                     " 00:00 " + e.path + (e.type == EntryType::kDir ? "/" : "");
  if (e.type == EntryType::kSymlink) line += " -> " + e.link_target;
  if (e.type == EntryType::kHardlink) line += " link to " + e.link_target;
  return line;
}

/// `tar -tv` output with runs of spaces squeezed (GNU tar aligns the columns).
std::vector<std::string> gnu_tar_list(const std::string& file) {
  const CommandResult r =
      run_command("TZ=UTC tar --numeric-owner --quoting-style=literal -tvf '" + file + "'");
  REQUIRE_MESSAGE(r.status == 0, r.out);
  std::vector<std::string> lines;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    // The one warning expected: a non-ASCII name is written with hdrcharset=BINARY, a PAX
    // keyword GNU tar 1.34 does not know (it reads the name's bytes all the same).
    if (line == "tar: Ignoring unknown extended header keyword 'hdrcharset'") continue;
    std::string squeezed;
    for (char c : line) {
      if (c == ' ' && !squeezed.empty() && squeezed.back() == ' ') continue;
      squeezed += c;
    }
    lines.push_back(squeezed);
  }
  return lines;
}

}  // namespace

TEST_CASE("TarWriter: GNU tar and TarReader read back every field") {
  const auto members = sample_members();
  TempFile out = TempFile::create("pare-tarwriter");
  TarWriter writer(out.fd(), out.path().string());
  write_members(writer, members);
  const std::string file = out.path().string();
  CHECK(writer.bytes_written() == std::filesystem::file_size(file));

  SUBCASE("GNU tar lists the same paths, modes, ids, sizes and targets") {
    const auto lines = gnu_tar_list(file);
    REQUIRE(lines.size() == members.size());
    for (std::size_t i = 0; i < members.size(); ++i) {
      CHECK(lines[i] == gnu_listing(members[i].entry, members[i].data.size()));
    }
    // GNU tar reads the archive as POSIX with no warning but the expected one.
    const CommandResult posix = run_command("tar --format=posix --xattrs -tvf '" + file + "'");
    CHECK_MESSAGE(posix.status == 0, posix.out);
    std::istringstream lines_in(posix.out);
    for (std::string line; std::getline(lines_in, line);) {
      if (!line.starts_with("tar:")) continue;
      CHECK(line == "tar: Ignoring unknown extended header keyword 'hdrcharset'");
    }
  }

  SUBCASE("GNU tar extracts the bytes and the xattrs") {
    TempDir dir;
    const std::string where = dir.path().string();
    // Devices need mknod, which a container may refuse: everything else is extracted.
    const CommandResult r = run_command("tar --xattrs --xattrs-include='*' --exclude=dev -xf '" +
                                        file + "' -C '" + where + "'");
    REQUIRE_MESSAGE(r.status == 0, r.out);
    for (const auto& m : members) {
      if (m.entry.type != EntryType::kFile || m.entry.path.starts_with("dev/")) continue;
      CAPTURE(m.entry.path);
      CHECK(read_text(dir.path() / m.entry.path) == m.data);
    }
    CHECK(std::filesystem::equivalent(dir.path() / "usr/bin/ping", dir.path() / "usr/bin/ping6"));
    CHECK(std::filesystem::read_symlink(dir.path() / "usr/bin/sh") == "busybox");
    for (const auto& xattr : members[6].entry.xattrs) {
      const std::string& name = xattr.first;
      const std::string& value = xattr.second;
      CAPTURE(name);
      std::string got(64, '\0');
      const auto n =
          ::getxattr((dir.path() / "usr/bin/ping").c_str(), name.c_str(), got.data(), got.size());
      if (n < 0 && (errno == ENOTSUP || errno == EPERM || errno == ENODATA)) {
        MESSAGE("this filesystem or user cannot set " << name << "; its bytes are checked by "
                                                      << "TarReader only");
        continue;
      }
      REQUIRE(n >= 0);
      got.resize(static_cast<std::size_t>(n));
      CHECK(got == value);
    }
  }

  SUBCASE("TarReader reads the same members and data") {
    FileSource source(file);
    TarReader reader(source);
    TarEntry got;
    std::size_t i = 0;
    while (reader.next(got)) {
      REQUIRE(i < members.size());
      const TarEntry& want = members[i].entry;
      CAPTURE(want.path);
      CHECK(got.path == want.path + (want.type == EntryType::kDir ? "/" : ""));
      CHECK(got.type == want.type);
      CHECK(got.mode == want.mode);
      CHECK(got.uid == want.uid);
      CHECK(got.gid == want.gid);
      CHECK(got.mtime == want.mtime);
      CHECK(got.size == want.size);
      CHECK(got.link_target == want.link_target);
      CHECK(got.xattrs == want.xattrs);
      CHECK(got.dev_major == want.dev_major);
      CHECK(got.dev_minor == want.dev_minor);
      const auto data = read_entry_data(reader, 1 << 20);
      CHECK(std::string(reinterpret_cast<const char*>(data.data()), data.size()) ==
            members[i].data);
      ++i;
    }
    CHECK(i == members.size());
  }

  SUBCASE("no atime, ctime, uname or gname; xattrs only under SCHILY.xattr") {
    const std::string bytes = read_text(file);
    CHECK(bytes.find("atime=") == std::string::npos);
    CHECK(bytes.find("ctime=") == std::string::npos);
    CHECK(bytes.find("LIBARCHIVE.") == std::string::npos);
    CHECK(bytes.find("SCHILY.xattr.security.capability=" + capability() + "\n") !=
          std::string::npos);
    // The big uid is a PAX record.
    CHECK(bytes.find(" uid=3000000\n") != std::string::npos);
  }

  SUBCASE("the archive ends with exactly two zero blocks, not padded to 10 KiB") {
    const std::string bytes = read_text(file);
    REQUIRE(bytes.size() % 512 == 0);
    REQUIRE(bytes.size() > 1536);
    CHECK(bytes.substr(bytes.size() - 1024) == std::string(1024, '\0'));
    CHECK(bytes.substr(bytes.size() - 1536, 512) == std::string(512, 'z'));
  }
}

TEST_CASE("TarWriter: identical input gives identical bytes") {
  std::string first;
  for (int round = 0; round < 2; ++round) {
    TempFile out = TempFile::create("pare-tarwriter");
    TarWriter writer(out.fd(), out.path().string());
    write_members(writer, sample_members());
    const std::string bytes = read_text(out.path());
    if (round == 0) first = bytes;
    CHECK(bytes == first);
  }
}

TEST_CASE("TarWriter: an empty archive is two zero blocks, as Go writes it") {
  std::string stream;
  TarWriter writer(
      [&](std::span<const std::byte> b) {
        stream.append(reinterpret_cast<const char*>(b.data()), b.size());
      },
      "memory");
  writer.finish();
  CHECK(stream == std::string(1024, '\0'));
}

TEST_CASE("TarWriter: data of another size than the entry says is bad input") {
  for (const std::string data : {"short", "much too long"}) {
    CAPTURE(data);
    std::string stream;
    TarWriter writer([&](std::span<const std::byte> b) { stream.append(b.size(), 'x'); }, "mem");
    MemorySource source(
        std::vector<std::byte>(reinterpret_cast<const std::byte*>(data.data()),
                               reinterpret_cast<const std::byte*>(data.data()) + data.size()),
        "the source");
    try {
      writer.add(make("f", EntryType::kFile, 0644, 8), &source);
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.code() == ExitCode::kBadInput);
      CHECK(std::string(e.what()).find("the source") != std::string::npos);
      CHECK(std::string(e.what()).find('8') != std::string::npos);
    }
  }
}

TEST_CASE("TarWriter: malformed entries are refused") {
  TarWriter writer([](std::span<const std::byte>) {}, "mem");
  MemorySource empty({}, "empty");
  CHECK_THROWS_AS(writer.add(make("/abs", EntryType::kFile, 0644), &empty), Error);
  CHECK_THROWS_AS(writer.add(make("a/../b", EntryType::kDir, 0755), nullptr), Error);
  CHECK_THROWS_AS(writer.add(make("", EntryType::kDir, 0755), nullptr), Error);
  CHECK_THROWS_AS(writer.add(make("f", EntryType::kFile, 0644), nullptr), Error);
  CHECK_THROWS_AS(writer.add(make("d", EntryType::kDir, 0755), &empty), Error);
  CHECK_THROWS_AS(writer.add(make("l", EntryType::kSymlink, 0777), nullptr), Error);
}

TEST_CASE("TarWriter: a failing write is an I/O error") {
  const int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    MESSAGE("no /dev/full here; skipped");
    return;
  }
  const UniqueFd owned(fd);
  try {
    TarWriter writer(fd, "/dev/full");
    write_members(writer, sample_members());
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kSystem);
    CHECK(std::string(e.what()).find("/dev/full") != std::string::npos);
  }
}
