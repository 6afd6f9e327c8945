#include "pare/diff/diff.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "../test_images.hpp"
#include "pare/util/error.hpp"
#include "pare/util/file.hpp"

// diff_images on two image archives written in a temporary folder: both read alike, their
// trees compared, and a B whose history says pare slim gets A planned again.

using namespace pare;
using pare::testing::LayerSpec;

namespace {

/// Writes an amd64 image of one layer whose history says `created_by`.
void write_one(const std::filesystem::path& out, const LayerSpec& spec,
               const std::string& created_by) {
  OutputImage image;
  image.layers.push_back(spec.build());
  nlohmann::json config;
  config["architecture"] = "amd64";
  config["os"] = "linux";
  config["config"] = {{"Entrypoint", {"/bin/app"}}};
  config["rootfs"] = {{"type", "layers"}, {"diff_ids", {image.layers.back().diff_id.str()}}};
  config["history"] = {{{"created_by", created_by}}};
  image.config = pare::testing::bytes_of(config.dump());
  write_image_archive(out, {image}, {});
}

LayerSpec base() {
  LayerSpec s;
  s.dir("etc");
  s.file("etc/motd", "hello\n");
  s.file("etc/app.conf", "level=1\n");
  s.file("etc/old", "gone\n");
  return s;
}

}  // namespace

TEST_CASE("diff: two archives, read alike and compared") {
  const TempDir dir("pare-diff-test");
  const auto a_path = dir.path() / "a.tar";
  const auto b_path = dir.path() / "b.tar";
  write_one(a_path, base(), "COPY . /");
  LayerSpec b = base();
  b.entries.erase(b.entries.begin() + 3);  // etc/old
  b.data["etc/app.conf"] = "level=22\n";
  b.entries[2].size = b.data["etc/app.conf"].size();
  b.file("etc/new", "new\n");
  write_one(b_path, b, "COPY . /");
  const auto bundle_a = open_bundle(a_path.string());
  const auto bundle_b = open_bundle(b_path.string());
  const DiffReport r = diff_images(*bundle_a, *bundle_b, {});
  CHECK(r.a.source == a_path.string());
  CHECK(r.a.platform == "linux/amd64");
  CHECK(r.a.config_digest.starts_with("sha256:"));
  CHECK(r.a.config_digest != r.b.config_digest);
  CHECK(r.differ());
  REQUIRE(r.tree.added.size() == 1);
  CHECK(r.tree.added[0].path == "/etc/new");
  REQUIRE(r.tree.removed.size() == 1);
  CHECK(r.tree.removed[0].path == "/etc/old");
  REQUIRE(r.tree.changed.size() == 1);
  CHECK(r.tree.changed[0].path == "/etc/app.conf");
  CHECK(r.tree.changed[0].what.content);
  CHECK(r.tree.unchanged == 2);  // /etc and /etc/motd
  CHECK_FALSE(r.slim.detected);
  // The same archive twice: nothing differs.
  const DiffReport same = diff_images(*bundle_a, *bundle_a, {});
  CHECK_FALSE(same.differ());
  CHECK(same.tree.unchanged == 4);
}

TEST_CASE("diff: a B that says pare slim made it, of an A that cannot be planned") {
  const TempDir dir("pare-diff-test");
  const auto a_path = dir.path() / "a.tar";
  const auto b_path = dir.path() / "b.tar";
  write_one(a_path, base(), "COPY . /");
  write_one(b_path, base(), "pare slim");
  const auto bundle_a = open_bundle(a_path.string());
  const auto bundle_b = open_bundle(b_path.string());
  const DiffReport r = diff_images(*bundle_a, *bundle_b, {});
  CHECK_FALSE(r.differ());
  CHECK(r.slim.detected);
  CHECK_FALSE(r.slim.planned);
  CHECK(r.slim.note.find("/bin/app") != std::string::npos);
}

TEST_CASE("diff: a B that is no image fails naming B, exit 3") {
  const TempDir dir("pare-diff-test");
  const auto a_path = dir.path() / "a.tar";
  write_one(a_path, base(), "COPY . /");
  const auto bundle_a = open_bundle(a_path.string());
  pare::testing::MemoryBundle empty;
  try {
    (void)diff_images(*bundle_a, empty, {});
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kBadInput);
    CHECK(std::string(e.what()).starts_with("mem"));
  }
}
