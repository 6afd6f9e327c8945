#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>

#include "../elf/elf_testdata.hpp"
#include "../support.hpp"
#include "../test_images.hpp"
#include "pare/deps/resolver.hpp"
#include "pare/util/error.hpp"

using namespace pare;
using pare::testing::TreeBuilder;

namespace {

std::vector<std::byte> host_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), path);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(chars.size());
  std::transform(chars.begin(), chars.end(), out.begin(), [](char c) { return std::byte(c); });
  return out;
}

/// A Debian 12 multiarch base, captured as capture_for_deps would: the host's loader and libc.
TreeBuilder debian_glibc() {
  TreeBuilder b(capture_for_deps);
  b.file("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
         host_file("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"))
      .file("usr/lib/x86_64-linux-gnu/libc.so.6", host_file("/lib/x86_64-linux-gnu/libc.so.6"))
      .symlink("lib", "usr/lib")
      .symlink("lib64", "usr/lib64")
      .symlink("usr/lib64/ld-linux-x86-64.so.2", "../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
  return b;
}

Config config_for(const std::string& entrypoint, std::vector<std::string> env = {}) {
  Config c;
  c.architecture = "amd64";
  c.os = "linux";
  c.config.entrypoint = {entrypoint};
  c.config.env = std::move(env);
  return c;
}

std::string path_of(const Closure& c, const std::string& name) {
  for (const auto& l : c.libraries) {
    if (l.name == name) return l.path;
  }
  return "(not loaded)";
}

bool keeps(const Closure& c, const std::string& path) {
  return std::any_of(c.files.begin(), c.files.end(),
                     [&](const NeededFile& f) { return f.path == path; });
}

}  // namespace

TEST_CASE("$LIB and $PLATFORM in an RPATH expand as Debian's glibc expands them") {
  const auto demo = host_file(elf_testdata("libdemo.so.1"));
  {
    ImageTree tree = debian_glibc()
                         .file("app/dst-demo", host_file(elf_testdata("dst-demo")))
                         .file("opt/lib/x86_64-linux-gnu/demo/libdemo.so.1", demo)
                         .build();
    const Closure c = resolve_closure(tree, config_for("/app/dst-demo"), "img");
    CHECK(c.error == "");
    CHECK(path_of(c, "libdemo.so.1") == "/opt/lib/x86_64-linux-gnu/demo/libdemo.so.1");
  }
  {
    ImageTree tree = debian_glibc()
                         .file("app/dst-demo", host_file(elf_testdata("dst-demo")))
                         .file("opt/p/haswell/libdemo.so.1", demo)
                         .build();
    const Closure c = resolve_closure(tree, config_for("/app/dst-demo"), "img");
    CHECK(path_of(c, "libdemo.so.1") == "/opt/p/haswell/libdemo.so.1");
  }
}

TEST_CASE("a /lib64 distribution (RHEL, Amazon Linux) searches /lib64 and /usr/lib64") {
  ImageTree tree = TreeBuilder(capture_for_deps)
                       .file("usr/lib64/ld-linux-x86-64.so.2",
                             host_file("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"))
                       .file("usr/lib64/libc.so.6", host_file("/lib/x86_64-linux-gnu/libc.so.6"))
                       .symlink("lib64", "usr/lib64")
                       .file("usr/bin/hello", host_file(elf_testdata("hello")))
                       .build();
  const Closure c = resolve_closure(tree, config_for("/usr/bin/hello"), "img");
  CHECK(c.error == "");
  CHECK(c.program_class == ProgramClass::kDynamic);
  CHECK(path_of(c, "libc.so.6") == "/lib64/libc.so.6");
  CHECK(keeps(c, "/lib64"));
  CHECK(keeps(c, "/usr/lib64/libc.so.6"));
}

TEST_CASE("LD_PRELOAD from the config's Env is loaded first") {
  ImageTree tree = debian_glibc()
                       .file("usr/bin/hello", host_file(elf_testdata("hello")))
                       .file("opt/x/libdemo.so.1", host_file(elf_testdata("libdemo.so.1")))
                       .build();
  const Closure c = resolve_closure(
      tree, config_for("/usr/bin/hello", {"LD_PRELOAD=/opt/x/libdemo.so.1"}), "img");
  CHECK(c.error == "");
  REQUIRE_FALSE(c.libraries.empty());
  CHECK(c.libraries.front().via == "preload");
  CHECK(c.libraries.front().path == "/opt/x/libdemo.so.1");
}

TEST_CASE("a library only in a folder ld.so.conf lists, with no cache: the error says why") {
  ImageTree tree = debian_glibc()
                       .file("app/bin/runpath-demo", host_file(elf_testdata("runpath-demo")))
                       .text("etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n")
                       .text("etc/ld.so.conf.d/demo.conf", "# demo\n/opt/demo/lib/\n")
                       .file("opt/demo/lib/libdemo.so.1", host_file(elf_testdata("libdemo.so.1")))
                       .build();
  const Closure c = resolve_closure(tree, config_for("/app/bin/runpath-demo"), "img");
  CHECK(c.error.find("libdemo.so.1, needed by /app/bin/runpath-demo, is not in the image") !=
        std::string::npos);
  CHECK(c.error.find("/app/bin/../lib/libdemo.so.1") != std::string::npos);  // RUNPATH $ORIGIN
  CHECK(c.error.find("/opt/demo/lib/libdemo.so.1 (listed in /etc/ld.so.conf, but ld.so reads "
                     "only /etc/ld.so.cache, which the image lacks)") != std::string::npos);
  CHECK_THROWS_AS(require_complete(c), Error);
}

TEST_CASE("CA certificates and time zones are kept for any program, zoneinfo as a tree") {
  ImageTree tree = TreeBuilder(capture_for_deps)
                       .file("app/static", host_file(elf_testdata("static-musl")))
                       .text("etc/ssl/certs/ca-certificates.crt", "-----BEGIN CERTIFICATE-----\n")
                       .text("usr/share/zoneinfo/UTC", "TZif2....")
                       .text("usr/share/zoneinfo/Europe/Paris", "TZif2......")
                       .build();
  const Closure c = resolve_closure(tree, config_for("/app/static"), "img");
  CHECK(c.program_class == ProgramClass::kStatic);
  CHECK(keeps(c, "/etc/ssl/certs/ca-certificates.crt"));
  const auto tz = std::find_if(c.files.begin(), c.files.end(),
                               [](const NeededFile& f) { return f.path == "/usr/share/zoneinfo"; });
  REQUIRE(tz != c.files.end());
  CHECK(tz->tree);
  CHECK(tz->size == 9 + 11);
}

TEST_CASE("musl: its default path, a path file, and an empty one (no system folders)") {
  const auto musl_loader = host_file("/usr/lib/x86_64-linux-musl/libc.so");
  const auto program = host_file(elf_testdata("musl-demo"));
  const auto lib = host_file(elf_testdata("libmdemo.so.1"));
  auto base = [&] {
    TreeBuilder b(capture_for_deps);
    b.file("lib/ld-musl-x86_64.so.1", musl_loader).file("app/prog", program);
    return b;
  };
  {
    ImageTree tree = base().file("usr/lib/libmdemo.so.1", lib).build();
    const Closure c = resolve_closure(tree, config_for("/app/prog"), "img");
    CHECK(c.error == "");
    CHECK(c.libc == "musl");
    CHECK(path_of(c, "libc.so") == "/lib/ld-musl-x86_64.so.1");
    CHECK(path_of(c, "libmdemo.so.1") == "/usr/lib/libmdemo.so.1");
  }
  {
    ImageTree tree =
        base().file("opt/m/libmdemo.so.1", lib).text("etc/ld-musl-x86_64.path", "/opt/m\n").build();
    const Closure c = resolve_closure(tree, config_for("/app/prog"), "img");
    CHECK(path_of(c, "libmdemo.so.1") == "/opt/m/libmdemo.so.1");
    CHECK(keeps(c, "/etc/ld-musl-x86_64.path"));
  }
  {
    ImageTree tree =
        base().file("usr/lib/libmdemo.so.1", lib).text("etc/ld-musl-x86_64.path", "").build();
    const Closure c = resolve_closure(tree, config_for("/app/prog"), "img");
    CHECK(c.error.find("libmdemo.so.1, needed by /app/prog, is not in the image") !=
          std::string::npos);
  }
}

TEST_CASE("a script's interpreter and its closure; a loop of scripts stops") {
  ImageTree tree = debian_glibc()
                       .file("usr/bin/hello", host_file(elf_testdata("hello")))
                       .text("app/run", "#!/usr/bin/env hello\necho hi\n")
                       .file("usr/bin/env", host_file(elf_testdata("hello")))
                       .build();
  Config config = config_for("/app/run", {"PATH=/usr/bin"});
  // text() made /app/run 0644: not executable.
  CHECK(resolve_closure(tree, config, "img").program_class == ProgramClass::kNotExecutable);

  std::string script = "#!/usr/bin/env hello\necho hi\n";
  std::vector<std::byte> bytes(script.size());
  std::transform(script.begin(), script.end(), bytes.begin(),
                 [](char ch) { return std::byte(ch); });
  ImageTree tree2 = debian_glibc()
                        .file("usr/bin/hello", host_file(elf_testdata("hello")))
                        .file("usr/bin/env", host_file(elf_testdata("hello")))
                        .file("app/run", bytes)
                        .build();
  const Closure c = resolve_closure(tree2, config, "img");
  CHECK(c.program_class == ProgramClass::kScript);
  CHECK(c.script_interpreter == "/usr/bin/hello");
  CHECK(keeps(c, "/usr/bin/env"));
  CHECK(path_of(c, "libc.so.6") == "/lib/x86_64-linux-gnu/libc.so.6");
  CHECK_FALSE(c.warnings.empty());

  std::string loop = "#!/app/loop\n";
  std::vector<std::byte> loop_bytes(loop.size());
  std::transform(loop.begin(), loop.end(), loop_bytes.begin(),
                 [](char ch) { return std::byte(ch); });
  ImageTree tree3 = TreeBuilder(capture_for_deps).file("app/loop", loop_bytes).build();
  const Closure l = resolve_closure(tree3, config_for("/app/loop"), "img");
  CHECK(l.error.find("more than 4 nested #! interpreters") != std::string::npos);
}
