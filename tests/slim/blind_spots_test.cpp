#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "../elf/elf_testdata.hpp"
#include "../support.hpp"
#include "../test_images.hpp"
#include "pare/slim/plan.hpp"

// What a plan made without a trace warns about: the reasons to believe the program reads what
// static analysis cannot see. The programs are real ELF files (tests/elf fixtures).

using namespace pare;
using pare::testing::bytes_of;
using pare::testing::TreeBuilder;

namespace {

std::vector<std::byte> fixture(const std::string& name) {
  const std::string bytes = read_text(elf_testdata(name));
  REQUIRE_MESSAGE(!bytes.empty(), "no fixture " << elf_testdata(name));
  return bytes_of(bytes);
}

Image running(std::vector<std::string> entrypoint) {
  Image image;
  image.config.architecture = "amd64";
  image.config.os = "linux";
  image.config.created = "2024-01-02T03:04:05Z";
  image.config.config.entrypoint = std::move(entrypoint);
  return image;
}

bool mentions(const std::vector<std::string>& texts, const std::string& part) {
  return std::any_of(texts.begin(), texts.end(),
                     [&](const std::string& t) { return t.find(part) != std::string::npos; });
}

constexpr std::string_view kStatus =
    "Package: app\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\n"
    "Depends: app-common\n\n"
    "Package: app-common\nStatus: install ok installed\nVersion: 1\nArchitecture: all\n\n"
    "Package: other-conf\nStatus: install ok installed\nVersion: 1\nArchitecture: all\n";

}  // namespace

TEST_CASE("blind spots: a shell-script entrypoint, with a hint to trace it") {
  TreeBuilder b(capture_for_slim);
  b.dir("bin")
      .file("bin/sh", fixture("static-glibc"))
      .text("start.sh", "#!/bin/sh\nexec app\n", 0755);
  const ImageTree tree = b.build();
  const Plan plan = make_plan(tree, running({"/start.sh"}), {}, "img");
  REQUIRE(plan.blind_spots.size() == 1);
  CHECK(plan.blind_spots.front() ==
        "the entrypoint /start.sh is a sh script: the programs it runs are not seen: trace it "
        "with --trace (and --probe ARGS for more runs), or keep what it needs with --keep");

  SUBCASE("a traced plan has none: the trace saw what ran") {
    SlimOptions traced;
    traced.trace = true;
    CHECK(make_plan(tree, running({"/start.sh"}), traced, "img").blind_spots.empty());
  }
}

TEST_CASE("blind spots: config files of the program's package and its family are dropped") {
  TreeBuilder b(capture_for_slim);
  b.dir("usr/bin")
      .file("usr/bin/app", fixture("static-glibc"))
      .dir("etc/app")
      .text("etc/app/app.conf", "x=1\n")
      .text("etc/app/extra.conf", "y=2\n")
      .text("etc/other.conf", "z\n")
      .dir("var/lib/dpkg/info")
      .text("var/lib/dpkg/status", kStatus)
      .text("var/lib/dpkg/info/app.list", "/usr\n/usr/bin\n/usr/bin/app\n")
      .text("var/lib/dpkg/info/app-common.list",
            "/etc\n/etc/app\n/etc/app/app.conf\n"
            "/etc/app/extra.conf\n")
      .text("var/lib/dpkg/info/other-conf.list", "/etc\n/etc/other.conf\n");
  const ImageTree tree = b.build();
  const Plan plan = make_plan(tree, running({"/usr/bin/app"}), {}, "img");
  CHECK(mentions(plan.blind_spots,
                 "package app of /usr/bin/app has config files the slim image "
                 "drops (/etc/app/app.conf and 1 more): trace it"));
  CHECK_FALSE(mentions(plan.blind_spots, "other.conf"));

  SUBCASE("kept by a rule, they are no blind spot") {
    SlimOptions keep;
    keep.keep = {"/etc/app"};
    CHECK(make_plan(tree, running({"/usr/bin/app"}), keep, "img").blind_spots.empty());
  }
}

TEST_CASE("plan: a program that looks users up gets the image's records and distroless'") {
  TreeBuilder b(capture_for_slim);
  b.dir("usr/bin")
      .file("usr/bin/app", fixture("static-glibc"))
      .text("etc/passwd", "root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33::/var/www:/bin/sh\n")
      .text("etc/group", "root:x:0:\nwww-data:x:33:\n");
  const ImageTree tree = b.build();
  ProbeRun run;
  run.number = 1;
  run.result.accesses = {{"/etc/passwd", "open(O_RDONLY)", 0, 1}};
  const Plan plan = make_plan(tree, running({"/usr/bin/app"}), {}, "img", std::nullopt, {run});
  const auto it = std::find_if(plan.entries.begin(), plan.entries.end(),
                               [](const PlanEntry& e) { return e.path == "/etc/passwd"; });
  REQUIRE(it != plan.entries.end());
  CHECK(it->content ==
        "root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33::/var/www:/bin/sh\n"
        "nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
        "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n");
  CHECK(it->reason == "base: the image's users and distroless' (probe 1 opened /etc/passwd)");

  SUBCASE("a program that does not gets distroless' alone") {
    const Plan plain = make_plan(tree, running({"/usr/bin/app"}), {}, "img");
    const auto p = std::find_if(plain.entries.begin(), plain.entries.end(),
                                [](const PlanEntry& e) { return e.path == "/etc/passwd"; });
    REQUIRE(p != plain.entries.end());
    CHECK(p->content.starts_with("root:x:0:0:root:/root:/sbin/nologin\n"));
  }
}
