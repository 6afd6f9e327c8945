#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "pare/fs/rootfs.hpp"
#include "pare/util/error.hpp"

using pare::EntryType;
using pare::Rootfs;
using pare::TarEntry;

namespace {

TarEntry file(std::string path, std::uint64_t size = 1, std::uint32_t mode = 0644) {
  TarEntry e;
  e.path = std::move(path);
  e.type = EntryType::kFile;
  e.size = size;
  e.mode = mode;
  return e;
}
TarEntry dir(std::string path) {
  TarEntry e;
  e.path = std::move(path);
  e.type = EntryType::kDir;
  e.mode = 0755;
  return e;
}
TarEntry slink(std::string path, std::string target) {
  TarEntry e;
  e.path = std::move(path);
  e.type = EntryType::kSymlink;
  e.mode = 0777;
  e.link_target = std::move(target);
  return e;
}
TarEntry hlink(std::string path, std::string target) {
  TarEntry e = slink(std::move(path), std::move(target));
  e.type = EntryType::kHardlink;
  return e;
}

/// The tree as "path type size layer [-> target]" lines.
std::vector<std::string> listing(const Rootfs& fs) {
  std::vector<std::string> out;
  fs.walk([&](const std::string& path, const pare::Node& n) {
    std::string line = path + " " + std::string(pare::to_string(n.type)) + " " +
                       std::to_string(n.size) + " L" + std::to_string(n.layer);
    if (!n.link_target.empty()) line += " -> " + n.link_target;
    out.push_back(line);
  });
  return out;
}

}  // namespace

TEST_CASE("whiteouts delete lower files and opaque dirs hide lower children") {
  Rootfs fs;
  fs.apply_layer(0, {dir("data"), file("data/a"), file("data/b"), dir("opq"), file("opq/x")}, "l0");
  // The whiteout comes after the entry it must not affect: order in the tar does not matter.
  const auto changes = fs.apply_layer(
      1, {file("opq/z"), file("opq/.wh..wh..opq", 0), file("data/.wh.a", 0), file("data/c")}, "l1");
  CHECK(changes.removed == 2);  // data/a and opq/x
  CHECK(changes.added == 2);    // opq/z and data/c
  CHECK(listing(fs) == std::vector<std::string>{"/data dir 0 L0", "/data/b file 1 L0",
                                                "/data/c file 1 L1", "/opq dir 0 L0",
                                                "/opq/z file 1 L1"});
}

TEST_CASE("a file replaced by a dir and back") {
  Rootfs fs;
  fs.apply_layer(0, {file("thing", 5)}, "l0");
  fs.apply_layer(1, {file(".wh.thing", 0), dir("thing"), file("thing/inner", 3)}, "l1");
  CHECK(listing(fs) == std::vector<std::string>{"/thing dir 0 L1", "/thing/inner file 3 L1"});
  const auto changes = fs.apply_layer(2, {file(".wh.thing", 0), file("thing", 7)}, "l2");
  CHECK(changes.removed == 2);
  CHECK(listing(fs) == std::vector<std::string>{"/thing file 7 L2"});
}

TEST_CASE("a whiteout of a path the same layer adds leaves that path") {
  Rootfs fs;
  fs.apply_layer(0, {file("x", 1)}, "l0");
  fs.apply_layer(1, {file("x", 9), file(".wh.x", 0)}, "l1");
  CHECK(listing(fs) == std::vector<std::string>{"/x file 9 L1"});
}

TEST_CASE("hardlinks take their target's content and survive its removal") {
  Rootfs fs;
  fs.apply_layer(0, {file("big", 10000), hlink("big-link", "./big")}, "l0");
  CHECK(fs.find("big-link")->size == 10000);
  fs.apply_layer(1, {file(".wh.big", 0)}, "l1");
  CHECK(listing(fs) == std::vector<std::string>{"/big-link hardlink 10000 L0 -> big"});
  CHECK_THROWS_AS(fs.apply_layer(2, {hlink("dangling", "nope")}, "l2"), pare::Error);
}

TEST_CASE("symlinks resolve inside the root, never above it") {
  Rootfs fs;
  fs.apply_layer(0,
                 {dir("etc"), file("etc/hostname", 5), slink("chain1", "chain2"),
                  slink("chain2", "/chain3"), slink("chain3", "etc/hostname"),
                  slink("escape", "../../../../etc/hostname"), slink("abs", "/etc/hostname"),
                  slink("loop1", "loop2"), slink("loop2", "loop1"), slink("dangling", "x")},
                 "l0");
  for (const char* p : {"chain1", "/escape", "abs", "etc/../chain1"}) {
    const auto r = fs.resolve(p);
    REQUIRE_MESSAGE(r.node != nullptr, p);
    CHECK(r.path == "etc/hostname");
  }
  CHECK(fs.resolve("loop1").error == pare::ResolveError::kLoop);
  CHECK(fs.resolve("dangling").error == pare::ResolveError::kMissing);
  CHECK(fs.resolve("etc/hostname/x").error == pare::ResolveError::kNotADirectory);
  const auto unfollowed = fs.resolve("chain1", false);
  REQUIRE(unfollowed.node != nullptr);
  CHECK(unfollowed.node->type == EntryType::kSymlink);
}

TEST_CASE("an entry under a symlinked folder lands where the link points") {
  Rootfs fs;
  fs.apply_layer(0, {dir("usr"), dir("usr/lib"), slink("lib", "usr/lib")}, "l0");
  fs.apply_layer(1, {file("lib/libx.so", 4)}, "l1");
  CHECK(fs.find("usr/lib/libx.so") != nullptr);
  CHECK(fs.find("lib")->type == EntryType::kSymlink);
}

TEST_CASE("an entry that climbs out of the root is refused") {
  Rootfs fs;
  CHECK_THROWS_WITH_AS(fs.apply_layer(0, {file("../../evil")}, "img: layer 0"),
                       doctest::Contains("climbs out of the image root"), pare::Error);
  try {
    fs.apply_layer(0, {file("a/../../evil")}, "img");
  } catch (const pare::Error& e) {
    CHECK(e.code() == pare::ExitCode::kBadInput);
  }
  CHECK_THROWS_AS(fs.apply_layer(0, {file("dir/.wh.")}, "img"), pare::Error);
}

TEST_CASE("missing parents are created and counted once") {
  Rootfs fs;
  const auto changes = fs.apply_layer(0, {file("a/b/c")}, "l0");
  CHECK(changes.added == 1);
  CHECK(listing(fs) ==
        std::vector<std::string>{"/a dir 0 L0", "/a/b dir 0 L0", "/a/b/c file 1 L0"});
}

TEST_CASE("a file's origin is its own tar entry; a hardlink's is its target's") {
  Rootfs fs;
  fs.apply_layer(0, {dir("usr"), dir("usr/lib"), slink("lib", "usr/lib"), file("data", 5)}, "l0");
  fs.apply_layer(
      1, {file("lib/libx.so", 4), hlink("usr/lib/again", "lib/libx.so"), hlink("old", "data")},
      "l1");
  using pare::ByteOrigin;
  using pare::LayerBytes;
  // Placed at usr/lib/libx.so, its bytes are still the tar's "lib/libx.so".
  CHECK(fs.find("usr/lib/libx.so")->origin == ByteOrigin(LayerBytes{1, "lib/libx.so"}));
  CHECK(fs.find("usr/lib/again")->origin == ByteOrigin(LayerBytes{1, "lib/libx.so"}));
  CHECK(fs.find("old")->origin == ByteOrigin(LayerBytes{0, "data"}));
  CHECK(fs.find("old")->size == 5);
  CHECK(std::holds_alternative<std::monostate>(fs.find("lib")->origin));
}

TEST_CASE("an origin given with the entry is kept: a host file, or bytes pare wrote") {
  Rootfs fs;
  std::vector<pare::CapturedEntry> entries;
  entries.push_back({file("bin/tool", 3), pare::HostBytes{"/host/tool"}, {}, {}});
  entries.push_back({file("etc/conf", 2), pare::StoredBytes{{10, 2}}, {}, "ab12"});
  fs.apply_layer(1, entries, "host files");
  CHECK(fs.find("bin/tool")->origin == pare::ByteOrigin(pare::HostBytes{"/host/tool"}));
  CHECK(fs.find("etc/conf")->origin == pare::ByteOrigin(pare::StoredBytes{{10, 2}}));
  CHECK(fs.find("etc/conf")->sha256 == "ab12");
}
