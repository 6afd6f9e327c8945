#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "../elf/elf_testdata.hpp"
#include "../support.hpp"
#include "../test_images.hpp"
#include "pare/deps/resolver.hpp"
#include "pare/slim/plan.hpp"
#include "pare/slim/runtimes.hpp"

// find_runtime on trees built in memory shaped like Debian's python3, Alpine's, a runtime built
// from source without a package database, node, java and a script. The interpreters are real
// static ELF files (tests/elf fixtures) under the runtimes' names.

using namespace pare;
using pare::testing::bytes_of;
using pare::testing::TreeBuilder;

namespace {

std::vector<std::byte> elf(const std::string& name = "static-glibc") {
  const std::string bytes = read_text(elf_testdata(name));
  REQUIRE_MESSAGE(!bytes.empty(), "no fixture " << elf_testdata(name));
  return bytes_of(bytes);
}

/// Debian 12's python3 packages as dpkg lists them (Depends trimmed to what matters).
constexpr std::string_view kDebianStatus =
    "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nMulti-Arch: same\n"
    "Version: 2.36-9\nDepends: libgcc-s1\n\n"
    "Package: media-types\nStatus: install ok installed\nArchitecture: all\nVersion: 10.0.0\n\n"
    "Package: python3\nStatus: install ok installed\nArchitecture: amd64\n"
    "Version: 3.11.2-1+b1\nPre-Depends: python3-minimal (= 3.11.2-1+b1)\n"
    "Depends: python3.11 (>= 3.11.2-1~),\n libpython3-stdlib (= 3.11.2-1+b1)\n\n"
    "Package: python3-minimal\nStatus: install ok installed\nArchitecture: amd64\n"
    "Version: 3.11.2-1+b1\nDepends: python3.11-minimal (>= 3.11.2-1~), dpkg (>= 1.13.20)\n\n"
    "Package: python3.11\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.11.2-6\n"
    "Depends: python3.11-minimal (= 3.11.2-6), libpython3.11-stdlib (= 3.11.2-6), media-types "
    "| mime-support, tzdata\n\n"
    "Package: python3.11-minimal\nStatus: install ok installed\nArchitecture: amd64\n"
    "Version: 3.11.2-6\nDepends: libpython3.11-minimal (= 3.11.2-6), libc6 (>= 2.34)\n\n"
    "Package: libpython3.11-minimal\nStatus: install ok installed\nArchitecture: amd64\n"
    "Multi-Arch: same\nVersion: 3.11.2-6\nDepends: libc6 (>= 2.14), libssl3 (>= 3.0.0)\n\n"
    "Package: libpython3.11-stdlib\nStatus: install ok installed\nArchitecture: amd64\n"
    "Multi-Arch: same\nVersion: 3.11.2-6\n"
    "Depends: libpython3.11-minimal (= 3.11.2-6), media-types | mime-support, libc6\n\n"
    "Package: libpython3-stdlib\nStatus: install ok installed\nArchitecture: amd64\n"
    "Version: 3.11.2-1+b1\nDepends: libpython3.11-stdlib (>= 3.11.2-1~)\n";

/// Debian 12 with python3 installed: /usr/bin/python3 -> python3.11, the standard library
/// split between libpython3.11-minimal and -stdlib, a dist-packages folder whose .pth names
/// /opt/extra, and the app in /app.
TreeBuilder debian_python() {
  TreeBuilder b(capture_for_slim);
  b.merged_usr()
      .file("usr/bin/python3.11", elf())
      .symlink("usr/bin/python3", "python3.11")
      .text("usr/lib/x86_64-linux-gnu/libc.so.6", "libc")
      .text("etc/mime.types", "types\n")
      .text("usr/lib/python3.11/os.py", "# os\n")
      .text("usr/lib/python3.11/encodings/__init__.py", "# encodings\n")
      .text("usr/lib/python3.11/json/__init__.py", "# json\n")
      .text("usr/lib/python3.11/json/__pycache__/__init__.cpython-311.pyc", "pyc")
      .text("usr/lib/python3.11/__pycache__/os.cpython-311.pyc", "pyc")
      .text("usr/share/doc/python3.11/copyright", "psf\n")
      .text("usr/lib/python3/dist-packages/requests/__init__.py", "# requests\n")
      .text("usr/lib/python3/dist-packages/extra.pth", "# extra\nimport os\n/opt/extra\n/etc\n")
      .text("opt/extra/extra_mod.py", "# extra\n")
      .text("opt/other/unused.py", "# not kept\n")
      .text("app/main.py", "import json\n")
      .text("app/util.py", "# util\n")
      .text("var/lib/dpkg/status", kDebianStatus)
      .text("var/lib/dpkg/info/libc6:amd64.list",
            "/.\n/lib\n/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu/libc.so.6\n")
      .text("var/lib/dpkg/info/media-types.list", "/etc\n/etc/mime.types\n")
      .text("var/lib/dpkg/info/python3.list", "/.\n/usr\n/usr/bin\n/usr/bin/python3\n")
      .text("var/lib/dpkg/info/python3-minimal.list", "/.\n/usr\n")
      .text("var/lib/dpkg/info/python3.11.list",
            "/.\n/usr/share/doc/python3.11\n/usr/share/doc/python3.11/copyright\n")
      .text("var/lib/dpkg/info/python3.11-minimal.list", "/.\n/usr/bin\n/usr/bin/python3.11\n")
      .text("var/lib/dpkg/info/libpython3.11-minimal:amd64.list",
            "/.\n/usr/lib/python3.11\n/usr/lib/python3.11/os.py\n"
            "/usr/lib/python3.11/encodings\n/usr/lib/python3.11/encodings/__init__.py\n")
      .text("var/lib/dpkg/info/libpython3.11-stdlib:amd64.list",
            "/.\n/usr/lib/python3.11/json\n/usr/lib/python3.11/json/__init__.py\n")
      .text("var/lib/dpkg/info/libpython3-stdlib:amd64.list", "/.\n");
  return b;
}

Closure closure_of(const ImageTree& tree, const RunConfig& run) {
  Config config;
  config.architecture = "amd64";
  config.os = "linux";
  config.config = run;
  return resolve_closure(tree, config, "img");
}

RunConfig running(std::vector<std::string> entrypoint, std::string workdir = "",
                  std::vector<std::string> env = {}) {
  RunConfig run;
  run.entrypoint = std::move(entrypoint);
  run.working_dir = std::move(workdir);
  run.env = std::move(env);
  return run;
}

Runtime runtime_of(const ImageTree& tree, const RunConfig& run) {
  const Closure closure = closure_of(tree, run);
  REQUIRE_MESSAGE(closure.error.empty(), closure.error);
  auto runtime = find_runtime(tree, closure, run, read_package_database(tree));
  REQUIRE(runtime.has_value());
  return *runtime;
}

const NeededFile* needed(const Runtime& rt, const std::string& path) {
  const auto it = std::find_if(rt.files.begin(), rt.files.end(),
                               [&](const NeededFile& f) { return f.path == path; });
  return it == rt.files.end() ? nullptr : &*it;
}

std::string reason(const Runtime& rt, const std::string& path) {
  const NeededFile* f = needed(rt, path);
  return f == nullptr ? "(not kept)" : f->reason + (f->tree ? " [tree]" : "");
}

bool warned(const std::vector<std::string>& warnings, const std::string& part) {
  return std::any_of(warnings.begin(), warnings.end(),
                     [&](const std::string& w) { return w.find(part) != std::string::npos; });
}

std::string all_warnings(const std::vector<std::string>& warnings) {
  std::string out;
  for (const auto& w : warnings) out.append(w).append("\n");
  return out;
}

}  // namespace

TEST_CASE("runtime: the language is the interpreter's file name") {
  CHECK(runtime_language("python") == "python");
  CHECK(runtime_language("python3") == "python");
  CHECK(runtime_language("python3.11") == "python");
  CHECK(runtime_language("node") == "node");
  CHECK(runtime_language("nodejs") == "node");
  CHECK(runtime_language("perl") == "perl");
  CHECK(runtime_language("perl5.36.0") == "perl");
  CHECK(runtime_language("ruby3.1") == "ruby");
  CHECK(runtime_language("java") == "java");
  CHECK(runtime_language("php8.2") == "php");
  CHECK(runtime_language("php-fpm8.2") == "php");
  CHECK(runtime_language("python3-config").empty());
  CHECK(runtime_language("pythonista").empty());
  CHECK(runtime_language("sh").empty());
  CHECK(runtime_language("javac").empty());
  CHECK(is_runtime_file("usr/lib/python3/dist-packages/extra.pth"));
  CHECK_FALSE(is_runtime_file("usr/lib/python3.11/os.py"));
}

TEST_CASE("runtime: Debian's python3 keeps its packages, the app and dist-packages") {
  const ImageTree tree = debian_python().build();
  const Runtime rt = runtime_of(tree, running({"python3", "/app/main.py"}));
  INFO(all_warnings(rt.warnings));
  CHECK(rt.language == "python");
  CHECK(rt.interpreter == "/usr/bin/python3.11");
  CHECK(rt.version == "3.11");
  // The interpreter's package, the link's, and what they depend on in python's family.
  CHECK(reason(rt, "/usr/lib/python3.11/os.py") == "python runtime: package libpython3.11-minimal");
  CHECK(reason(rt, "/usr/lib/python3.11/json/__init__.py") ==
        "python runtime: package libpython3.11-stdlib");
  CHECK(reason(rt, "/usr/bin/python3") == "python runtime: package python3");
  CHECK(reason(rt, "/usr/share/doc/python3.11/copyright") == "python runtime: package python3.11");
  // The .pyc files Debian compiles when installing, which no list names.
  CHECK(reason(rt, "/usr/lib/python3.11/__pycache__") ==
        "python runtime: compiled modules of package libpython3.11-minimal [tree]");
  CHECK(reason(rt, "/usr/lib/python3.11/json/__pycache__") ==
        "python runtime: compiled modules of package libpython3.11-stdlib [tree]");
  // Not the runtime's: the ELF closure keeps libc, nothing keeps media-types.
  CHECK(needed(rt, "/usr/lib/x86_64-linux-gnu/libc.so.6") == nullptr);
  CHECK(needed(rt, "/etc/mime.types") == nullptr);
  // The app, and the packages it installed.
  CHECK(reason(rt, "/app/main.py") == "app script (run by /usr/bin/python3.11)");
  CHECK(reason(rt, "/app") == "app folder /app (the script's folder) [tree]");
  CHECK(reason(rt, "/usr/lib/python3/dist-packages") ==
        "python packages /usr/lib/python3/dist-packages [tree]");
  CHECK(reason(rt, "/opt/extra") ==
        "python packages: named by /usr/lib/python3/dist-packages/extra.pth [tree]");
  CHECK(needed(rt, "/etc") == nullptr);  // a .pth naming a system folder keeps nothing
  CHECK(needed(rt, "/opt/other/unused.py") == nullptr);
  CHECK(rt.warnings.empty());
}

TEST_CASE("runtime: make_plan keeps the python app and its standard library") {
  const ImageTree tree = debian_python().build();
  Image image;
  image.config.architecture = "amd64";
  image.config.os = "linux";
  image.config.created = "2024-01-02T03:04:05Z";
  image.config.config.entrypoint = {"python3", "/app/main.py"};
  SlimOptions options;
  options.layers = 2;
  const Plan plan = make_plan(tree, image, options, "img");
  auto entry = [&](const std::string& path) -> const PlanEntry* {
    const auto it = std::find_if(plan.entries.begin(), plan.entries.end(),
                                 [&](const PlanEntry& e) { return e.path == path; });
    return it == plan.entries.end() ? nullptr : &*it;
  };
  REQUIRE(entry("/app/main.py") != nullptr);
  CHECK(entry("/app/main.py")->app);  // the app layer of --layers 2
  CHECK(entry("/app/util.py")->reason == "app folder /app (the script's folder)");
  CHECK(entry("/app/util.py")->app);
  CHECK(entry("/usr/bin/python3.11")->reason == "entrypoint");
  CHECK(entry("/usr/lib/python3.11/encodings/__init__.py") != nullptr);
  CHECK(entry("/usr/lib/python3.11/json/__init__.py")->reason ==
        "python runtime: package libpython3.11-stdlib");
  CHECK_FALSE(entry("/usr/lib/python3.11/json/__init__.py")->app);
  CHECK(entry("/usr/lib/python3/dist-packages/requests/__init__.py") != nullptr);
  CHECK(entry("/etc/mime.types") == nullptr);
  // The kept runtime's packages are in the slim image's package metadata.
  CHECK(std::any_of(plan.packages.packages.begin(), plan.packages.packages.end(),
                    [](const KeptPackage& p) { return p.name == "libpython3.11-stdlib"; }));
}

TEST_CASE("runtime: Alpine's python3 follows apk's D: through what packages provide") {
  const ImageTree tree =
      TreeBuilder(capture_for_slim)
          .file("usr/bin/python3.11", elf("static-musl"))
          .symlink("usr/bin/python3", "python3.11")
          .text("lib/ld-musl-x86_64.so.1", "musl")
          .text("usr/lib/python3.11/os.py", "# os\n")
          .text("usr/lib/python3.11/__pycache__/os.cpython-311.pyc", "pyc")
          .text("usr/lib/python3.11/site-packages/requests/__init__.py", "# requests\n")
          .text("usr/lib/libpython3.11.so.1.0", "lib")
          .text("srv/main.py", "# app\n")
          .text("lib/apk/db/installed",
                "P:musl\nV:1.2.4-r2\nA:x86_64\nF:lib\nR:ld-musl-x86_64.so.1\n\n"
                "P:python3\nV:3.11.6-r0\nA:x86_64\n"
                "D:so:libc.musl-x86_64.so.1 so:libpython3.11.so.1.0 python3-pyc=3.11.6-r0 "
                "!python2\np:cmd:python3=3.11.6-r0 so:libpython3.11.so.1.0=1.0\n"
                "F:usr/bin\nR:python3\nR:python3.11\nF:usr/lib\nR:libpython3.11.so.1.0\n"
                "F:usr/lib/python3.11\nR:os.py\nZ:Q1abc=\n\n"
                "P:python3-pyc\nV:3.11.6-r0\nA:x86_64\nD:python3=3.11.6-r0\n"
                "F:usr/lib/python3.11/__pycache__\nR:os.cpython-311.pyc\n\n"
                "P:py3-requests\nV:2.31.0-r0\nA:noarch\nD:python3\n"
                "F:usr/lib/python3.11/site-packages/requests\nR:__init__.py\n\n")
          .build();
  const Runtime rt = runtime_of(tree, running({"/usr/bin/python3", "main.py"}, "/srv"));
  INFO(all_warnings(rt.warnings));
  CHECK(reason(rt, "/usr/lib/python3.11/os.py") == "python runtime: package python3");
  CHECK(reason(rt, "/usr/lib/libpython3.11.so.1.0") == "python runtime: package python3");
  CHECK(reason(rt, "/usr/lib/python3.11/__pycache__/os.cpython-311.pyc") ==
        "python runtime: package python3-pyc");
  CHECK(needed(rt, "/lib/ld-musl-x86_64.so.1") == nullptr);
  // py3-requests is not the runtime's: site-packages is kept whole as the app's packages.
  CHECK(reason(rt, "/usr/lib/python3.11/site-packages") ==
        "python packages /usr/lib/python3.11/site-packages [tree]");
  CHECK(reason(rt, "/srv/main.py") == "app script (run by /usr/bin/python3.11)");
  CHECK(reason(rt, "/srv") == "app folder /srv (the script's folder) [tree]");
  CHECK(rt.warnings.empty());
}

TEST_CASE("runtime: without a package database, the runtime's own folders") {
  TreeBuilder b(capture_for_slim);
  b.file("usr/local/bin/python3.11", elf())
      .symlink("usr/local/bin/python3", "python3.11")
      .text("usr/local/lib/python3.11/os.py", "# os\n")
      .text("usr/local/lib/python3.11/site-packages/flask/__init__.py", "# flask\n")
      .text("usr/local/lib/python3.11/site-packages/extra.pth", "/opt/extra\n")
      .text("opt/extra/mod.py", "# extra\n")
      .text("srv/app/main.py", "# app\n")
      .text("srv/app/data/config.toml", "x = 1\n")
      .text("srv/tool/app/__init__.py", "# a package\n")
      .text("venv/pyvenv.cfg", "home = /usr/local/bin\n")
      .symlink("venv/bin/python", "/usr/local/bin/python3.11")
      .text("venv/lib/python3.11/site-packages/venv.pth", "/opt/venv-extra\n")
      .text("opt/venv-extra/v.py", "# v\n");
  const ImageTree tree = b.build();

  SUBCASE("options skipped, the script against WorkingDir") {
    const Runtime rt =
        runtime_of(tree, running({"python3", "-u", "-X", "dev", "main.py"}, "/srv/app"));
    INFO(all_warnings(rt.warnings));
    CHECK(rt.interpreter == "/usr/local/bin/python3.11");
    CHECK(reason(rt, "/usr/local/lib/python3.11") ==
          "python runtime folder (no package database lists it) [tree]");
    CHECK(reason(rt, "/srv/app/main.py") == "app script (run by /usr/local/bin/python3.11)");
    CHECK(reason(rt, "/srv/app") == "app folder /srv/app (the script's folder) [tree]");
    // site-packages is in the runtime's folder; the folder its .pth names is kept too.
    CHECK(needed(rt, "/usr/local/lib/python3.11/site-packages") == nullptr);
    CHECK(reason(rt, "/opt/extra") ==
          "python packages: named by /usr/local/lib/python3.11/site-packages/extra.pth [tree]");
    CHECK(rt.warnings.empty());
  }
  SUBCASE("-m module: the module's package in WorkingDir") {
    const Runtime rt = runtime_of(tree, running({"python3", "-m", "app.main"}, "/srv/tool"));
    CHECK(reason(rt, "/srv/tool") == "app folder /srv/tool (WorkingDir) [tree]");
    const Runtime at_root = runtime_of(tree, running({"python3", "-m", "srv"}, "/"));
    CHECK(reason(at_root, "/srv") == "app package srv (python -m) [tree]");
  }
  SUBCASE("a venv the interpreter is named through, PYTHONPATH") {
    const Runtime rt = runtime_of(
        tree, running({"python", "/srv/app/main.py"}, "",
                      {"PATH=/venv/bin:/usr/local/bin", "PYTHONPATH=/srv/tool:/usr/lib"}));
    INFO(all_warnings(rt.warnings));
    CHECK(rt.interpreter == "/usr/local/bin/python3.11");
    CHECK(reason(rt, "/venv") == "python packages: the venv /venv [tree]");
    CHECK(reason(rt, "/opt/venv-extra") ==
          "python packages: named by /venv/lib/python3.11/site-packages/venv.pth [tree]");
    CHECK(reason(rt, "/srv/tool") == "python packages (PYTHONPATH) [tree]");
    CHECK(needed(rt, "/usr/lib") == nullptr);
  }
}

TEST_CASE("runtime: a #! script's interpreter through /usr/bin/env") {
  TreeBuilder b(capture_for_slim);
  b.file("usr/bin/env", elf())
      .file("usr/bin/python3", elf())
      .text("usr/lib/python3.11/os.py", "# os\n")
      .text("srv/tool/run.py", "#!/usr/bin/env python3\nimport lib\n", 0755)
      .text("srv/tool/lib.py", "# lib\n")
      .text("usr/local/bin/serve", "#!/usr/bin/env python3\nprint()\n", 0755);
  const ImageTree tree = b.build();

  const Runtime rt = runtime_of(tree, running({"/srv/tool/run.py"}));
  INFO(all_warnings(rt.warnings));
  CHECK(rt.language == "python");
  CHECK(rt.interpreter == "/usr/bin/python3");
  CHECK(rt.version == "3.11");  // from /usr/lib/python3.11/os.py: the name has no X.Y
  CHECK(reason(rt, "/usr/lib/python3.11") ==
        "python runtime folder (no package database lists it) [tree]");
  CHECK(reason(rt, "/srv/tool") == "app folder /srv/tool (the script's folder) [tree]");
  CHECK(rt.warnings.empty());

  // A script in a system folder: the script is kept (it is the program), not its folder.
  const Runtime system = runtime_of(tree, running({"serve"}, "/"));
  CHECK(needed(system, "/usr/local/bin") == nullptr);
  CHECK(warned(system.warnings, "the script's folder is /usr/local/bin, a system folder"));
}

TEST_CASE("runtime: node keeps node_modules of the app's folders and NODE_PATH") {
  const ImageTree tree = TreeBuilder(capture_for_slim)
                             .file("usr/local/bin/node", elf())
                             .text("usr/local/lib/node_modules/npm/index.js", "// npm\n")
                             .text("app/server.js", "require('express')\n")
                             .text("app/node_modules/express/index.js", "// express\n")
                             .text("node_modules/shared/index.js", "// shared\n")
                             .text("opt/lib/local/index.js", "// NODE_PATH\n")
                             .text("app/tracing.js", "// preload\n")
                             .build();
  const Runtime rt =
      runtime_of(tree, running({"node", "--require", "./tracing.js", "/app/server.js"}, "/",
                               {"NODE_PATH=/opt/lib"}));
  INFO(all_warnings(rt.warnings));
  CHECK(rt.language == "node");
  CHECK(reason(rt, "/usr/local/lib/node_modules") ==
        "node runtime folder (no package database lists it) [tree]");
  CHECK(reason(rt, "/app") == "app folder /app (the script's folder) [tree]");
  CHECK(needed(rt, "/app/node_modules") == nullptr);  // in the app folder already
  CHECK(reason(rt, "/node_modules") == "node packages /node_modules [tree]");
  CHECK(reason(rt, "/opt/lib") == "node packages (NODE_PATH) [tree]");
  CHECK(rt.warnings.empty());
}

TEST_CASE("runtime: java keeps JAVA_HOME and what its links point at") {
  const ImageTree tree =
      TreeBuilder(capture_for_slim)
          .file("usr/lib/jvm/java-17-openjdk-amd64/bin/java", elf())
          .text("usr/lib/jvm/java-17-openjdk-amd64/lib/modules", "jimage")
          .symlink("usr/lib/jvm/java-17-openjdk-amd64/conf/security/java.security",
                   "/etc/java-17-openjdk/security/java.security")
          .text("etc/java-17-openjdk/security/java.security", "# security\n")
          .text("etc/java-17-openjdk/unrelated", "# not kept\n")
          .symlink("etc/alternatives/java", "/usr/lib/jvm/java-17-openjdk-amd64/bin/java")
          .symlink("usr/bin/java", "/etc/alternatives/java")
          .text("srv/app.jar", "PK")
          .build();
  const Runtime rt = runtime_of(tree, running({"java", "-Xmx1g", "-jar", "/srv/app.jar"}));
  INFO(all_warnings(rt.warnings));
  CHECK(rt.language == "java");
  CHECK(rt.interpreter == "/usr/lib/jvm/java-17-openjdk-amd64/bin/java");
  CHECK(reason(rt, "/usr/lib/jvm/java-17-openjdk-amd64") ==
        "java runtime: JAVA_HOME /usr/lib/jvm/java-17-openjdk-amd64 [tree]");
  CHECK(reason(rt, "/usr/lib/jvm/java-17-openjdk-amd64/conf/security/java.security") ==
        "java runtime: target of the link "
        "/usr/lib/jvm/java-17-openjdk-amd64/conf/security/java.security");
  CHECK(needed(rt, "/etc/java-17-openjdk/unrelated") == nullptr);
  CHECK(reason(rt, "/srv/app.jar") ==
        "app script (run by /usr/lib/jvm/java-17-openjdk-amd64/bin/java)");
  CHECK(reason(rt, "/srv") == "app folder /srv (the script's folder) [tree]");
}

TEST_CASE("runtime: a runtime found nowhere is a warning") {
  SUBCASE("no package database, no folder") {
    const ImageTree tree = TreeBuilder(capture_for_slim).file("usr/bin/ruby", elf()).build();
    const Runtime rt = runtime_of(tree, running({"ruby", "-e", "puts 1"}));
    CHECK(rt.language == "ruby");
    CHECK(warned(rt.warnings,
                 "ruby runtime found only partly: no package database lists it and "
                 "/usr/lib/ruby is missing"));
    CHECK(warned(rt.warnings, "--trace"));
  }
  SUBCASE("a database that does not own the interpreter") {
    const ImageTree tree =
        TreeBuilder(capture_for_slim)
            .file("usr/bin/perl", elf())
            .text("var/lib/dpkg/status",
                  "Package: base-files\nStatus: install ok installed\nVersion: 12\n")
            .text("var/lib/dpkg/info/base-files.list", "/.\n/etc\n")
            .build();
    const Runtime rt = runtime_of(tree, running({"perl", "/missing.pl"}));
    CHECK(warned(rt.warnings, "perl runtime found only partly: no package owns /usr/bin/perl"));
    CHECK(warned(rt.warnings, "perl would run /missing.pl, which is not a file of the image"));
  }
  SUBCASE("not a runtime") {
    const ImageTree tree = TreeBuilder(capture_for_slim).file("usr/bin/hello", elf()).build();
    const RunConfig run = running({"/usr/bin/hello"});
    CHECK_FALSE(
        find_runtime(tree, closure_of(tree, run), run, read_package_database(tree)).has_value());
  }
}

TEST_CASE("runtime: WorkingDir holding files is the app folder, never a system folder") {
  const ImageTree tree = TreeBuilder(capture_for_slim)
                             .file("usr/bin/php8.2", elf())
                             .symlink("usr/bin/php", "php8.2")
                             .text("usr/share/php/PEAR.php", "<?php\n")
                             .text("etc/php/8.2/cli/php.ini", "; ini\n")
                             .text("var/www/html/index.php", "<?php\n")
                             .text("etc/motd", "hi\n")
                             .dir("srv/empty")
                             .build();
  const Runtime rt = runtime_of(tree, running({"php", "-S", "0.0.0.0:80"}, "/var/www/html"));
  INFO(all_warnings(rt.warnings));
  CHECK(reason(rt, "/var/www/html") == "app folder /var/www/html (WorkingDir) [tree]");
  CHECK(reason(rt, "/usr/share/php") == "php runtime folder (no package database lists it) [tree]");
  CHECK(reason(rt, "/etc/php") == "php configuration [tree]");
  CHECK(rt.warnings.empty());

  const Runtime at_etc = runtime_of(tree, running({"php", "-S", "0.0.0.0:80"}, "/etc"));
  CHECK(needed(at_etc, "/etc") == nullptr);
  CHECK(warned(at_etc.warnings, "php app: WorkingDir is /etc, a system folder: not kept whole"));

  const Runtime empty = runtime_of(tree, running({"php", "-S", "0.0.0.0:80"}, "/srv/empty"));
  CHECK(needed(empty, "/srv/empty") == nullptr);  // no files: nothing to keep
}

TEST_CASE("runtime: Debian's perl-base brings perl's full package and its modules") {
  const ImageTree tree =
      TreeBuilder(capture_for_slim)
          .merged_usr()
          .file("usr/bin/perl", elf())
          .text("usr/lib/x86_64-linux-gnu/perl-base/strict.pm", "1;\n")
          .text("usr/share/perl/5.36/JSON/PP.pm", "1;\n")
          .text("usr/lib/x86_64-linux-gnu/libperl.so.5.36", "lib")
          .text("usr/lib/x86_64-linux-gnu/libc.so.6", "libc")
          .text("usr/local/share/perl/5.36/Local.pm", "1;\n")
          .text("srv/app.pl", "use JSON::PP;\n")
          .text("var/lib/dpkg/status",
                "Package: perl-base\nStatus: install ok installed\nArchitecture: amd64\n"
                "Version: 5.36.0-7\nPre-Depends: libc6 (>= 2.36)\n\n"
                "Package: perl\nStatus: install ok installed\nArchitecture: amd64\n"
                "Version: 5.36.0-7\nPre-Depends: perl-base (= 5.36.0-7)\n"
                "Depends: perl-modules-5.36 (>= 5.36.0-7), libperl5.36 (= 5.36.0-7)\n\n"
                "Package: perl-modules-5.36\nStatus: install ok installed\nArchitecture: all\n"
                "Version: 5.36.0-7\n\n"
                "Package: libperl5.36\nStatus: install ok installed\nArchitecture: amd64\n"
                "Multi-Arch: same\nVersion: 5.36.0-7\nDepends: libc6\n\n"
                "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\n"
                "Multi-Arch: same\nVersion: 2.36-9\n")
          .text("var/lib/dpkg/info/perl-base.list",
                "/.\n/usr/bin/perl\n/usr/lib/x86_64-linux-gnu/perl-base/strict.pm\n")
          .text("var/lib/dpkg/info/perl.list", "/.\n")
          .text("var/lib/dpkg/info/perl-modules-5.36.list", "/usr/share/perl/5.36/JSON/PP.pm\n")
          .text("var/lib/dpkg/info/libperl5.36:amd64.list",
                "/usr/lib/x86_64-linux-gnu/libperl.so.5.36\n")
          .text("var/lib/dpkg/info/libc6:amd64.list", "/lib/x86_64-linux-gnu/libc.so.6\n")
          .build();
  const Runtime rt = runtime_of(tree, running({"perl", "-w", "/srv/app.pl"}));
  INFO(all_warnings(rt.warnings));
  CHECK(rt.language == "perl");
  CHECK(reason(rt, "/usr/lib/x86_64-linux-gnu/perl-base/strict.pm") ==
        "perl runtime: package perl-base");
  CHECK(reason(rt, "/usr/share/perl/5.36/JSON/PP.pm") == "perl runtime: package perl-modules-5.36");
  CHECK(reason(rt, "/usr/lib/x86_64-linux-gnu/libperl.so.5.36") ==
        "perl runtime: package libperl5.36");
  CHECK(needed(rt, "/usr/lib/x86_64-linux-gnu/libc.so.6") == nullptr);
  CHECK(reason(rt, "/usr/local/share/perl") == "perl packages /usr/local/share/perl [tree]");
  CHECK(reason(rt, "/srv") == "app folder /srv (the script's folder) [tree]");
  CHECK(rt.warnings.empty());
}
