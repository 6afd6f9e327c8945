#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>

#include "../elf/elf_testdata.hpp"
#include "../support.hpp"
#include "../test_images.hpp"
#include "pare/deps/architecture.hpp"
#include "pare/deps/locales.hpp"
#include "pare/deps/resolver.hpp"
#include "pare/deps/versions.hpp"
#include "pare/elf/elf.hpp"
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

// ---- What the loader cannot see: versions, notes, plugins, locales ------------------------------

namespace {

const Library* library_named(const Closure& c, const std::string& name) {
  const auto it = std::find_if(c.libraries.begin(), c.libraries.end(),
                               [&](const Library& l) { return l.name == name; });
  return it == c.libraries.end() ? nullptr : &*it;
}

const NeededFile* kept_file(const Closure& c, const std::string& path) {
  const auto it = std::find_if(c.files.begin(), c.files.end(),
                               [&](const NeededFile& f) { return f.path == path; });
  return it == c.files.end() ? nullptr : &*it;
}

bool warns(const Closure& c, const std::string& part) {
  return std::any_of(c.warnings.begin(), c.warnings.end(),
                     [&](const std::string& w) { return w.find(part) != std::string::npos; });
}

}  // namespace

TEST_CASE("a GLIBC_2.x version the image's libc.so.6 lacks is an error naming both") {
  const auto program = host_file(elf_testdata("fake-libc-app"));
  auto image = [&](const std::string& libc) {
    return TreeBuilder(capture_for_deps)
        .file("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
              host_file("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"))
        .file("usr/lib/x86_64-linux-gnu/libc.so.6", host_file(elf_testdata(libc)))
        .symlink("lib", "usr/lib")
        .symlink("lib64", "usr/lib64")
        .symlink("usr/lib64/ld-linux-x86-64.so.2", "../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
        .file("usr/bin/app", program)
        .build();
  };
  {
    ImageTree tree = image("fake-libc-old.so.6");  // defines GLIBC_2.2.5 only
    const Closure c = resolve_closure(tree, config_for("/usr/bin/app"), "img");
    CHECK(c.error ==
          "img: /usr/bin/app: version `GLIBC_2.39' not found (required by /usr/bin/app; "
          "/lib/x86_64-linux-gnu/libc.so.6 defines up to GLIBC_2.2.5)");
    try {
      require_complete(c);
      FAIL("require_complete did not throw");
    } catch (const Error& e) {
      CHECK(e.code() == ExitCode::kBadInput);
    }
  }
  {
    ImageTree tree = image("fake-libc.so.6");  // the libc the program was linked against
    const Closure c = resolve_closure(tree, config_for("/usr/bin/app"), "img");
    CHECK(c.error == "");
    CHECK(path_of(c, "libc.so.6") == "/lib/x86_64-linux-gnu/libc.so.6");
  }
}

TEST_CASE("a library version (VERS_2) missing from an older build of the library") {
  auto image = [](const std::string& library) {
    return debian_glibc()
        .file("app/bin/use-vers", host_file(elf_testdata("use-vers")))
        .file("usr/lib/x86_64-linux-gnu/libvers.so.1", host_file(elf_testdata(library)))
        .build();
  };
  ImageTree good = image("libvers.so.1");
  CHECK(resolve_closure(good, config_for("/app/bin/use-vers"), "img").error == "");
  ImageTree old = image("libvers-old.so.1");
  const Closure c = resolve_closure(old, config_for("/app/bin/use-vers"), "img");
  CHECK(c.error ==
        "img: /app/bin/use-vers: version `VERS_2' not found (required by "
        "/app/bin/use-vers; /lib/x86_64-linux-gnu/libvers.so.1 defines up to VERS_1)");
}

TEST_CASE("a library without version definitions: a warning, as ld.so's verbose mode says") {
  // libdemo.so.1 built without a version script, under the name use-vers needs.
  ImageTree tree =
      debian_glibc()
          .file("app/bin/use-vers", host_file(elf_testdata("use-vers")))
          .file("usr/lib/x86_64-linux-gnu/libvers.so.1", host_file(elf_testdata("libdemo.so.1")))
          .build();
  const Closure c = resolve_closure(tree, config_for("/app/bin/use-vers"), "img");
  CHECK(c.error == "");
  CHECK(warns(c,
              "/lib/x86_64-linux-gnu/libvers.so.1: no version information available "
              "(required by /app/bin/use-vers)"));
}

TEST_CASE("a library of another machine on the search path is skipped, as ld.so skips it") {
  const auto arm = host_file(elf_testdata("arm64-libdemo.so.1"));
  ImageTree tree =
      debian_glibc()
          .file("app/bin/runpath-demo", host_file(elf_testdata("runpath-demo")))
          .file("app/lib/libdemo.so.1", arm)  // RUNPATH $ORIGIN/../lib: first
          .file("usr/lib/x86_64-linux-gnu/libdemo.so.1", host_file(elf_testdata("libdemo.so.1")))
          .build();
  const Closure c = resolve_closure(tree, config_for("/app/bin/runpath-demo"), "img");
  CHECK(c.error == "");
  CHECK(path_of(c, "libdemo.so.1") == "/lib/x86_64-linux-gnu/libdemo.so.1");
  CHECK_FALSE(keeps(c, "/app/lib/libdemo.so.1"));

  ImageTree only_arm = debian_glibc()
                           .file("app/bin/runpath-demo", host_file(elf_testdata("runpath-demo")))
                           .file("app/lib/libdemo.so.1", arm)
                           .build();
  const Closure missing = resolve_closure(only_arm, config_for("/app/bin/runpath-demo"), "img");
  CHECK(missing.error.find("/app/bin/../lib/libdemo.so.1 (skipped: aarch64, 64-bit)") !=
        std::string::npos);
}

TEST_CASE("wrong_architecture: a reason for an object of another platform, else nothing") {
  ImageTree tree = TreeBuilder(capture_for_deps).build();
  (void)tree;
  const auto arm = host_file(elf_testdata("arm64-libdemo.so.1"));
  const auto x86 = host_file(elf_testdata("libdemo.so.1"));
  ElfInfo arm_info = *parse_elf(arm).info;
  CHECK(wrong_architecture(arm_info, "amd64") ==
        "built for arm64 (aarch64, 64-bit), the image is amd64");
  CHECK(wrong_architecture(arm_info, "arm64").empty());
  CHECK(wrong_architecture(arm_info, "").empty());
  CHECK(wrong_architecture(*parse_elf(x86).info, "amd64").empty());
  ElfInfo x32 = *parse_elf(x86).info;
  x32.elf_class = 32;  // x86-64 machine, 32-bit class: the x32 ABI, no OCI architecture
  CHECK(wrong_architecture(x32, "amd64") ==
        "built for x86-64 (x86-64, 32-bit), the image is amd64");
}

TEST_CASE(".note.dlopen: a required library is loaded like DT_NEEDED, its absence an error") {
  const auto program = host_file(elf_testdata("dlopen-note"));
  const auto zlib = host_file("/lib/x86_64-linux-gnu/libz.so.1");
  {
    ImageTree tree = debian_glibc()
                         .file("usr/bin/app", program)
                         .file("usr/lib/x86_64-linux-gnu/libz.so.1", zlib)
                         .build();
    const Closure c = resolve_closure(tree, config_for("/usr/bin/app"), "img");
    CHECK(c.error == "");
    const Library* z = library_named(c, "libz.so.1");
    REQUIRE(z != nullptr);
    CHECK(z->via == "dlopen note");
    CHECK(z->needed_by == "/usr/bin/app");
    CHECK(z->path == "/lib/x86_64-linux-gnu/libz.so.1");
    const NeededFile* kept = kept_file(c, "/usr/lib/x86_64-linux-gnu/libz.so.1");
    REQUIRE(kept != nullptr);
    CHECK(kept->reason == "dlopen()ed by /usr/bin/app's .note.dlopen (required, feature zlib)");
    // The suggested zstd, under either name, is not there: a warning.
    CHECK(warns(c,
                "none of libzstd.so.9, libzstd.so.8, which /usr/bin/app's .note.dlopen "
                "(suggested, feature zstd) names, is not in the image"));
  }
  {
    ImageTree tree = debian_glibc().file("usr/bin/app", program).build();
    const Closure c = resolve_closure(tree, config_for("/usr/bin/app"), "img");
    CHECK(c.error.find("img: libz.so.1, which /usr/bin/app's .note.dlopen (required, feature "
                       "zlib) names, is not in the image; searched: ") == 0);
    CHECK_THROWS_AS(require_complete(c), Error);
  }
  {
    // A suggested library that is there is kept.
    ImageTree tree =
        debian_glibc()
            .file("usr/bin/app", program)
            .file("usr/lib/x86_64-linux-gnu/libz.so.1", zlib)
            .file("usr/lib/x86_64-linux-gnu/libzstd.so.8", host_file(elf_testdata("libdemo.so.1")))
            .build();
    const Closure c = resolve_closure(tree, config_for("/usr/bin/app"), "img");
    CHECK(path_of(c, "libzstd.so.8") == "/lib/x86_64-linux-gnu/libzstd.so.8");
    CHECK_FALSE(warns(c, "libzstd"));
  }
}

TEST_CASE("resolve_object_closure: a kept 0644 plugin brings its own libraries") {
  const auto plugin = host_file(elf_testdata("plugin-z.so"));
  ImageTree tree =
      debian_glibc()
          .file("usr/bin/hello", host_file(elf_testdata("hello")))
          .file("usr/lib/app/plugins/plugin-z.so", plugin, 0644)
          .file("usr/lib/x86_64-linux-gnu/libz.so.1", host_file("/lib/x86_64-linux-gnu/libz.so.1"))
          .build();
  const Config config = config_for("/usr/bin/hello");
  const Closure c = resolve_object_closure(tree, config, "/usr/lib/app/plugins/plugin-z.so", "img");
  CHECK(c.error == "");
  CHECK(c.program == "/usr/lib/app/plugins/plugin-z.so");
  CHECK(c.program_class == ProgramClass::kDynamic);
  CHECK(c.libc == "glibc");
  CHECK(c.interpreter == "/lib64/ld-linux-x86-64.so.2");
  CHECK(path_of(c, "libz.so.1") == "/lib/x86_64-linux-gnu/libz.so.1");
  CHECK(path_of(c, "libc.so.6") == "/lib/x86_64-linux-gnu/libc.so.6");  // libz's need
  CHECK(keeps(c, "/usr/lib/x86_64-linux-gnu/libz.so.1"));
  CHECK(keeps(c, "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"));
  CHECK_FALSE(keeps(c, "/usr/bin/hello"));  // the program's closure is the program's

  // What resolve_closure makes of the same path: a 0644 file is no program.
  Config as_program = config_for("/usr/lib/app/plugins/plugin-z.so");
  CHECK(resolve_closure(tree, as_program, "img").program_class == ProgramClass::kNotExecutable);

  SUBCASE("its library missing is an error; another platform's object is refused") {
    ImageTree bare = debian_glibc()
                         .file("usr/bin/hello", host_file(elf_testdata("hello")))
                         .file("usr/lib/app/plugins/plugin-z.so", plugin, 0644)
                         .build();
    const Closure missing =
        resolve_object_closure(bare, config, "/usr/lib/app/plugins/plugin-z.so", "img");
    CHECK(missing.error.find("libz.so.1, needed by /usr/lib/app/plugins/plugin-z.so, is not in "
                             "the image") != std::string::npos);
    Config arm = config;
    arm.architecture = "arm64";
    const Closure wrong =
        resolve_object_closure(tree, arm, "/usr/lib/app/plugins/plugin-z.so", "img");
    CHECK(wrong.program_class == ProgramClass::kWrongArchitecture);
    CHECK(resolve_object_closure(tree, config, "/nope.so", "img").program_class ==
          ProgramClass::kMissing);
  }
}

TEST_CASE("locales: C.UTF-8 for a setlocale caller and for libstdc++, and the Env's locale") {
  auto base = [] {
    TreeBuilder b = debian_glibc();
    b.text("usr/lib/locale/C.utf8/LC_CTYPE", "ctype")
        .text("usr/lib/locale/C.utf8/LC_COLLATE", "collate!")
        .text("usr/lib/locale/en_US.utf8/LC_CTYPE", "en")
        .file("usr/bin/locale-app", host_file(elf_testdata("locale-app")))
        .file("usr/bin/hello", host_file(elf_testdata("hello")))
        .file("usr/bin/cxx-app", host_file(elf_testdata("fake-stdcxx-app")))
        .file("usr/lib/x86_64-linux-gnu/libstdc++.so.6",
              host_file(elf_testdata("fake-libstdc++.so.6")));
    return b;
  };
  ImageTree tree = base().build();
  {
    const Closure c = resolve_closure(tree, config_for("/usr/bin/locale-app"), "img");
    CHECK(c.error == "");
    const NeededFile* c_utf8 = kept_file(c, "/usr/lib/locale/C.utf8");
    REQUIRE(c_utf8 != nullptr);
    CHECK(c_utf8->tree);
    CHECK(c_utf8->size == 5 + 8);
    CHECK(c_utf8->reason == "locale C.UTF-8 (/usr/bin/locale-app uses locales)");
    CHECK_FALSE(keeps(c, "/usr/lib/locale/en_US.utf8"));  // the Env names no locale
  }
  {
    const Closure c = resolve_closure(tree, config_for("/usr/bin/cxx-app"), "img");
    const NeededFile* c_utf8 = kept_file(c, "/usr/lib/locale/C.utf8");
    REQUIRE(c_utf8 != nullptr);
    CHECK(c_utf8->reason == "locale C.UTF-8 (/lib/x86_64-linux-gnu/libstdc++.so.6 uses locales)");
  }
  {
    const Closure c = resolve_closure(tree, config_for("/usr/bin/hello"), "img");
    CHECK_FALSE(keeps(c, "/usr/lib/locale/C.utf8"));  // hello calls no setlocale
  }
  {
    // LANG=en_US.UTF-8 is found under its normalized name; LC_ALL would win over it.
    const Closure c =
        resolve_closure(tree, config_for("/usr/bin/locale-app", {"LANG=en_US.UTF-8"}), "img");
    const NeededFile* en = kept_file(c, "/usr/lib/locale/en_US.utf8");
    REQUIRE(en != nullptr);
    CHECK(en->tree);
    CHECK(en->reason == "locale en_US.UTF-8 (LANG; /usr/bin/locale-app uses locales)");
    const Closure c_all = resolve_closure(
        tree, config_for("/usr/bin/locale-app", {"LANG=en_US.UTF-8", "LC_ALL=C"}), "img");
    CHECK_FALSE(keeps(c_all, "/usr/lib/locale/en_US.utf8"));
    CHECK(c_all.warnings == c.warnings);
  }
  {
    // A locale that is nowhere: a warning; one in a locale-archive: the archive.
    const Closure c =
        resolve_closure(tree, config_for("/usr/bin/locale-app", {"LC_CTYPE=de_DE.UTF-8"}), "img");
    CHECK(warns(c, "LC_CTYPE names the locale de_DE.UTF-8, which is not in /usr/lib/locale"));
    ImageTree archived = base().text("usr/lib/locale/locale-archive", "archive").build();
    const Closure a = resolve_closure(
        archived, config_for("/usr/bin/locale-app", {"LC_CTYPE=de_DE.UTF-8"}), "img");
    const NeededFile* archive = kept_file(a, "/usr/lib/locale/locale-archive");
    REQUIRE(archive != nullptr);
    CHECK(archive->reason == "locale de_DE.UTF-8 (LC_CTYPE; /usr/bin/locale-app uses locales)");
    CHECK_FALSE(warns(a, "de_DE"));
  }
}

TEST_CASE("locale names: the Env's precedence and glibc's codeset normalization") {
  CHECK_FALSE(env_locale({}).has_value());
  CHECK_FALSE(env_locale({"LANG=C"}).has_value());
  CHECK_FALSE(env_locale({"LANG=POSIX"}).has_value());
  CHECK_FALSE(env_locale({"LC_ALL=C", "LANG=fr_FR.UTF-8"}).has_value());
  const auto lang = env_locale({"LANG=fr_FR.UTF-8", "LC_CTYPE="});
  REQUIRE(lang.has_value());
  CHECK(lang->variable == "LANG");
  CHECK(lang->name == "fr_FR.UTF-8");
  CHECK(env_locale({"LANG=fr_FR.UTF-8", "LC_CTYPE=de_DE"})->variable == "LC_CTYPE");
  CHECK(env_locale({"LC_CTYPE=de_DE", "LC_ALL=ja_JP.eucJP"})->name == "ja_JP.eucJP");
  CHECK(locale_folder_names("en_US.UTF-8") ==
        std::vector<std::string>{"en_US.UTF-8", "en_US.utf8"});
  CHECK(locale_folder_names("en_US.utf8") == std::vector<std::string>{"en_US.utf8"});
  CHECK(locale_folder_names("de_DE.ISO-8859-1@euro") ==
        std::vector<std::string>{"de_DE.ISO-8859-1@euro", "de_DE.iso88591@euro"});
  CHECK(locale_folder_names("xx_YY.8859") ==
        std::vector<std::string>{"xx_YY.8859", "xx_YY.iso8859"});
  CHECK(locale_folder_names("de_DE") == std::vector<std::string>{"de_DE"});
}

TEST_CASE("version names order by their numbers") {
  CHECK(version_less("GLIBC_2.9", "GLIBC_2.10"));
  CHECK_FALSE(version_less("GLIBC_2.10", "GLIBC_2.9"));
  CHECK(version_less("GLIBC_2.2.5", "GLIBC_2.3"));
  CHECK(version_less("GLIBC_2.3", "GLIBC_2.3.2"));
  CHECK_FALSE(version_less("GLIBC_2.36", "GLIBC_2.36"));
  CHECK(highest_version_like({"GLIBC_2.2.5", "GLIBC_2.36", "GLIBC_2.4", "GLIBC_PRIVATE"},
                             "GLIBC_2.39") == "GLIBC_2.36");
  CHECK(highest_version_like({"VERS_1"}, "GLIBC_2.39").empty());
}

TEST_CASE("gconv modules are kept for an object that imports iconv_open, and not otherwise") {
  ImageTree tree = debian_glibc()
                       .file("usr/bin/iconv-app", host_file(elf_testdata("iconv-app")))
                       .file("usr/bin/hello", host_file(elf_testdata("hello")))
                       .text("usr/lib/x86_64-linux-gnu/gconv/UTF-16.so", "module")
                       .text("usr/lib/x86_64-linux-gnu/gconv/gconv-modules", "alias")
                       .build();
  const Closure c = resolve_closure(tree, config_for("/usr/bin/iconv-app"), "img");
  const NeededFile* gconv = kept_file(c, "/usr/lib/x86_64-linux-gnu/gconv");
  REQUIRE(gconv != nullptr);
  CHECK(gconv->tree);
  CHECK(gconv->size == 6 + 5);
  CHECK(gconv->reason == "iconv modules (/usr/bin/iconv-app calls iconv_open)");
  CHECK_FALSE(keeps(resolve_closure(tree, config_for("/usr/bin/hello"), "img"),
                    "/usr/lib/x86_64-linux-gnu/gconv"));
}

TEST_CASE("resolve_object_closure: the loader is found through the image's #! entrypoint") {
  // musl's loader, though glibc's is where the x86-64 ABI puts it: the program decides.
  const std::string script = "#!/app/prog\n";
  std::vector<std::byte> bytes(script.size());
  std::transform(script.begin(), script.end(), bytes.begin(),
                 [](char ch) { return std::byte(ch); });
  ImageTree tree =
      TreeBuilder(capture_for_deps)
          .file("lib/ld-musl-x86_64.so.1", host_file("/usr/lib/x86_64-linux-musl/libc.so"))
          .file("lib64/ld-linux-x86-64.so.2",
                host_file("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"))
          .file("app/prog", host_file(elf_testdata("musl-demo")))
          .file("app/run", bytes)
          .file("usr/lib/libmdemo.so.1", host_file(elf_testdata("libmdemo.so.1")), 0644)
          .build();
  const Closure c =
      resolve_object_closure(tree, config_for("/app/run"), "/usr/lib/libmdemo.so.1", "img");
  CHECK(c.error == "");
  CHECK(c.interpreter == "/lib/ld-musl-x86_64.so.1");
  CHECK(c.libc == "musl");
  CHECK(keeps(c, "/lib/ld-musl-x86_64.so.1"));
  CHECK_FALSE(keeps(c, "/lib64/ld-linux-x86-64.so.2"));
}
