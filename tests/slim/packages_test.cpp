#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <span>
#include <sstream>
#include <string>

#include "../support.hpp"
#include "../test_images.hpp"
#include "pare/slim/packages.hpp"

using namespace pare;
using pare::testing::TreeBuilder;

namespace {

/// A host file as test data (the Debian 12 machine the tests run on is the real database).
std::string host_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// What a command prints on stdout.
std::string run(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  REQUIRE_MESSAGE(pipe != nullptr, command);
  std::string out;
  std::array<char, 4096> buffer{};
  for (std::size_t n; (n = fread(buffer.data(), 1, buffer.size(), pipe.get())) > 0;) {
    out.append(buffer.data(), n);
  }
  return out;
}

/// What slim captures of package databases: the files is_package_database names, whole.
Capture capture_databases(std::string_view path, std::span<const std::byte> /*head*/) {
  return is_package_database(path) ? Capture::kWhole : Capture::kNone;
}

const PackageFile* file_at(const PackageMetadata& m, const std::string& path) {
  for (const auto& f : m.files) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

const KeptPackage* package_named(const PackageMetadata& m, const std::string& name) {
  for (const auto& p : m.packages) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

/// The content of an output file, "(absent)" when there is none.
std::string content_of(const PackageMetadata& m, const std::string& path) {
  const PackageFile* f = file_at(m, path);
  return f == nullptr ? "(absent)" : f->content;
}

bool dropped(const PackageMetadata& m, const std::string& name) {
  return std::binary_search(m.dropped.begin(), m.dropped.end(), name);
}

bool warned(const PackageMetadata& m, const std::string& part) {
  return std::any_of(m.warnings.begin(), m.warnings.end(),
                     [&](const std::string& w) { return w.find(part) != std::string::npos; });
}

std::vector<std::string> paths_of(const PackageMetadata& m) {
  std::vector<std::string> out;
  for (const auto& f : m.files) out.push_back(f.path);
  return out;
}

/// The lines of a host md5sums file that name `path` (relative, as dpkg writes them).
std::string md5sums_line(const std::string& md5sums, const std::string& path) {
  std::string out;
  std::istringstream in(host_text(md5sums));
  for (std::string line; std::getline(in, line);) {
    if (line.ends_with("  " + path)) out += line + "\n";
  }
  return out;
}

/// A paragraph as distroless writes status.d/<pkg>: the .deb's control fields, which are the
/// status paragraph without the fields dpkg adds when installing (Status, Conffiles).
std::string control_of(const std::string& status_paragraph) {
  std::string out;
  std::istringstream in(status_paragraph);
  bool skipping = false;
  for (std::string line; std::getline(in, line);) {
    const bool continuation = !line.empty() && (line[0] == ' ' || line[0] == '\t');
    if (!continuation) skipping = line.starts_with("Status:") || line.starts_with("Conffiles:");
    if (!skipping) out += line + "\n";
  }
  return out;
}

/// The kept set slim would pass for a program needing libc and the CA bundle on a merged-/usr
/// Debian: the files, their folders and the /lib symlink on the way.
const std::set<std::string> kDebianKept = {"/usr",
                                           "/usr/lib",
                                           "/usr/lib/x86_64-linux-gnu",
                                           "/usr/lib/x86_64-linux-gnu/libc.so.6",
                                           "/lib",
                                           "/etc",
                                           "/etc/ssl",
                                           "/etc/ssl/certs",
                                           "/etc/ssl/certs/ca-certificates.crt"};

const std::array<std::string, 6> kHostLists = {"libc6:amd64", "base-files", "ca-certificates",
                                               "tzdata",      "bash",       "coreutils"};

}  // namespace

TEST_CASE("package metadata: is_package_database names dpkg, distroless and apk databases") {
  CHECK(is_package_database("var/lib/dpkg/status"));
  CHECK(is_package_database("var/lib/dpkg/info/libc6:amd64.list"));
  CHECK(is_package_database("var/lib/dpkg/info/bash.list"));
  CHECK(is_package_database("var/lib/dpkg/info/libc6:amd64.md5sums"));
  CHECK(is_package_database("var/lib/dpkg/status.d/libc6"));
  CHECK(is_package_database("var/lib/dpkg/status.d/libc6.md5sums"));
  CHECK(is_package_database("lib/apk/db/installed"));
  CHECK(is_package_database("usr/lib/apk/db/installed"));
  CHECK(is_package_database("/var/lib/dpkg/status"));
  CHECK_FALSE(is_package_database("var/lib/dpkg/status-old"));
  CHECK_FALSE(is_package_database("var/lib/dpkg/available"));
  CHECK_FALSE(is_package_database("var/lib/dpkg/info/bash.postinst"));
  CHECK_FALSE(is_package_database("var/lib/dpkg/info/x/y.list"));
  CHECK_FALSE(is_package_database("var/lib/dpkg/status.d/"));
  CHECK_FALSE(is_package_database("var/lib/dpkg/status.d/sub/x"));
  CHECK_FALSE(is_package_database("lib/apk/db/installed.old"));
  CHECK_FALSE(is_package_database("usr/bin/bash"));
}

TEST_CASE("package metadata: a Debian 12 image from this machine's real dpkg database") {
  TreeBuilder b(capture_databases);
  b.merged_usr()
      .text("usr/lib/x86_64-linux-gnu/libc.so.6", "libc")
      .text("usr/bin/bash", "bash")
      .text("usr/share/zoneinfo/UTC", "TZif")
      .text("etc/ssl/certs/ca-certificates.crt", "-----BEGIN CERTIFICATE-----\n")
      .text("var/lib/dpkg/status", host_text("/var/lib/dpkg/status"));

  SUBCASE("every file list of the host") {
    for (const auto& e : std::filesystem::directory_iterator("/var/lib/dpkg/info")) {
      const std::string name = e.path().filename().string();
      if (name.ends_with(".list") || name.ends_with(".md5sums")) {
        b.text("var/lib/dpkg/info/" + name, host_text(e.path().string()));
      }
    }
    const ImageTree tree = b.build();
    const PackageMetadata m = package_metadata(tree, kDebianKept);
    CHECK(m.format == "dpkg");
    CHECK(m.warnings.empty());

    // One status.d file per package still owning a kept file, byte-exact with dpkg-query.
    CHECK(paths_of(m) == std::vector<std::string>{"/var/lib/dpkg/status.d/ca-certificates",
                                                  "/var/lib/dpkg/status.d/libc6",
                                                  "/var/lib/dpkg/status.d/libc6.md5sums"});
    REQUIRE(file_at(m, "/var/lib/dpkg/status.d/libc6") != nullptr);
    CHECK(content_of(m, "/var/lib/dpkg/status.d/libc6") == run("dpkg-query -s libc6"));
    CHECK(content_of(m, "/var/lib/dpkg/status.d/ca-certificates") ==
          run("dpkg-query -s ca-certificates"));
    // The .deb's md5sums trimmed to the kept file, as dpkg listed it (before merged /usr).
    const std::string libc_md5 =
        md5sums_line("/var/lib/dpkg/info/libc6:amd64.md5sums", "lib/x86_64-linux-gnu/libc.so.6");
    CHECK(libc_md5.size() == 32 + 2 + 30 + 1);
    CHECK(content_of(m, "/var/lib/dpkg/status.d/libc6.md5sums") == libc_md5);

    REQUIRE(m.packages.size() == 2);
    const KeptPackage& libc = m.packages[1];
    CHECK(m.packages[0].name == "ca-certificates");
    CHECK(m.packages[0].version == run("dpkg-query -W -f='${Version}' ca-certificates"));
    CHECK(m.packages[0].kept_paths ==
          std::vector<std::string>{"/etc/ssl/certs/ca-certificates.crt"});
    CHECK(libc.name == "libc6");
    CHECK(libc.version == run("dpkg-query -W -f='${Version}' libc6"));
    CHECK(libc.architecture == run("dpkg-query -W -f='${Architecture}' libc6"));
    CHECK(libc.kept_paths == std::vector<std::string>{"/usr/lib/x86_64-linux-gnu/libc.so.6"});
    // The paragraph's fields are dpkg's, as dpkg-query shows them one by one.
    const std::string& paragraph = content_of(m, "/var/lib/dpkg/status.d/libc6");
    for (const char* field : {"Package", "Version", "Architecture", "Source", "Status"}) {
      const std::string line = std::string(field) + ": " +
                               run(std::string("dpkg-query -W -f='${") + field + "}' libc6") + "\n";
      CHECK_MESSAGE(paragraph.find(line) != std::string::npos, line);
    }

    // Every other installed package of the host lost all its files.
    CHECK(dropped(m, "bash"));
    CHECK(dropped(m, "coreutils"));
    CHECK(dropped(m, "tzdata"));
    CHECK(dropped(m, "base-files"));
    CHECK_FALSE(dropped(m, "libc6"));
    CHECK(std::is_sorted(m.dropped.begin(), m.dropped.end()));
    const std::string installed = run(
        "dpkg-query -W -f='${db:Status-Status}\\n' | grep -cvx -e not-installed -e config-files");
    CHECK(m.dropped.size() + m.packages.size() == std::stoul(installed));
  }

  SUBCASE("the six file lists of the brief; packages without a list are kept, with a warning") {
    for (const auto& name : kHostLists) {
      b.text("var/lib/dpkg/info/" + name + ".list",
             host_text("/var/lib/dpkg/info/" + name + ".list"));
    }
    const ImageTree tree = b.build();
    const PackageMetadata m = package_metadata(tree, kDebianKept);
    CHECK(m.format == "dpkg");
    REQUIRE(file_at(m, "/var/lib/dpkg/status.d/libc6") != nullptr);
    REQUIRE(file_at(m, "/var/lib/dpkg/status.d/ca-certificates") != nullptr);
    CHECK(content_of(m, "/var/lib/dpkg/status.d/libc6") == run("dpkg-query -s libc6"));
    CHECK(content_of(m, "/var/lib/dpkg/status.d/ca-certificates") ==
          run("dpkg-query -s ca-certificates"));
    // No md5sums were captured: none is written.
    CHECK(file_at(m, "/var/lib/dpkg/status.d/libc6.md5sums") == nullptr);
    CHECK(dropped(m, "bash"));
    CHECK(dropped(m, "coreutils"));
    CHECK(dropped(m, "tzdata"));
    CHECK(dropped(m, "base-files"));
    CHECK(package_named(m, "bash") == nullptr);
    CHECK(warned(m, "without a file list in /var/lib/dpkg/info"));
    // A package whose files cannot be told is kept: a scanner sees it, never a false "clean".
    const KeptPackage* dpkg = package_named(m, "dpkg");
    REQUIRE(dpkg != nullptr);
    CHECK(dpkg->kept_paths.empty());
    CHECK(content_of(m, "/var/lib/dpkg/status.d/dpkg") == run("dpkg-query -s dpkg"));
  }
}

TEST_CASE("package metadata: folders and symlinks to them own nothing; a symlink to a file does") {
  // Every package lists /usr and /lib; kept folders must not keep them all.
  const std::string status = run("dpkg-query -s libc6 bash base-files");
  ImageTree tree =
      TreeBuilder(capture_databases)
          .merged_usr()
          .text("usr/lib/x86_64-linux-gnu/libc.so.6", "libc")
          .symlink("usr/lib64/ld-linux-x86-64.so.2", "../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
          .text("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "ld")
          .text("var/lib/dpkg/status", status)
          .text("var/lib/dpkg/info/libc6:amd64.list",
                host_text("/var/lib/dpkg/info/libc6:amd64.list"))
          .text("var/lib/dpkg/info/bash.list", host_text("/var/lib/dpkg/info/bash.list"))
          .text("var/lib/dpkg/info/base-files.list",
                host_text("/var/lib/dpkg/info/base-files.list"))
          .build();
  // libc6 lists /lib64/ld-linux-x86-64.so.2, a symlink in /usr/lib64 behind /lib64.
  const PackageMetadata m =
      package_metadata(tree, {"/usr", "/usr/lib", "/usr/lib64", "/usr/bin", "/lib", "/lib64",
                              "/bin", "/usr/lib64/ld-linux-x86-64.so.2"});
  REQUIRE(m.packages.size() == 1);
  CHECK(m.packages[0].name == "libc6");
  CHECK(m.packages[0].kept_paths == std::vector<std::string>{"/usr/lib64/ld-linux-x86-64.so.2"});
  CHECK(m.dropped == std::vector<std::string>{"base-files", "bash"});
}

TEST_CASE(
    "package metadata: distroless-style status.d input keeps the files of packages still owning a "
    "kept file") {
  // status.d/<pkg> as rules_distroless writes it: the .deb's control fields and its md5sums
  // (here the host's own, which dpkg copied verbatim from the .deb).
  const std::string libc6 = control_of(run("dpkg-query -s libc6"));
  const std::string ca = control_of(run("dpkg-query -s ca-certificates"));
  const std::string tzdata = control_of(run("dpkg-query -s tzdata"));
  const std::string netbase = control_of(run("dpkg-query -s netbase"));
  REQUIRE(libc6.find("Status:") == std::string::npos);
  const std::string libc_md5 = host_text("/var/lib/dpkg/info/libc6:amd64.md5sums");
  // distroless is not merged-/usr: /lib is a real folder.
  ImageTree tree = TreeBuilder(capture_databases)
                       .text("lib/x86_64-linux-gnu/libc.so.6", "libc")
                       .text("etc/ssl/certs/ca-certificates.crt", "bundle")
                       .text("usr/share/zoneinfo/UTC", "TZif")
                       .text("var/lib/dpkg/status.d/libc6", libc6)
                       .text("var/lib/dpkg/status.d/libc6.md5sums", libc_md5)
                       .text("var/lib/dpkg/status.d/ca-certificates", ca)
                       .text("var/lib/dpkg/status.d/ca-certificates.md5sums",
                             host_text("/var/lib/dpkg/info/ca-certificates.md5sums"))
                       .text("var/lib/dpkg/status.d/tzdata", tzdata)
                       .text("var/lib/dpkg/status.d/tzdata.md5sums",
                             host_text("/var/lib/dpkg/info/tzdata.md5sums"))
                       .text("var/lib/dpkg/status.d/netbase", netbase)
                       .build();
  const PackageMetadata m = package_metadata(
      tree, {"/lib", "/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu/libc.so.6", "/etc", "/etc/ssl",
             "/etc/ssl/certs", "/etc/ssl/certs/ca-certificates.crt"});
  CHECK(m.format == "dpkg-status.d");
  CHECK(paths_of(m) == std::vector<std::string>{"/var/lib/dpkg/status.d/ca-certificates",
                                                "/var/lib/dpkg/status.d/libc6",
                                                "/var/lib/dpkg/status.d/libc6.md5sums",
                                                "/var/lib/dpkg/status.d/netbase"});
  CHECK(content_of(m, "/var/lib/dpkg/status.d/libc6") == libc6);
  CHECK(content_of(m, "/var/lib/dpkg/status.d/ca-certificates") == ca);
  CHECK(content_of(m, "/var/lib/dpkg/status.d/libc6.md5sums") ==
        md5sums_line("/var/lib/dpkg/info/libc6:amd64.md5sums", "lib/x86_64-linux-gnu/libc.so.6"));
  CHECK(m.dropped == std::vector<std::string>{"tzdata"});
  // netbase has no md5sums: which files it owns cannot be told, so it stays, with a warning.
  REQUIRE(package_named(m, "netbase") != nullptr);
  CHECK(package_named(m, "netbase")->kept_paths.empty());
  CHECK(warned(m, "/var/lib/dpkg/status.d/netbase: no netbase.md5sums"));
  REQUIRE(package_named(m, "libc6") != nullptr);
  CHECK(package_named(m, "libc6")->version == run("dpkg-query -W -f='${Version}' libc6"));
  CHECK(package_named(m, "libc6")->kept_paths ==
        std::vector<std::string>{"/lib/x86_64-linux-gnu/libc.so.6"});
}

namespace {

// An Alpine installed database written for this test after the documented format
// (https://wiki.alpinelinux.org/wiki/Apk_spec and apk-tools' database.c): no Debian package
// produces one offline. Field order and values are those of an Alpine 3.19 base image; the
// checksums are made up.
const std::string kApkInstalled =
    "C:Q1s2pGWJMAZxvEWV5Ydu6cnbQ7Ik4=\n"
    "P:alpine-baselayout-data\n"
    "V:3.4.3-r2\n"
    "A:x86_64\n"
    "S:11664\n"
    "I:77824\n"
    "T:Alpine base dir structure and init scripts\n"
    "U:https://git.alpinelinux.org/cgit/aports/tree/main/alpine-baselayout\n"
    "L:GPL-2.0-only\n"
    "o:alpine-baselayout\n"
    "m:Natanael Copa <ncopa@alpinelinux.org>\n"
    "t:1704303106\n"
    "c:c7e7c2bc4f3fee1f6b6e9d4e2bcd30b5d21b0d03\n"
    "r:alpine-baselayout\n"
    "q:1000\n"
    "F:etc\n"
    "R:fstab\n"
    "Z:Q11Q7hNe8QpDS531guqCdrXBzoA/o=\n"
    "R:group\n"
    "Z:Q12Otk4M39fP2Zjkobu0nC9FvlRI0=\n"
    "R:passwd\n"
    "Z:Q1TchuuLUfur0izvfZQZxgN/LJhB8=\n"
    "R:shadow\n"
    "a:0:42:640\n"
    "Z:Q1ltrPIAW2zHeDiajsex2Bdmq3uqA=\n"
    "F:etc/apk\n"
    "F:tmp\n"
    "M:0:0:1777\n"
    "F:var/empty\n"
    "M:0:0:555\n"
    "\n"
    "C:Q1k6sKGNEZ2qq8OZQw1h0hUZ9Pv4g=\n"
    "P:musl\n"
    "V:1.2.4_git20230717-r4\n"
    "A:x86_64\n"
    "S:407278\n"
    "I:667648\n"
    "T:the musl c library (libc) implementation\n"
    "U:https://musl.libc.org/\n"
    "L:MIT\n"
    "o:musl\n"
    "m:Timo Ter\xc3\xa4s <timo.teras@iki.fi>\n"
    "t:1699271358\n"
    "c:ca7f2ab5e88794e4e654b40776f8a92256f50639\n"
    "p:so:libc.musl-x86_64.so.1=1\n"
    "F:lib\n"
    "R:ld-musl-x86_64.so.1\n"
    "a:0:0:755\n"
    "Z:Q1WjR5vmbHVEGm6Ts5aEWdXvKXYdM=\n"
    "R:libc.musl-x86_64.so.1\n"
    "a:0:0:777\n"
    "Z:Q17yJ3JFNypA4mxhJJr0ou6CzsJVI=\n"
    "\n"
    "C:Q1ZKbbJmEpnbn7lBEK4Zt8Y6mx/Tc=\n"
    "P:busybox\n"
    "V:1.36.1-r15\n"
    "A:x86_64\n"
    "S:507831\n"
    "I:962560\n"
    "T:Size optimized toolbox of many common UNIX utilities\n"
    "U:https://busybox.net/\n"
    "L:GPL-2.0-only\n"
    "o:busybox\n"
    "m:S\xc3\xb6ren Tempel <soeren+alpine@soeren-tempel.net>\n"
    "t:1699383189\n"
    "c:d1b6f274f29076967826e0ecf6ebcaa5d360272f\n"
    "D:so:libc.musl-x86_64.so.1\n"
    "p:cmd:busybox=1.36.1-r15\n"
    "r:busybox-initscripts\n"
    "F:bin\n"
    "R:busybox\n"
    "a:0:0:755\n"
    "Z:Q1Rm3Kd7lsJ4kmcgjdUafiJ2Gy6RU=\n"
    "F:etc\n"
    "R:securetty\n"
    "Z:Q1mB95Hq2NUTZ599RDiSsj9w5FrOU=\n"
    "\n"
    "C:Q1mIM5ZhhNe0DQ0ptcwAIpYcE/Y2k=\n"
    "P:ca-certificates-bundle\n"
    "V:20230506-r0\n"
    "A:x86_64\n"
    "S:126079\n"
    "I:233472\n"
    "T:Pre generated bundle of Mozilla certificates\n"
    "U:https://www.mozilla.org/en-US/about/governance/policies/security-group/certs/\n"
    "L:MPL-2.0 AND MIT\n"
    "o:ca-certificates\n"
    "m:Natanael Copa <ncopa@alpinelinux.org>\n"
    "t:1683810364\n"
    "c:59534a02716a92a10d177a118c34066162eff4a6\n"
    "p:ca-certificates-cacert=20230506-r0\n"
    "r:libressl2.7-libcrypto\n"
    "F:etc\n"
    "F:etc/ssl\n"
    "F:etc/ssl/certs\n"
    "R:ca-certificates.crt\n"
    "Z:Q1xlyEzQfGTMgeqPaD1ViydOCgXRc=\n"
    "F:etc/ssl1.1\n"
    "R:cert.pem\n"
    "a:0:0:777\n"
    "Z:Q1Nj6gTBdkZpTFW/obJGdpfvK0StA=\n"
    "\n"
    "C:Q1pJWv7gVmqg1ym4xZ2a7nPi6d1wM=\n"
    "P:libcrypto3\n"
    "V:3.1.4-r5\n"
    "A:x86_64\n"
    "S:1767587\n"
    "I:4702208\n"
    "T:Crypto library from openssl\n"
    "U:https://www.openssl.org/\n"
    "L:Apache-2.0\n"
    "o:openssl\n"
    "m:Ariadne Conill <ariadne@dereferenced.org>\n"
    "t:1708422286\n"
    "c:7ac5b7d9b6d8b3f4e5fcbd4e1b4b5ba09c8a5e54\n"
    "D:so:libc.musl-x86_64.so.1\n"
    "p:so:libcrypto.so.3=3\n"
    "r:libcrypto1.1\n"
    "F:etc\n"
    "F:etc/ssl\n"
    "R:openssl.cnf\n"
    "Z:Q1Rl/WqfPGRkcy8hS+/e0ESNRnFas=\n"
    "F:usr\n"
    "F:usr/lib\n"
    "R:libcrypto.so.3\n"
    "a:0:0:755\n"
    "Z:Q1Nc0HhUtj1aS9S9dGEgQKhvkgT3k=\n"
    "F:usr/lib/engines-3\n"
    "R:afalg.so\n"
    "a:0:0:755\n"
    "Z:Q1GPgDAaD7q8nBtU1xDgwZtHjpk40=\n"
    "\n"
    "C:Q1YqTl0Z1pLQe6pG/xYf9y1hCjXgQ=\n"
    "P:zlib\n"
    "V:1.3.1-r0\n"
    "A:x86_64\n"
    "S:53780\n"
    "I:110592\n"
    "T:A compression/decompression Library\n"
    "U:https://zlib.net/\n"
    "L:Zlib\n"
    "o:zlib\n"
    "m:Natanael Copa <ncopa@alpinelinux.org>\n"
    "t:1706016213\n"
    "c:d8e3e8d6f2b7b7c2d2e3f2e4b6a9e0f1c2d3e4f5\n"
    "D:so:libc.musl-x86_64.so.1\n"
    "p:so:libz.so.1=1.3.1\n"
    "F:lib\n"
    "R:libz.so.1\n"
    "a:0:0:777\n"
    "Z:Q1+YHJ7o1QCq8hNY0b4rJxLTvYt1g=\n"
    "R:libz.so.1.3.1\n"
    "a:0:0:755\n"
    "Z:Q1kK0v0xHcmvf3DCHwmKTB9Y2BXmM=\n"
    "\n";

ImageTree alpine_tree(const std::string& installed) {
  return TreeBuilder(capture_databases)
      .text("lib/ld-musl-x86_64.so.1", "ld")
      .symlink("lib/libc.musl-x86_64.so.1", "ld-musl-x86_64.so.1")
      .text("lib/libz.so.1.3.1", "z")
      .symlink("lib/libz.so.1", "libz.so.1.3.1")
      .text("bin/busybox", "bb")
      .text("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
      .text("etc/group", "root:x:0:root\n")
      .text("etc/ssl/certs/ca-certificates.crt", "bundle")
      .text("etc/ssl/openssl.cnf", "cnf")
      .dir("tmp", 01777)
      .text("usr/lib/libcrypto.so.3", "crypto")
      .text("usr/lib/engines-3/afalg.so", "afalg")
      .text("lib/apk/db/installed", installed)
      .build();
}

const std::set<std::string> kAlpineKept = {"/lib",
                                           "/lib/ld-musl-x86_64.so.1",
                                           "/lib/libc.musl-x86_64.so.1",
                                           "/etc",
                                           "/etc/passwd",
                                           "/etc/ssl",
                                           "/etc/ssl/certs",
                                           "/etc/ssl/certs/ca-certificates.crt",
                                           "/tmp",
                                           "/usr",
                                           "/usr/lib",
                                           "/usr/lib/libcrypto.so.3"};

}  // namespace

TEST_CASE(
    "package metadata: apk keeps the installed records of packages owning a kept file, trimmed to "
    "kept paths") {
  const ImageTree tree = alpine_tree(kApkInstalled);
  const PackageMetadata m = package_metadata(tree, kAlpineKept);
  CHECK(m.format == "apk");
  CHECK(m.warnings.empty());
  REQUIRE(paths_of(m) == std::vector<std::string>{"/lib/apk/db/installed"});
  const std::string expected =
      "C:Q1s2pGWJMAZxvEWV5Ydu6cnbQ7Ik4=\n"
      "P:alpine-baselayout-data\n"
      "V:3.4.3-r2\n"
      "A:x86_64\n"
      "S:11664\n"
      "I:77824\n"
      "T:Alpine base dir structure and init scripts\n"
      "U:https://git.alpinelinux.org/cgit/aports/tree/main/alpine-baselayout\n"
      "L:GPL-2.0-only\n"
      "o:alpine-baselayout\n"
      "m:Natanael Copa <ncopa@alpinelinux.org>\n"
      "t:1704303106\n"
      "c:c7e7c2bc4f3fee1f6b6e9d4e2bcd30b5d21b0d03\n"
      "r:alpine-baselayout\n"
      "q:1000\n"
      "F:etc\n"
      "R:passwd\n"
      "Z:Q1TchuuLUfur0izvfZQZxgN/LJhB8=\n"
      "F:tmp\n"
      "M:0:0:1777\n"
      "\n"
      "C:Q1k6sKGNEZ2qq8OZQw1h0hUZ9Pv4g=\n"
      "P:musl\n"
      "V:1.2.4_git20230717-r4\n"
      "A:x86_64\n"
      "S:407278\n"
      "I:667648\n"
      "T:the musl c library (libc) implementation\n"
      "U:https://musl.libc.org/\n"
      "L:MIT\n"
      "o:musl\n"
      "m:Timo Ter\xc3\xa4s <timo.teras@iki.fi>\n"
      "t:1699271358\n"
      "c:ca7f2ab5e88794e4e654b40776f8a92256f50639\n"
      "p:so:libc.musl-x86_64.so.1=1\n"
      "F:lib\n"
      "R:ld-musl-x86_64.so.1\n"
      "a:0:0:755\n"
      "Z:Q1WjR5vmbHVEGm6Ts5aEWdXvKXYdM=\n"
      "R:libc.musl-x86_64.so.1\n"
      "a:0:0:777\n"
      "Z:Q17yJ3JFNypA4mxhJJr0ou6CzsJVI=\n"
      "\n"
      "C:Q1mIM5ZhhNe0DQ0ptcwAIpYcE/Y2k=\n"
      "P:ca-certificates-bundle\n"
      "V:20230506-r0\n"
      "A:x86_64\n"
      "S:126079\n"
      "I:233472\n"
      "T:Pre generated bundle of Mozilla certificates\n"
      "U:https://www.mozilla.org/en-US/about/governance/policies/security-group/certs/\n"
      "L:MPL-2.0 AND MIT\n"
      "o:ca-certificates\n"
      "m:Natanael Copa <ncopa@alpinelinux.org>\n"
      "t:1683810364\n"
      "c:59534a02716a92a10d177a118c34066162eff4a6\n"
      "p:ca-certificates-cacert=20230506-r0\n"
      "r:libressl2.7-libcrypto\n"
      "F:etc\n"
      "F:etc/ssl\n"
      "F:etc/ssl/certs\n"
      "R:ca-certificates.crt\n"
      "Z:Q1xlyEzQfGTMgeqPaD1ViydOCgXRc=\n"
      "\n"
      "C:Q1pJWv7gVmqg1ym4xZ2a7nPi6d1wM=\n"
      "P:libcrypto3\n"
      "V:3.1.4-r5\n"
      "A:x86_64\n"
      "S:1767587\n"
      "I:4702208\n"
      "T:Crypto library from openssl\n"
      "U:https://www.openssl.org/\n"
      "L:Apache-2.0\n"
      "o:openssl\n"
      "m:Ariadne Conill <ariadne@dereferenced.org>\n"
      "t:1708422286\n"
      "c:7ac5b7d9b6d8b3f4e5fcbd4e1b4b5ba09c8a5e54\n"
      "D:so:libc.musl-x86_64.so.1\n"
      "p:so:libcrypto.so.3=3\n"
      "r:libcrypto1.1\n"
      "F:etc\n"
      "F:etc/ssl\n"
      "F:usr\n"
      "F:usr/lib\n"
      "R:libcrypto.so.3\n"
      "a:0:0:755\n"
      "Z:Q1Nc0HhUtj1aS9S9dGEgQKhvkgT3k=\n"
      "\n";
  CHECK(m.files[0].content == expected);
  REQUIRE(m.packages.size() == 4);
  CHECK(m.packages[0].name == "alpine-baselayout-data");
  CHECK(m.packages[0].kept_paths == std::vector<std::string>{"/etc/passwd"});
  CHECK(m.packages[1].name == "ca-certificates-bundle");
  CHECK(m.packages[1].version == "20230506-r0");
  CHECK(m.packages[2].name == "libcrypto3");
  CHECK(m.packages[3].name == "musl");
  CHECK(m.packages[3].version == "1.2.4_git20230717-r4");
  CHECK(m.packages[3].architecture == "x86_64");
  CHECK(m.packages[3].kept_paths ==
        std::vector<std::string>{"/lib/ld-musl-x86_64.so.1", "/lib/libc.musl-x86_64.so.1"});
  CHECK(m.dropped == std::vector<std::string>{"busybox", "zlib"});

  SUBCASE("nothing kept: an empty database, every package dropped") {
    const PackageMetadata none = package_metadata(tree, {"/etc"});
    REQUIRE(none.files.size() == 1);
    CHECK(none.files[0].content.empty());
    CHECK(none.packages.empty());
    CHECK(none.dropped.size() == 6);
  }
}

TEST_CASE("package metadata: an image without a package database adds nothing") {
  const ImageTree tree = TreeBuilder(capture_databases)
                             .text("app/server", "binary")
                             .text("etc/passwd", "root:x:0:0::/root:/sbin/nologin\n")
                             .dir("var/lib/dpkg")
                             .dir("lib/apk/db")
                             .build();
  const PackageMetadata m = package_metadata(tree, {"/app", "/app/server", "/etc/passwd"});
  CHECK(m.format.empty());
  CHECK(m.files.empty());
  CHECK(m.packages.empty());
  CHECK(m.dropped.empty());
  CHECK(m.warnings.empty());
}

TEST_CASE("package metadata: malformed dpkg databases give what they can") {
  const std::string libc6 = run("dpkg-query -s libc6");
  const std::string bash = run("dpkg-query -s bash");
  const std::string truncated_bash = bash.substr(0, bash.find("Description:") + 5);  // "Descr"
  const std::string status = libc6 + "\n" +
                             "Status: install ok installed\nVersion: 1.0\n\n"  // no Package
                             "Package: ../../etc/evil\nStatus: install ok installed\n\n"
                             "Package: removed\nStatus: deinstall ok config-files\nVersion: 2\n"
                             "\n \t\n\n" +  // a separator of spaces and tabs
                             truncated_bash;
  const std::string libc_list =
      host_text("/var/lib/dpkg/info/libc6:amd64.list") + "../../etc\n/../../../etc/shadow\n\n";
  ImageTree tree =
      TreeBuilder(capture_databases)
          .merged_usr()
          .text("usr/lib/x86_64-linux-gnu/libc.so.6", "libc")
          .text("usr/bin/bash", "bash")
          .text("etc/shadow", "root:*:1::::::\n")
          .text("etc/conffile", "x")
          .text("var/lib/dpkg/status", status)
          .text("var/lib/dpkg/info/libc6:amd64.list", libc_list)
          .text("var/lib/dpkg/info/bash.list", host_text("/var/lib/dpkg/info/bash.list"))
          .text("var/lib/dpkg/info/removed.list", "/etc/conffile\n")
          .text("var/lib/dpkg/info/libc6:amd64.md5sums",
                "nonsense\n\n" +
                    md5sums_line("/var/lib/dpkg/info/libc6:amd64.md5sums",
                                 "lib/x86_64-linux-gnu/libc.so.6") +
                    "d41d8cd98f00b204e9800998ecf8427e  ../../etc/shadow\n")
          .build();
  const PackageMetadata m =
      package_metadata(tree, {"/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/bin/bash", "/etc/shadow",
                              "/etc", "/etc/conffile"});
  CHECK(m.format == "dpkg");
  CHECK(paths_of(m) == std::vector<std::string>{"/var/lib/dpkg/status.d/bash",
                                                "/var/lib/dpkg/status.d/libc6",
                                                "/var/lib/dpkg/status.d/libc6.md5sums"});
  CHECK(content_of(m, "/var/lib/dpkg/status.d/libc6") == libc6);
  // The truncated paragraph still names bash; its text is kept as far as it goes.
  CHECK(content_of(m, "/var/lib/dpkg/status.d/bash") == truncated_bash + "\n");
  CHECK(content_of(m, "/var/lib/dpkg/status.d/libc6.md5sums") ==
        md5sums_line("/var/lib/dpkg/info/libc6:amd64.md5sums", "lib/x86_64-linux-gnu/libc.so.6"));
  REQUIRE(package_named(m, "libc6") != nullptr);
  CHECK(package_named(m, "libc6")->kept_paths ==
        std::vector<std::string>{"/usr/lib/x86_64-linux-gnu/libc.so.6"});
  CHECK(package_named(m, "removed") == nullptr);  // config-files: not installed
  CHECK(m.dropped.empty());
  CHECK(warned(m, "/var/lib/dpkg/status: 1 paragraph without Package, skipped"));
  CHECK(warned(m, "/var/lib/dpkg/status: 1 package name that cannot be a file name"));
  CHECK(warned(m, "/var/lib/dpkg/info/libc6:amd64.list: 2 listed paths climbing out of the root"));
  CHECK(warned(m, "/var/lib/dpkg/info/libc6:amd64.md5sums: 1 listed path climbing out"));
  CHECK(warned(m, "/var/lib/dpkg/info/libc6:amd64.md5sums: 1 malformed line"));
}

TEST_CASE("package metadata: two architectures of a package share status.d/<pkg>") {
  const std::string amd64 = run("dpkg-query -s libc6");
  std::string i386 = amd64;
  i386.replace(i386.find("Architecture: amd64"), 19, "Architecture: i386");
  ImageTree tree = TreeBuilder(capture_databases)
                       .text("lib/x86_64-linux-gnu/libc.so.6", "libc")
                       .text("lib/i386-linux-gnu/libc.so.6", "libc")
                       .text("var/lib/dpkg/status", amd64 + "\n" + i386)
                       .text("var/lib/dpkg/info/libc6:amd64.list",
                             "/.\n/lib\n/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu/libc.so.6\n")
                       .text("var/lib/dpkg/info/libc6:i386.list",
                             "/.\n/lib\n/lib/i386-linux-gnu\n/lib/i386-linux-gnu/libc.so.6\n")
                       .build();
  const PackageMetadata m =
      package_metadata(tree, {"/lib/x86_64-linux-gnu/libc.so.6", "/lib/i386-linux-gnu/libc.so.6"});
  REQUIRE(paths_of(m) == std::vector<std::string>{"/var/lib/dpkg/status.d/libc6"});
  CHECK(m.files[0].content == amd64 + "\n" + i386);
  REQUIRE(m.packages.size() == 2);
  CHECK(m.packages[0].architecture == "amd64");
  CHECK(m.packages[1].architecture == "i386");
}

TEST_CASE("package metadata: malformed status.d and apk databases give what they can") {
  SUBCASE("status.d") {
    const std::string libc6 = control_of(run("dpkg-query -s libc6"));
    ImageTree tree = TreeBuilder(capture_databases)
                         .text("lib/x86_64-linux-gnu/libc.so.6", "libc")
                         .text("var/lib/dpkg/status.d/broken", "Version: 1\nDescription: x\n")
                         .text("var/lib/dpkg/status.d/libc6", libc6)
                         .text("var/lib/dpkg/status.d/libc6.md5sums",
                               "garbage\n33f1cb6525f26614bd3a334d63632484  "
                               "lib/x86_64-linux-gnu/libc.so.6\n"
                               "d41d8cd98f00b204e9800998ecf8427e  ../../../etc/passwd\n")
                         .build();
    const PackageMetadata m =
        package_metadata(tree, {"/lib/x86_64-linux-gnu/libc.so.6", "/etc/passwd"});
    CHECK(m.format == "dpkg-status.d");
    CHECK(paths_of(m) == std::vector<std::string>{"/var/lib/dpkg/status.d/libc6",
                                                  "/var/lib/dpkg/status.d/libc6.md5sums"});
    CHECK(content_of(m, "/var/lib/dpkg/status.d/libc6.md5sums") ==
          "33f1cb6525f26614bd3a334d63632484  lib/x86_64-linux-gnu/libc.so.6\n");
    CHECK(warned(m, "/var/lib/dpkg/status.d/broken: 1 paragraph without Package"));
    CHECK(warned(m, "libc6.md5sums: 1 listed path climbing out of the root"));
    CHECK(warned(m, "libc6.md5sums: 1 malformed line"));
  }
  SUBCASE("apk") {
    const std::string installed =
        "V:1.0\nA:x86_64\nF:lib\nR:ld-musl-x86_64.so.1\n\n"  // no P:
        "P:orphan\nV:1\nR:passwd\nZ:Q1x=\n\n"                // R: before any F:
        "P:climber\nV:1\nF:../../etc\nR:passwd\n\n"          // a folder out of the root
        "P:musl\nV:1.2.4-r2\nA:x86_64\nF:lib\nR:ld-musl-x86_64.so.1\na:0:0:7";  // truncated
    const ImageTree tree = alpine_tree(installed);
    const PackageMetadata m =
        package_metadata(tree, {"/lib", "/lib/ld-musl-x86_64.so.1", "/etc/passwd"});
    REQUIRE(m.files.size() == 1);
    CHECK(m.files[0].content ==
          "P:musl\nV:1.2.4-r2\nA:x86_64\nF:lib\nR:ld-musl-x86_64.so.1\na:0:0:7\n\n");
    REQUIRE(m.packages.size() == 1);
    CHECK(m.packages[0].name == "musl");
    CHECK(m.dropped == std::vector<std::string>{"climber", "orphan"});
    CHECK(warned(m, "/lib/apk/db/installed: 1 record without P:, skipped"));
    CHECK(warned(m, "/lib/apk/db/installed: 1 listed path climbing out of the root"));
  }
  SUBCASE("a database that was not captured, or is not a file") {
    ImageTree tree =
        TreeBuilder([](std::string_view, std::span<const std::byte>) { return Capture::kNone; })
            .text("lib/ld-musl-x86_64.so.1", "ld")
            .text("lib/apk/db/installed", kApkInstalled)
            .dir("var/lib/dpkg/status")
            .build();
    const PackageMetadata m = package_metadata(tree, {"/lib/ld-musl-x86_64.so.1"});
    CHECK(m.files.empty());
    CHECK(m.format.empty());
    CHECK(warned(m, "/lib/apk/db/installed: its content was not captured"));
    CHECK(warned(m, "/var/lib/dpkg/status: not a regular file"));
  }
  SUBCASE("an empty status") {
    ImageTree tree = TreeBuilder(capture_databases).text("var/lib/dpkg/status", "").build();
    const PackageMetadata m = package_metadata(tree, {});
    CHECK(m.format == "dpkg");
    CHECK(m.files.empty());
    CHECK(m.warnings.empty());
  }
}

TEST_CASE("package database: who owns a file, what a package needs and provides") {
  SUBCASE("dpkg: Depends and Pre-Depends, alternatives, a merged /usr") {
    const ImageTree tree =
        TreeBuilder(capture_databases)
            .merged_usr()
            .text("usr/bin/a", "a")
            .text("usr/lib/x86_64-linux-gnu/liba.so.1", "lib")
            .symlink("usr/lib/x86_64-linux-gnu/liba.so", "liba.so.1")
            .text("var/lib/dpkg/status",
                  "Package: a\nStatus: install ok installed\nArchitecture: amd64\n"
                  "Multi-Arch: same\nVersion: 1.0\nPre-Depends: p0\n"
                  "Depends: b (>= 1.0), c:any | d [amd64],\n e <!nocheck>\nProvides: virt (= 1)\n"
                  "\n"
                  "Package: gone\nStatus: deinstall ok config-files\nVersion: 2\n\n"
                  "Package: unlisted\nStatus: install ok installed\nVersion: 3\n")
            .text("var/lib/dpkg/info/a:amd64.list",
                  "/.\n/usr\n/usr/bin\n/usr/bin/a\n/lib/x86_64-linux-gnu/liba.so.1\n"
                  "/lib/x86_64-linux-gnu/liba.so\n/usr/bin/missing\n/lib\n")
            .text("var/lib/dpkg/info/gone.list", "/usr/bin/a\n")
            .build();
    const PackageDatabase db = read_package_database(tree);
    CHECK(db.format == "dpkg");
    REQUIRE(db.packages.size() == 2);
    const InstalledPackage* a = db.find("a");
    REQUIRE(a != nullptr);
    CHECK(a->version == "1.0");
    CHECK(a->architecture == "amd64");
    CHECK(a->listed);
    CHECK(a->depends == std::vector<std::vector<std::string>>{{"p0"}, {"b"}, {"c", "d"}, {"e"}});
    CHECK(a->provides == std::vector<std::string>{"virt"});
    // Files and links as real paths; folders, a link to one and what the image lacks are not.
    CHECK(a->files == std::vector<std::string>{"/usr/bin/a", "/usr/lib/x86_64-linux-gnu/liba.so",
                                               "/usr/lib/x86_64-linux-gnu/liba.so.1"});
    CHECK(db.owner("/usr/lib/x86_64-linux-gnu/liba.so.1") == a);
    CHECK(db.owner("/usr/bin") == nullptr);
    CHECK(db.find("virt") == a);
    CHECK(db.find("gone") == nullptr);  // config-files: no package
    const InstalledPackage* unlisted = db.find("unlisted");
    REQUIRE(unlisted != nullptr);
    CHECK_FALSE(unlisted->listed);
    CHECK(unlisted->files.empty());
  }
  SUBCASE("apk: D: and p: without versions, conflicts left out") {
    const ImageTree tree =
        TreeBuilder(capture_databases)
            .text("usr/bin/python3.11", "elf")
            .text("usr/lib/libpython3.11.so.1.0", "lib")
            .text(
                "lib/apk/db/installed",
                "P:python3\nV:3.11.6-r0\nA:x86_64\n"
                "D:so:libc.musl-x86_64.so.1 python3-pyc=3.11.6-r0 !python2 py3-x>1\n"
                "p:cmd:python3=3.11.6-r0 so:libpython3.11.so.1.0=1.0\n"
                "F:usr/bin\nR:python3.11\na:0:0:755\nZ:Q1x=\nF:usr/lib\nR:libpython3.11.so.1.0\n\n")
            .build();
    const PackageDatabase db = read_package_database(tree);
    CHECK(db.format == "apk");
    const InstalledPackage* p = db.find("so:libpython3.11.so.1.0");
    REQUIRE(p != nullptr);
    CHECK(p->name == "python3");
    CHECK(p->depends == std::vector<std::vector<std::string>>{
                            {"so:libc.musl-x86_64.so.1"}, {"python3-pyc"}, {"py3-x"}});
    CHECK(p->provides == std::vector<std::string>{"cmd:python3", "so:libpython3.11.so.1.0"});
    CHECK(p->files ==
          std::vector<std::string>{"/usr/bin/python3.11", "/usr/lib/libpython3.11.so.1.0"});
    CHECK(db.owner("/usr/bin/python3.11") == p);
  }
  SUBCASE("distroless: status.d paragraphs, files from their .md5sums") {
    const ImageTree tree =
        TreeBuilder(capture_databases)
            .text("usr/lib/libssl.so.3", "lib")
            .text("var/lib/dpkg/status.d/libssl3",
                  "Package: libssl3\nVersion: 3.0.11\nArchitecture: amd64\nDepends: libc6\n")
            .text("var/lib/dpkg/status.d/libssl3.md5sums",
                  "d41d8cd98f00b204e9800998ecf8427e  usr/lib/libssl.so.3\n")
            .build();
    const PackageDatabase db = read_package_database(tree);
    CHECK(db.format == "dpkg-status.d");
    REQUIRE(db.packages.size() == 1);
    CHECK(db.packages[0].depends == std::vector<std::vector<std::string>>{{"libc6"}});
    CHECK(db.owner("/usr/lib/libssl.so.3") == db.packages.data());
  }
}
