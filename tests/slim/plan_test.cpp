#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "../elf/elf_testdata.hpp"
#include "../support.hpp"
#include "../test_images.hpp"
#include "pare/slim/plan.hpp"
#include "pare/util/error.hpp"

// The Planner on trees built in memory: what it keeps and why, the distroless base, the user's
// rules, and the output config. The program is a real static ELF (tests/elf fixtures).

using namespace pare;
using pare::testing::bytes_of;
using pare::testing::TreeBuilder;

namespace {

constexpr std::string_view kPasswd =
    "root:x:0:0:root:/root:/sbin/nologin\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
    "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n";
constexpr std::string_view kGroup =
    "root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n";
constexpr std::string_view kImagePasswd =
    "root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n";
constexpr std::string_view kImageGroup = "root:x:0:\napp:x:1001:\n";

std::vector<std::byte> hello() {
  const std::string bytes = read_text(elf_testdata("static-glibc"));
  REQUIRE_MESSAGE(!bytes.empty(), "no fixture " << elf_testdata("static-glibc"));
  return bytes_of(bytes);
}

/// A small image: the program under /app, reached through /usr/bin/hello, and a few files a
/// slim drops unless told otherwise.
TreeBuilder image_tree() {
  TreeBuilder b(capture_for_slim);
  TarEntry setuid;
  setuid.path = "usr/bin/su-like";
  setuid.type = EntryType::kFile;
  setuid.mode = 04755;
  setuid.size = 3;
  TarEntry late;
  late.path = "etc/late";
  late.type = EntryType::kFile;
  late.mode = 0600;
  late.uid = 7;
  late.gid = 8;
  late.mtime = 2000000000;  // after the image's created time: clamped
  late.size = 1;
  b.dir("app")
      .file("app/hello", hello())
      .dir("usr/bin")
      .symlink("usr/bin/hello", "/app/hello")
      .add(setuid, bytes_of("su\n"))
      .text("etc/motd", "welcome\n")
      .text("etc/passwd", kImagePasswd)
      .text("etc/group", kImageGroup)
      .text("etc/os-release", "ID=test\n")
      .add(late, bytes_of("x"))
      .text("usr/share/doc/a/copyright", "a\n")
      .text("usr/share/doc/b/copyright", "bb\n");
  return b;
}

Image image_running(std::vector<std::string> entrypoint) {
  Image image;
  image.config.architecture = "amd64";
  image.config.os = "linux";
  image.config.created = "2024-01-02T03:04:05Z";
  image.config.config.entrypoint = std::move(entrypoint);
  HistoryEntry h;
  h.created_by = "COPY hello /app/hello";
  image.config.history.push_back(h);
  return image;
}

const PlanEntry* entry(const Plan& plan, const std::string& path) {
  const auto it = std::find_if(plan.entries.begin(), plan.entries.end(),
                               [&](const PlanEntry& e) { return e.path == path; });
  return it == plan.entries.end() ? nullptr : &*it;
}

std::string reason(const Plan& plan, const std::string& path) {
  const PlanEntry* e = entry(plan, path);
  return e == nullptr ? "(not kept)" : e->reason;
}

bool has_warning(const Plan& plan, const std::string& part) {
  return std::any_of(plan.warnings.begin(), plan.warnings.end(),
                     [&](const std::string& w) { return w.find(part) != std::string::npos; });
}

}  // namespace

TEST_CASE("plan: the program's closure is kept with its reasons, the rest dropped") {
  const ImageTree tree = image_tree().build();
  const Plan plan = make_plan(tree, image_running({"/usr/bin/hello"}), {}, "img");

  CHECK(reason(plan, "/app/hello") == "entrypoint");
  CHECK(reason(plan, "/usr/bin/hello") == "symlink on the way to /app/hello");
  CHECK(reason(plan, "/app") == "folder");
  CHECK(reason(plan, "/usr/bin") == "folder");
  CHECK(reason(plan, "/etc/motd") == "(not kept)");
  CHECK(reason(plan, "/usr/share/doc/a/copyright") == "(not kept)");
  CHECK(reason(plan, "/etc/os-release") == "base: what the OS is (scanners)");
  CHECK(std::is_sorted(plan.entries.begin(), plan.entries.end(),
                       [](const PlanEntry& a, const PlanEntry& b) { return a.path < b.path; }));

  const PlanEntry& program = *entry(plan, "/app/hello");
  CHECK(program.from_image);
  CHECK(program.type == EntryType::kFile);
  CHECK(program.size == hello().size());
  // An ELF is captured whole while its layer streams: its bytes are in the tree's store.
  CHECK(std::holds_alternative<StoredBytes>(program.origin));
  // os-release is not captured: its bytes stay in layer 0, under its own tar path.
  CHECK(entry(plan, "/etc/os-release")->origin == ByteOrigin(LayerBytes{0, "etc/os-release"}));
  CHECK(entry(plan, "/usr/bin/hello")->link_target == "/app/hello");

  // su-like, motd, passwd, group, os-release, late and the two copyright files.
  CHECK(plan.before ==
        hello().size() + 3 + 8 + kImagePasswd.size() + kImageGroup.size() + 8 + 1 + 2 + 3);
  CHECK(plan.after == program.size + entry(plan, "/etc/passwd")->size +
                          entry(plan, "/etc/group")->size +
                          entry(plan, "/etc/nsswitch.conf")->size + 8);
}

TEST_CASE("plan: the distroless base files, the image's user added to them") {
  const ImageTree tree = image_tree().build();
  SUBCASE("distroless' users, groups, NSS, /tmp and homes") {
    const Plan plan = make_plan(tree, image_running({"/app/hello"}), {}, "img");
    const PlanEntry& passwd = *entry(plan, "/etc/passwd");
    CHECK_FALSE(passwd.from_image);
    CHECK(passwd.content == kPasswd);
    CHECK(passwd.mode == 0644);
    CHECK(entry(plan, "/etc/group")->content == kGroup);
    CHECK(entry(plan, "/etc/nsswitch.conf")->content == kDistrolessNsswitch);
    CHECK(entry(plan, "/tmp")->mode == 01777);
    CHECK(entry(plan, "/root")->mode == 0700);
    CHECK(entry(plan, "/home")->mode == 0755);
    const PlanEntry& home = *entry(plan, "/home/nonroot");
    CHECK(home.mode == 0700);
    CHECK(home.uid == 65532);
    CHECK(home.gid == 65532);
    CHECK(reason(plan, "/etc") == "folder");
  }
  SUBCASE("a user of the image is copied from its passwd and group") {
    SlimOptions o;
    o.user = "app";
    const Plan plan = make_plan(tree, image_running({"/app/hello"}), o, "img");
    CHECK(entry(plan, "/etc/passwd")->content ==
          std::string(kPasswd) + "app:x:1000:1001::/home/app:/bin/sh\n");
    CHECK(entry(plan, "/etc/group")->content == std::string(kGroup) + "app:x:1001:\n");
    CHECK(reason(plan, "/etc/passwd").find("the image's user app") != std::string::npos);
    CHECK(plan.config.config.user == "app");
  }
  SUBCASE("without base files only /tmp; without homes no /root") {
    SlimOptions o;
    o.base_files = false;
    const Plan bare = make_plan(tree, image_running({"/app/hello"}), o, "img");
    CHECK(entry(bare, "/tmp") != nullptr);
    CHECK(entry(bare, "/etc/passwd") == nullptr);
    CHECK(entry(bare, "/etc/os-release") == nullptr);
    SlimOptions no_homes;
    no_homes.homes = false;
    const Plan plan = make_plan(tree, image_running({"/app/hello"}), no_homes, "img");
    CHECK(entry(plan, "/root") == nullptr);
    CHECK(entry(plan, "/home/nonroot") == nullptr);
    CHECK(entry(plan, "/etc/passwd") != nullptr);
  }
}

TEST_CASE("plan: --keep and --drop") {
  const ImageTree tree = image_tree().build();
  const Image image = image_running({"/app/hello"});
  SUBCASE("a path, a glob and a folder are kept with the rule as their reason") {
    SlimOptions o;
    o.keep = {"/etc/motd", "/usr/share/doc/a/*", "/usr/share/doc/b"};
    const Plan plan = make_plan(tree, image, o, "img");
    CHECK(reason(plan, "/etc/motd") == "rule --keep /etc/motd");
    CHECK(reason(plan, "/usr/share/doc/a/copyright") == "rule --keep /usr/share/doc/a/*");
    CHECK(reason(plan, "/usr/share/doc/a") == "folder");
    CHECK(reason(plan, "/usr/share/doc/b") == "rule --keep /usr/share/doc/b");
    CHECK(reason(plan, "/usr/share/doc/b/copyright") == "rule --keep /usr/share/doc/b");
  }
  SUBCASE("a rule that matches nothing is a usage error (exit 2)") {
    for (const auto& rule : std::vector<std::string>{"/nope", "/etc/*.nope"}) {
      CAPTURE(rule);
      SlimOptions o;
      o.keep = {rule};
      try {
        (void)make_plan(tree, image, o, "img");
        FAIL("no error");
      } catch (const Error& e) {
        CHECK(e.code() == ExitCode::kUsage);
        CHECK(std::string(e.what()).find("--keep " + rule + ": matches nothing in img") !=
              std::string::npos);
      }
    }
  }
  SUBCASE("--drop removes, last, and warns when the program needs what it removes") {
    SlimOptions o;
    o.keep = {"/etc/motd"};
    o.drop = {"/etc/motd", "/app/*"};
    const Plan plan = make_plan(tree, image, o, "img");
    CHECK(entry(plan, "/etc/motd") == nullptr);
    CHECK(entry(plan, "/app/hello") == nullptr);
    CHECK(has_warning(plan, "--drop /app/* removes /app/hello, which the program needs"));
    CHECK_FALSE(has_warning(plan, "/etc/motd"));
  }
}

TEST_CASE("plan: setuid and setgid bits are dropped and listed") {
  const ImageTree tree = image_tree().build();
  SlimOptions o;
  o.keep = {"/usr/bin/su-like"};
  const Plan plan = make_plan(tree, image_running({"/app/hello"}), o, "img");
  CHECK(plan.setuid_dropped == std::vector<std::string>{"/usr/bin/su-like"});
  CHECK(entry(plan, "/usr/bin/su-like")->mode == 0755);
  CHECK(entry(plan, "/app/hello")->mode == 0755);
}

TEST_CASE("plan: the output config, its history and the epoch") {
  const ImageTree tree = image_tree().build();
  const Image image = image_running({"/app/hello"});
  SUBCASE("the image's created time is the epoch; mtimes are clamped to it") {
    SlimOptions o;
    o.keep = {"/etc/late"};
    const Plan plan = make_plan(tree, image, o, "img");
    CHECK(plan.epoch == 1704164645);
    CHECK(plan.config.created == "2024-01-02T03:04:05Z");
    const PlanEntry& late = *entry(plan, "/etc/late");
    CHECK(late.mtime == plan.epoch);
    CHECK(late.mode == 0600);
    CHECK(late.uid == 7);
    CHECK(late.gid == 8);
    CHECK(entry(plan, "/app/hello")->mtime == 0);
    CHECK(entry(plan, "/etc/passwd")->mtime == plan.epoch);
    REQUIRE(plan.config.history.size() == 2);
    CHECK(plan.config.history[0].empty_layer);
    CHECK(plan.config.history[1].created_by == "pare slim");
    CHECK(plan.config.history[1].created == "2024-01-02T03:04:05Z");
    CHECK(plan.config.history[1].comment == "kept " + std::to_string(plan.entries.size()) +
                                                " paths, " + std::to_string(plan.after) + " of " +
                                                std::to_string(plan.before) + " bytes");
  }
  SUBCASE("SOURCE_DATE_EPOCH and the run config overrides") {
    SlimOptions o;
    o.source_date_epoch = 100;
    o.cmd = std::vector<std::string>{"--serve"};
    o.env = {"A=1"};
    o.workdir = "/app";
    o.labels = {{"org.example", "yes"}};
    const Plan plan = make_plan(tree, image, o, "img");
    CHECK(plan.epoch == 100);
    CHECK(plan.config.created == "1970-01-01T00:01:40Z");
    CHECK(plan.config.config.entrypoint == std::vector<std::string>{"/app/hello"});
    CHECK(plan.config.config.cmd == std::vector<std::string>{"--serve"});
    CHECK(plan.config.config.env == std::vector<std::string>{"A=1"});
    CHECK(plan.config.config.working_dir == "/app");
    CHECK(plan.config.config.labels.at("org.example") == "yes");
    CHECK(plan.config.architecture == "amd64");
  }
  SUBCASE("--layers 2: the program in the app layer, a history entry for each") {
    SlimOptions o;
    o.layers = 2;
    const Plan plan = make_plan(tree, image, o, "img");
    REQUIRE(plan.config.history.size() == 3);
    CHECK(plan.config.history[1].created_by == "pare slim (base)");
    CHECK(plan.config.history[2].created_by == "pare slim (app)");
    for (const auto& e : plan.entries) {
      CAPTURE(e.path);
      CHECK(e.app == (e.path == "/app/hello"));
    }
  }
}

TEST_CASE("plan: an entrypoint that is not there is bad input (exit 3)") {
  const ImageTree tree = image_tree().build();
  for (const auto& program : std::vector<std::string>{"/app/nope", "/etc/motd"}) {
    CAPTURE(program);
    try {
      (void)make_plan(tree, image_running({program}), {}, "img");
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.code() == ExitCode::kBadInput);
      CHECK(std::string(e.what()).find(program) != std::string::npos);
    }
  }
}

TEST_CASE("plan: a Plan is a value that outlives its tree") {
  Plan plan;
  {
    const ImageTree tree = image_tree().build();
    plan = make_plan(tree, image_running({"/app/hello"}), {}, "img");
  }
  const Plan copy = plan;
  REQUIRE(entry(copy, "/app/hello") != nullptr);
  CHECK(entry(copy, "/app/hello")->size == hello().size());
  CHECK(entry(copy, "/etc/os-release")->origin == ByteOrigin(LayerBytes{0, "etc/os-release"}));
}

TEST_CASE("plan: WorkingDir and the User's home are kept with their owner and mode") {
  TarEntry home;
  home.path = "home/app";
  home.type = EntryType::kDir;
  home.mode = 0750;
  home.uid = 1000;
  home.gid = 1001;
  TarEntry work = home;
  work.path = "srv/work";
  work.mode = 0700;
  TreeBuilder b = image_tree();
  b.dir("home").add(home).dir("srv").add(work).text("srv/work/data", "d\n");
  const ImageTree tree = b.build();
  Image image = image_running({"/app/hello"});
  image.config.config.working_dir = "/srv/work";
  image.config.config.user = "app";
  const Plan plan = make_plan(tree, image, {}, "img");
  REQUIRE(entry(plan, "/srv/work") != nullptr);
  CHECK(reason(plan, "/srv/work") == "WorkingDir");
  CHECK(entry(plan, "/srv/work")->uid == 1000);
  CHECK(entry(plan, "/srv/work")->mode == 0700);
  CHECK(reason(plan, "/srv/work/data") == "(not kept)");
  REQUIRE(entry(plan, "/home/app") != nullptr);
  CHECK(reason(plan, "/home/app") == "the home of User app");
  CHECK(entry(plan, "/home/app")->gid == 1001);
  CHECK(entry(plan, "/home/app")->mode == 0750);

  SUBCASE("a WorkingDir the image lacks is made as runc makes it") {
    image.config.config.working_dir = "/missing/here";
    const Plan made = make_plan(tree, image, {}, "img");
    REQUIRE(entry(made, "/missing/here") != nullptr);
    CHECK(entry(made, "/missing/here")->mode == 0755);
    CHECK(entry(made, "/missing/here")->uid == 0);
  }
}

TEST_CASE("plan: traced paths are kept with the probe and call that touched them") {
  TarEntry logs;
  logs.path = "var/log/app";
  logs.type = EntryType::kDir;
  logs.mode = 0750;
  logs.uid = 33;
  logs.gid = 4;
  TreeBuilder b = image_tree();
  b.dir("var").dir("var/log").add(logs).text("etc/app.conf", "x=1\n").dir("usr/lib/gconv");
  b.text("usr/lib/gconv/gconv-modules", "module\n").text("usr/lib/gconv/UTF-16.so", "so\n");
  b.text("usr/lib/gconv/UTF-7.so", "so\n").symlink("etc/conf-link", "app.conf");
  const ImageTree tree = b.build();
  const Image image = image_running({"/app/hello"});

  ProbeRun first;
  first.number = 1;
  first.result.accesses = {
      {"/etc/conf-link", "open(O_RDONLY)", 0, 1},
      {"/var/log/app/error.log", "open(O_WRONLY|O_CREAT)", 0, 1},
      {"/etc/missing/deeper", "stat", ENOENT, 1},
      {"/usr/share/doc", "opendir", ENOENT, 2},
  };
  ProbeRun second;
  second.number = 2;
  second.result.accesses = {{"/etc/motd", "open(O_RDONLY)", 0, 1},
                            {"/etc/app.conf", "open(O_RDONLY)", 0, 1}};
  const Plan plan = make_plan(tree, image, {}, "img", std::nullopt, {first, second});

  CHECK(reason(plan, "/etc/conf-link") == "opened by probe 1: open(O_RDONLY)");
  CHECK(reason(plan, "/etc/app.conf") == "opened by probe 1: open(O_RDONLY)");
  CHECK(reason(plan, "/etc/motd") == "opened by probe 2: open(O_RDONLY)");
  // A file the run made: its folder is kept with its owner and mode.
  CHECK(reason(plan, "/var/log/app") ==
        "folder of /var/log/app/error.log, opened by probe 1: open(O_WRONLY|O_CREAT)");
  CHECK(entry(plan, "/var/log/app")->uid == 33);
  CHECK(entry(plan, "/var/log/app")->mode == 0750);
  CHECK(entry(plan, "/var/log/app/error.log") == nullptr);
  // A failed look-up whose parent is missing too keeps nothing.
  CHECK(entry(plan, "/etc/missing") == nullptr);
  CHECK(entry(plan, "/usr/share/doc/a/copyright") == nullptr);
}
