#include <doctest/doctest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../support.hpp"
#include "../test_images.hpp"
#include "pare/digest/sha256.hpp"
#include "pare/fs/image_tree.hpp"
#include "pare/image/bundle.hpp"
#include "pare/image/image.hpp"
#include "pare/image/image_writer.hpp"
#include "pare/image/layer_blob.hpp"
#include "pare/run/unpack.hpp"
#include "pare/util/error.hpp"
#include "pare/util/file.hpp"

// The churn fixtures unpacked by pare are compared, path by path, with what umoci unpacks of
// the same image. umoci missing is a skip on a user's machine and a failure when CI=true.

using namespace pare;
namespace fs = std::filesystem;
using pare::testing::bytes_of;
using pare::testing::CountingBundle;
using pare::testing::LayerSpec;
using pare::testing::write_image;

namespace {

/// Every path below `root` as one line: type, mode, owner, link count and size (files), mtime,
/// symlink target, and a hash of the bytes. Folders' sizes are left out (they depend on the
/// filesystem, not the image).
std::string listing(const fs::path& root) {
  std::map<std::string, std::string> lines;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    const fs::path& p = it->path();
    struct stat st {};
    REQUIRE(::lstat(p.c_str(), &st) == 0);
    std::ostringstream line;
    line << std::oct << (st.st_mode & 07777U) << std::dec << ' ' << st.st_uid << ':' << st.st_gid
         << " mtime=" << st.st_mtim.tv_sec;
    if (S_ISDIR(st.st_mode)) {
      line << " dir";
    } else if (S_ISLNK(st.st_mode)) {
      line << " symlink -> " << fs::read_symlink(p).string();
    } else if (S_ISREG(st.st_mode)) {
      const std::string bytes = read_text(p);
      Sha256 sha;
      sha.update(std::as_bytes(std::span(bytes)));
      line << " file nlink=" << st.st_nlink << " size=" << st.st_size << ' ' << sha.finish().hex();
    } else {
      line << " other " << (st.st_mode & S_IFMT);
    }
    lines[std::string("/").append(p.lexically_relative(root).string())] = line.str();
  }
  std::string out;
  for (const auto& [path, line] : lines) out += path + ' ' + line + '\n';
  return out;
}

/// Unpacks an image file into `dest` as `pare verify --run` does.
void unpack(const Bundle& bundle, const fs::path& dest, const CaptureRule& capture = {}) {
  const Image image = load_image(bundle, {});
  BuildTreeOptions reading;
  reading.capture = capture;
  const ImageTree tree = build_tree(bundle, image, reading);
  unpack_rootfs(bundle, tree, dest);
}

void unpack_file(const std::string& file, const fs::path& dest) {
  const auto bundle = open_bundle(file);
  unpack(*bundle, dest);
}

/// A path on the host, outside every rootfs, that a hostile image tries to reach.
std::string host_target(const TempDir& scratch) {
  return "/tmp/pare-escape-" + scratch.path().filename().string();
}

}  // namespace

TEST_CASE("unpacking churn gives what umoci unpacks, from every layout") {
  TempDir umoci_dir;
  if (std::system("command -v umoci >/dev/null 2>&1") != 0) {
    if (in_ci()) FAIL("umoci is not installed (CI=true: a missing tool is a failure)");
    MESSAGE("umoci is not installed: skipped");
    return;
  }
  // umoci may write into the layout it reads, so it gets a copy.
  fs::copy(testdata("churn-oci-gzip"), umoci_dir.path() / "layout", fs::copy_options::recursive);
  const std::string cmd = "umoci unpack --image '" + (umoci_dir.path() / "layout").string() +
                          ":latest' '" + (umoci_dir.path() / "bundle").string() +
                          "' >/dev/null 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  const std::string expected = listing(umoci_dir.path() / "bundle/rootfs");
  REQUIRE(expected.find("/data/big-link") != std::string::npos);

  for (const char* layout : {"churn-oci-gzip", "churn-oci-zstd.tar", "churn-docker-legacy.tar",
                             "churn-kaniko.tar", "churn-mislabeled.tar"}) {
    CAPTURE(layout);
    TempDir dest;
    unpack_file(testdata(layout), dest.path());
    CHECK(listing(dest.path()) == expected);
  }
}

TEST_CASE("unpacked churn: whiteouts, hardlinks, setuid bits, owners and links as written") {
  TempDir dest;
  unpack_file(testdata("churn-oci-gzip"), dest.path());
  const fs::path& d = dest.path();
  for (const char* gone : {"data/a", "opq/x", "opq/y", "replaced/thing/inner", "bin/hello-hard"}) {
    CAPTURE(gone);
    CHECK_FALSE(fs::exists(fs::symlink_status(d / gone)));
  }
  CHECK(read_text(d / "replaced/thing") == "back\n");
  CHECK(read_text(d / "etc/hostname") == "layer1\n");
  CHECK(read_text(d / "data/big") == std::string(10000, 'B'));
  struct stat big {};
  struct stat link {};
  REQUIRE(::lstat((d / "data/big").c_str(), &big) == 0);
  REQUIRE(::lstat((d / "data/big-link").c_str(), &link) == 0);
  CHECK(big.st_ino == link.st_ino);
  CHECK(big.st_nlink == 2);
  struct stat su {};
  REQUIRE(::lstat((d / "bin/su-like").c_str(), &su) == 0);
  CHECK((su.st_mode & 07777U) == 04755);
  struct stat tmp {};
  REQUIRE(::lstat((d / "tmp").c_str(), &tmp) == 0);
  CHECK((tmp.st_mode & 07777U) == 01777);
  CHECK(tmp.st_mtim.tv_sec == 1700000000);
  if (::geteuid() == 0) {
    struct stat user {};
    REQUIRE(::lstat((d / "home/user-file").c_str(), &user) == 0);
    CHECK(user.st_uid == 1000);
    CHECK(user.st_gid == 1000);
  }
  CHECK(fs::read_symlink(d / "escape") == "../../../../etc/hostname");
  CHECK(fs::read_symlink(d / "abs") == "/etc/passwd");
  CHECK(fs::read_symlink(d / "lib") == "usr/lib");
}

TEST_CASE(
    "unpack_rootfs: each layer holding a final file is read once, and captured files need none") {
  {
    CountingBundle bundle(open_bundle(testdata("churn-oci-gzip")));
    const Image image = load_image(bundle, {});
    const ImageTree tree = build_tree(bundle, image, {});
    std::vector<int> before;
    for (const auto& l : image.layers) before.push_back(bundle.opens(l.path));
    TempDir dest;
    unpack_rootfs(bundle, tree, dest.path());
    for (std::size_t i = 0; i < image.layers.size(); ++i) {
      CAPTURE(i);
      CHECK(bundle.opens(image.layers[i].path) == before[i] + 1);
    }
  }
  {
    CountingBundle bundle(open_bundle(testdata("churn-oci-gzip")));
    const Image image = load_image(bundle, {});
    BuildTreeOptions whole;
    whole.capture = [](std::string_view, auto) { return Capture::kWhole; };
    const ImageTree tree = build_tree(bundle, image, whole);
    std::vector<int> before;
    for (const auto& l : image.layers) before.push_back(bundle.opens(l.path));
    TempDir dest;
    unpack_rootfs(bundle, tree, dest.path());
    for (std::size_t i = 0; i < image.layers.size(); ++i) {
      CHECK(bundle.opens(image.layers[i].path) == before[i]);
    }
    CHECK(read_text(dest.path() / "data/big") == std::string(10000, 'B'));
  }
  {
    // Layer 0's only file is replaced by layer 1: layer 0 is never read again.
    TempDir scratch;
    LayerSpec base;
    base.file("a", "old\n");
    LayerSpec top;
    top.file("a", "new\n");
    write_image(scratch.path() / "img.tar", {base, top});
    CountingBundle bundle(open_bundle((scratch.path() / "img.tar").string()));
    const Image image = load_image(bundle, {});
    const ImageTree tree = build_tree(bundle, image, {});
    const int base_opens = bundle.opens(image.layers[0].path);
    TempDir dest;
    unpack_rootfs(bundle, tree, dest.path());
    CHECK(bundle.opens(image.layers[0].path) == base_opens);
    CHECK(read_text(dest.path() / "a") == "new\n");
  }
}

TEST_CASE("unpack_rootfs: a later layer writing through a symlink to the host stays inside dest") {
  TempDir scratch;
  const std::string host = host_target(scratch);
  const std::string climb = "../../../../../../.." + host;
  REQUIRE_FALSE(fs::exists(host));
  LayerSpec base;
  base.dir("etc");
  base.symlink("abs", host);  // an absolute link to a host folder
  base.symlink("up", climb);  // a relative one that climbs far above the root
  base.dir("d");
  base.file("d/f", "lower\n");
  LayerSpec middle;
  middle.symlink("d", host);  // a folder of a lower layer replaced by a link
  LayerSpec top;
  top.file("abs/pwned", "through abs\n");
  top.file("up/pwned-up", "through up\n");
  top.file("d/pwned-d", "through d\n");
  top.hardlink("hard", "abs/pwned");
  write_image(scratch.path() / "hostile.tar", {base, middle, top});

  TempDir dest;
  unpack_file((scratch.path() / "hostile.tar").string(), dest.path());
  CHECK_FALSE(fs::exists(host));
  // Inside the image the links resolve to the same folder below the root, as a chroot would.
  const fs::path inside = dest.path() / host.substr(1);
  CHECK(read_text(inside / "pwned") == "through abs\n");
  CHECK(read_text(inside / "pwned-up") == "through up\n");
  CHECK(read_text(inside / "pwned-d") == "through d\n");
  CHECK(read_text(dest.path() / "hard") == "through abs\n");
  CHECK(fs::read_symlink(dest.path() / "abs") == host);
  CHECK(fs::read_symlink(dest.path() / "up") == climb);
  CHECK(fs::read_symlink(dest.path() / "d") == host);
}

TEST_CASE("unpack_rootfs: refuses a folder that is not empty") {
  TempDir dest;
  std::ofstream(dest.path() / "x") << "x";
  const auto bundle = open_bundle(testdata("churn-oci-gzip"));
  CHECK_THROWS_AS(unpack(*bundle, dest.path()), Error);
}

TEST_CASE(
    "unpack: write_rootfs_file resolves symlinks inside the rootfs and replaces a final one") {
  TempDir scratch;
  const std::string host = host_target(scratch);
  TempDir root;
  fs::create_symlink(host, root.path() / "etc");  // /etc -> a host folder
  // Dangling inside the image: an error, and nothing made on the host.
  try {
    write_rootfs_file(root.path(), "/etc/hosts", "127.0.0.1 localhost\n");
    FAIL("a dangling /etc must be an error");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kBadInput);
  }
  CHECK_FALSE(fs::exists(host));
  fs::create_directories(root.path() / host.substr(1));
  write_rootfs_file(root.path(), "/etc/hosts", "127.0.0.1 localhost\n");
  CHECK_FALSE(fs::exists(host));
  CHECK(read_text(root.path() / host.substr(1) / "hosts") == "127.0.0.1 localhost\n");
  CHECK(read_rootfs_file(root.path(), "/etc/hosts", 100) == "127.0.0.1 localhost\n");

  // A final symlink is replaced by the file, never written through.
  TempDir other;
  fs::create_directories(other.path() / "etc");
  fs::create_symlink("../../../../../.." + host + "-file", other.path() / "etc/resolv.conf");
  write_rootfs_file(other.path(), "/etc/resolv.conf", "nameserver 127.0.0.1\n");
  CHECK_FALSE(fs::exists(host + "-file"));
  CHECK(fs::is_regular_file(fs::symlink_status(other.path() / "etc/resolv.conf")));
  CHECK(read_text(other.path() / "etc/resolv.conf") == "nameserver 127.0.0.1\n");

  // Missing folders are made; a folder at the path is bad input.
  write_rootfs_file(other.path(), "/new/dir/file", "x");
  CHECK(read_text(other.path() / "new/dir/file") == "x");
  try {
    write_rootfs_file(other.path(), "/new/dir", "x");
    FAIL("writing over a folder must fail");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kBadInput);
  }
  CHECK_FALSE(read_rootfs_file(other.path(), "/missing", 100).has_value());
  CHECK_THROWS_AS(read_rootfs_file(other.path(), "/etc/resolv.conf", 4), Error);
}
