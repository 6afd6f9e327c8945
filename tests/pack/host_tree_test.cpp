#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "pare/pack/host_tree.hpp"
#include "pare/util/error.hpp"
#include "pare/util/file.hpp"

namespace fs = std::filesystem;

namespace {

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

std::string text_of(const pare::ImageTree& tree, const std::string& path) {
  const pare::Resolution r = tree.rootfs.resolve(path);
  REQUIRE(r.node != nullptr);
  const auto bytes = tree.read(*r.node);
  REQUIRE(bytes.has_value());
  return {reinterpret_cast<const char*>(bytes->data()), bytes->size()};
}

}  // namespace

TEST_CASE("host tree: a sysroot's links resolve inside it, never on the host") {
  pare::TempDir root;
  write(root.path() / "usr/lib/libx.so.1", "the sysroot's lib");
  fs::create_directory_symlink("usr/lib", root.path() / "lib");
  // An absolute link names the image's /etc/hostname, which the host has too: the tree must
  // not read the host's.
  write(root.path() / "etc/hostname", "sysroot-host");
  fs::create_symlink("/etc/hostname", root.path() / "usr/lib/name-link");
  fs::create_symlink("/nowhere/at/all", root.path() / "usr/lib/dangling");

  pare::ImageTree tree;
  const pare::HostCopy copies[] = {{root.path() / "usr", "/usr", {}, false, false},
                                   {root.path() / "lib", "/lib", {}, false, false},
                                   {root.path() / "etc", "/etc", {}, false, false},
                                   {root.path() / "opt", "/opt", {}, false, true}};
  pare::add_host_copies(tree, copies, 0);

  CHECK(tree.rootfs.find("lib")->type == pare::EntryType::kSymlink);
  CHECK(text_of(tree, "/lib/libx.so.1") == "the sysroot's lib");
  CHECK(text_of(tree, "/usr/lib/name-link") == "sysroot-host");
  CHECK(tree.rootfs.resolve("/usr/lib/dangling").node == nullptr);
  CHECK(tree.rootfs.find("opt") == nullptr);  // missing_ok: a folder the sysroot lacks
}

TEST_CASE("host tree: a later layer replaces, mode and owner as asked") {
  pare::TempDir root;
  write(root.path() / "bin/app", "v1");
  write(root.path() / "new-app", "v2");
  fs::permissions(root.path() / "new-app", fs::perms::owner_read | fs::perms::owner_write);
  pare::ImageTree tree;
  const pare::HostCopy base[] = {{root.path() / "bin", "/bin", {}, false, false}};
  pare::add_host_copies(tree, base, 0);
  const pare::HostCopy app[] = {{root.path() / "new-app", "/bin/app", 0755, true, false}};
  pare::add_host_copies(tree, app, 1);

  const pare::Node* node = tree.rootfs.find("bin/app");
  REQUIRE(node != nullptr);
  CHECK(node->mode == 0755);
  CHECK(node->uid == 0);
  CHECK(node->layer == 1);
  CHECK(text_of(tree, "/bin/app") == "v2");
}

TEST_CASE("host tree: a missing source is a usage error naming it") {
  pare::ImageTree tree;
  const pare::HostCopy copies[] = {{"/nonexistent/pare/file", "/x", {}, true, false}};
  try {
    pare::add_host_copies(tree, copies, 0);
    FAIL("no error");
  } catch (const pare::Error& e) {
    CHECK(e.code() == pare::ExitCode::kUsage);
    CHECK(std::string(e.what()).find("/nonexistent/pare/file") != std::string::npos);
  }
}
