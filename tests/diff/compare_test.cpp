#include "pare/diff/compare.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "diff_test_trees.hpp"
#include "pare/digest/crc64.hpp"

// compare_trees on trees built in memory: each kind of change, what is not a change, the order
// of the lists and the bytes per folder.

using namespace pare;
using pare::diff_testing::Layer;

namespace {

std::vector<std::string> paths_of(const std::vector<PathChange>& list) {
  std::vector<std::string> out;
  for (const auto& p : list) out.push_back(p.path);
  return out;
}

const PathChange& changed(const TreeDiff& d, const std::string& path) {
  for (const auto& p : d.changed) {
    if (p.path == path) return p;
  }
  FAIL("no changed path " << path);
  return d.changed.front();
}

Differences only(bool Differences::*what) {
  Differences d;
  d.*what = true;
  return d;
}

}  // namespace

TEST_CASE("diff: the same tree has no differences, and a folder's mtime is no change") {
  ImageTree a =
      Layer().dir("etc", 0755, 100).file("etc/motd", 6, 0xabc).symlink("lib", "usr/lib").build();
  ImageTree b =
      Layer().dir("etc", 0755, 999).file("etc/motd", 6, 0xabc).symlink("lib", "usr/lib").build();
  const TreeDiff d = compare_trees(a, b);
  CHECK_FALSE(d.differ());
  CHECK(d.added.empty());
  CHECK(d.removed.empty());
  CHECK(d.changed.empty());
  CHECK(d.unchanged == 3);
  CHECK(d.common.empty());  // not asked for
}

TEST_CASE("diff: added and removed paths, folders and each path of a subtree included") {
  ImageTree a =
      Layer().dir("old").file("old/x", 1, 1).file("old/y", 2, 2).file("keep", 1, 1).build();
  ImageTree b =
      Layer().file("keep", 1, 1).dir("new").file("new/z", 3, 3).symlink("new/l", "z").build();
  const TreeDiff d = compare_trees(a, b);
  CHECK(d.differ());
  CHECK(paths_of(d.removed) == std::vector<std::string>{"/old", "/old/x", "/old/y"});
  CHECK(paths_of(d.added) == std::vector<std::string>{"/new", "/new/l", "/new/z"});
  CHECK(d.removed[2].a.size == 2);
  CHECK(d.added[1].b.type == EntryType::kSymlink);
  CHECK(d.added[1].b.link_target == "z");
  CHECK(d.unchanged == 1);
}

TEST_CASE("diff: content differs by size or by crc64, not by where the bytes are") {
  ImageTree a = Layer()
                    .file("size", 4, 7)
                    .file("bytes", 4, 7)
                    .file("moved", 4, 7, 0644, 0, 0, /*offset=*/512)
                    .file("empty", 0, 0)
                    .build();
  ImageTree b = Layer()
                    .file("size", 5, 7)
                    .file("bytes", 4, 8)
                    .file("moved", 4, 7, 0644, 0, 0, /*offset=*/99999)
                    .file("empty", 0, 0)
                    .build();
  const TreeDiff d = compare_trees(a, b);
  CHECK(paths_of(d.changed) == std::vector<std::string>{"/bytes", "/size"});
  CHECK(changed(d, "/size").what == only(&Differences::content));
  CHECK(changed(d, "/bytes").what == only(&Differences::content));
  CHECK(changed(d, "/size").a.size == 4);
  CHECK(changed(d, "/size").b.size == 5);
  CHECK(d.unchanged == 2);
}

TEST_CASE("diff: SHA-256 decides when both trees have it") {
  CapturedEntry same_sha{{}, LayerBytes{0, "f", 0, 1}, {}, "aa"};
  same_sha.entry.path = "f";
  same_sha.entry.size = 3;
  CapturedEntry other_sha = same_sha;
  other_sha.sha256 = "bb";
  CapturedEntry other_crc_same_sha = same_sha;
  other_crc_same_sha.origin = LayerBytes{0, "f", 0, 2};
  ImageTree a = Layer().add(same_sha).build();
  ImageTree b = Layer().add(other_sha).build();
  ImageTree c = Layer().add(other_crc_same_sha).build();
  CHECK(compare_trees(a, b).changed.size() == 1);
  CHECK_FALSE(compare_trees(a, c).differ());
}

TEST_CASE("diff: bytes the tree stored itself (a sparse file) are summed from its store") {
  const std::string text = "sparse!";
  const auto* p = reinterpret_cast<const std::byte*>(text.data());
  const std::vector<std::byte> bytes(p, p + text.size());
  ImageTree a;
  ImageTree b;
  const ContentRef ref = a.content.add(bytes);
  CapturedEntry stored{{}, StoredBytes{ref}, ref, {}};
  stored.entry.path = "f";
  stored.entry.size = bytes.size();
  a.rootfs.apply_layer(0, std::vector<CapturedEntry>{stored}, "a");
  const std::vector<CapturedEntry> same{
      {stored.entry, LayerBytes{0, "f", 0, crc64_of(bytes)}, {}, {}}};
  b.rootfs.apply_layer(0, same, "b");
  CHECK_FALSE(compare_trees(a, b).differ());
  ImageTree c;
  const std::vector<CapturedEntry> other{
      {stored.entry, LayerBytes{0, "f", 0, crc64_of(bytes) + 1}, {}, {}}};
  c.rootfs.apply_layer(0, other, "c");
  CHECK(compare_trees(a, c).changed.size() == 1);
}

TEST_CASE("diff: mode, owner and link target each, and both at once") {
  ImageTree a = Layer()
                    .file("mode", 1, 1, 0644)
                    .file("owner", 1, 1, 0644, 0, 0)
                    .file("both", 1, 1, 0644, 0, 0)
                    .file("setuid", 1, 1, 0755)
                    .symlink("link", "one")
                    .dir("folder", 0755, 0, 0, 0)
                    .build();
  ImageTree b = Layer()
                    .file("mode", 1, 1, 0600)
                    .file("owner", 1, 1, 0644, 1000, 1001)
                    .file("both", 2, 2, 0600, 0, 0)
                    .file("setuid", 1, 1, 04755)
                    .symlink("link", "two")
                    .dir("folder", 0755, 0, 0, 50)
                    .build();
  const TreeDiff d = compare_trees(a, b);
  CHECK(changed(d, "/mode").what == only(&Differences::mode));
  CHECK(changed(d, "/mode").b.mode == 0600);
  CHECK(changed(d, "/setuid").what == only(&Differences::mode));
  CHECK(changed(d, "/owner").what == only(&Differences::owner));
  CHECK(changed(d, "/owner").b.uid == 1000);
  CHECK(changed(d, "/owner").b.gid == 1001);
  CHECK(changed(d, "/link").what == only(&Differences::link_target));
  CHECK(changed(d, "/folder").what == only(&Differences::owner));
  const Differences both = changed(d, "/both").what;
  CHECK(both.content);
  CHECK(both.mode);
  CHECK_FALSE(both.owner);
  CHECK_FALSE(both.type);
}

TEST_CASE("diff: a type change says only that; a folder that became a file lost its children") {
  ImageTree a =
      Layer().file("lib.so", 8, 1).dir("d").file("d/inner", 1, 1).symlink("s", "x").build();
  ImageTree b = Layer().symlink("lib.so", "lib.so.1").file("d", 3, 3, 0600).file("s", 1, 1).build();
  const TreeDiff d = compare_trees(a, b);
  CHECK(paths_of(d.changed) == std::vector<std::string>{"/d", "/lib.so", "/s"});
  for (const auto& c : d.changed) CHECK(c.what == only(&Differences::type));
  CHECK(changed(d, "/lib.so").a.type == EntryType::kFile);
  CHECK(changed(d, "/lib.so").b.type == EntryType::kSymlink);
  CHECK(changed(d, "/lib.so").b.link_target == "lib.so.1");
  CHECK(paths_of(d.removed) == std::vector<std::string>{"/d/inner"});
}

TEST_CASE("diff: a hardlink compares as the file it names; devices by their numbers") {
  ImageTree a = Layer()
                    .file("f", 3, 9)
                    .hardlink("h", "f")
                    .device("dev/null", 1, 3)
                    .device("dev/x", 1, 5)
                    .build();
  ImageTree b = Layer()
                    .file("f", 3, 9)
                    .file("h", 3, 9)
                    .device("dev/null", 1, 3)
                    .device("dev/x", 1, 7)
                    .build();
  const TreeDiff d = compare_trees(a, b);
  CHECK(paths_of(d.changed) == std::vector<std::string>{"/dev/x"});
  CHECK(changed(d, "/dev/x").what == only(&Differences::content));
  CHECK(changed(d, "/dev/x").b.dev_minor == 7);
  // A hardlink's bytes are not counted twice: 3 bytes in A, 6 in B (two files).
  CHECK(d.size_a == 3);
  CHECK(d.size_b == 6);
}

TEST_CASE("diff: every list is in byte order of whole paths, not the walk's") {
  ImageTree a = Layer().dir("a").file("a/b", 1, 1).file("a-b", 1, 1).file("z", 1, 1).build();
  ImageTree b = Layer().file("\xc3\xa9", 1, 1).build();
  const TreeDiff d = compare_trees(a, b);
  // The walk meets /a/b before /a-b; '-' (0x2d) sorts before '/' (0x2f).
  CHECK(paths_of(d.removed) == std::vector<std::string>{"/a", "/a-b", "/a/b", "/z"});
  CHECK(paths_of(d.added) == std::vector<std::string>{"/\xc3\xa9"});
  const TreeDiff both = compare_trees(a, a, {.list_common = true});
  CHECK(both.common == std::vector<std::string>{"/a", "/a-b", "/a/b", "/z"});
}

TEST_CASE("diff: bytes of regular files per top-level name and in total") {
  ImageTree a = Layer()
                    .dir("usr/lib")
                    .file("usr/lib/x", 100, 1)
                    .file("usr/bin", 20, 2)
                    .file("etc/a", 5, 3)
                    .file("top", 1, 4)
                    .build();
  ImageTree b = Layer().dir("usr/lib").file("usr/lib/x", 40, 1).file("srv/new", 7, 5).build();
  const TreeDiff d = compare_trees(a, b);
  REQUIRE(d.folders.size() == 4);
  CHECK(d.folders[0].folder == "/etc");
  CHECK(d.folders[0].a == 5);
  CHECK(d.folders[0].b == 0);
  CHECK(d.folders[1].folder == "/srv");
  CHECK(d.folders[1].b == 7);
  CHECK(d.folders[2].folder == "/top");
  CHECK(d.folders[3].folder == "/usr");
  CHECK(d.folders[3].a == 120);
  CHECK(d.folders[3].b == 40);
  CHECK(d.size_a == 126);
  CHECK(d.size_b == 47);
}

TEST_CASE("diff: a path 20,000 folders deep is walked without a frame per folder") {
  std::string deep;
  for (int i = 0; i < 20000; ++i) deep += (i == 0 ? "" : "/") + std::string("d");
  ImageTree a = Layer().file(deep + "/f", 1, 1).build();
  ImageTree b = Layer().file(deep + "/f", 1, 2).build();
  const TreeDiff d = compare_trees(a, b);
  REQUIRE(d.changed.size() == 1);
  CHECK(d.changed[0].path == "/" + deep + "/f");
  CHECK(d.unchanged == 20000);
}
