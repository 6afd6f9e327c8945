#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../elf/elf_testdata.hpp"
#include "../support.hpp"
#include "../test_images.hpp"
#include "pare/slim/layer_builder.hpp"
#include "pare/slim/slim.hpp"
#include "pare/util/error.hpp"
#include "pare/util/file.hpp"

// The layer builder reads a Plan's bytes from where each entry's origin says (the content
// store, a host file, a source layer, or what pare writes) and writes the same layer every
// time. Layers are read back with GNU tar.

using namespace pare;
using pare::testing::bytes_of;
using pare::testing::CountingBundle;
using pare::testing::LayerSpec;
using pare::testing::write_image;

namespace {

/// Host files served from memory, counting opens.
class MemoryHostFiles final : public HostFiles {
 public:
  explicit MemoryHostFiles(std::map<std::string, std::string> files) : files_(std::move(files)) {}
  std::unique_ptr<ByteSource> open(const std::string& path) const override {
    ++opens_;
    return std::make_unique<MemorySource>(bytes_of(files_.at(path)), path);
  }
  int opens() const { return opens_; }

 private:
  std::map<std::string, std::string> files_;
  mutable int opens_ = 0;
};

PlanEntry file_entry(const std::string& path, std::uint64_t size, ByteOrigin origin) {
  PlanEntry e;
  e.path = path;
  e.reason = "test";
  e.size = size;
  e.mode = 0644;
  e.from_image = true;
  e.origin = std::move(origin);
  return e;
}

/// The layer's bytes as GNU tar lists them, and one member's content.
std::string listing(const LayerBlob& blob) {
  return must_run("tar --numeric-owner -tvzf '" + blob.file->path().string() + "'");
}
std::string member(const LayerBlob& blob, const std::string& path) {
  return must_run("tar -xzOf '" + blob.file->path().string() + "' '" + path + "'");
}

/// Slims an image of the program (/app/hello), 12 MiB of noise and /srv/late.txt, keeping the
/// late file: the program and the file are in the layer written, the noise is not.
std::vector<PlannedImage> slim_keeping_late_file(const Bundle& bundle, const std::string& program) {
  SlimRequest request;
  request.options.keep = {"/srv/late.txt"};
  std::vector<PlannedImage> planned = plan_slim(bundle, request);
  REQUIRE(planned.size() == 1);
  const auto blobs = build_slim_layers(planned[0].plan, planned[0].sources(), SlimOptions{});
  CHECK(member(blobs[0], "srv/late.txt") == "kept, after the noise\n");
  CHECK(member(blobs[0], "app/hello") == program);
  CHECK(listing(blobs[0]).find("big/noise") == std::string::npos);
  return planned;
}

}  // namespace

TEST_CASE("layer builder: the bytes of every origin end up in the layer") {
  if (!have_tool("tar")) return;
  TempDir scratch;
  LayerSpec layer0;
  layer0.file("srv/data.txt", "from layer zero\n");
  layer0.file("srv/other.txt", "not planned\n");
  write_image(scratch.path() / "img.tar", {layer0});
  const auto bundle = open_bundle((scratch.path() / "img.tar").string());
  const Image image = load_image(*bundle, {});
  const ImageTree tree = build_tree(*bundle, image);
  const Node* data = tree.rootfs.find("srv/data.txt");
  REQUIRE(data != nullptr);
  const auto* in_layer = std::get_if<LayerBytes>(&data->origin);
  REQUIRE(in_layer != nullptr);
  CHECK(in_layer->offset % 512 == 0);  // the data of a tar member starts on a block

  ContentStore store;
  const std::string captured = "captured whole\n";
  const ContentRef ref = store.add(bytes_of(captured));
  const MemoryHostFiles host(
      std::map<std::string, std::string>{{"/host/bin/tool", "from the host\n"}});

  Plan plan;
  plan.epoch = 1000;
  plan.entries.push_back(file_entry("/srv/data.txt", 16, *in_layer));
  plan.entries.push_back(file_entry("/srv/stored", captured.size(), StoredBytes{ref}));
  plan.entries.push_back(file_entry("/srv/tool", 14, HostBytes{"/host/bin/tool"}));
  PlanEntry written = file_entry("/srv/written", 0, {});
  written.from_image = false;
  written.content = "pare wrote this\n";
  written.size = written.content.size();
  plan.entries.push_back(written);
  PlanEntry late = file_entry("/srv/empty", 0, LayerBytes{0, "srv/empty"});
  late.mtime = 5000;  // after the epoch: clamped
  late.uid = 7;
  plan.entries.push_back(late);

  PlanSources sources;
  sources.layers = tree.layer_files.get();
  sources.store = &store;
  sources.host_files = &host;
  const auto blobs = build_slim_layers(plan, sources, SlimOptions{});
  REQUIRE(blobs.size() == 1);
  CHECK(member(blobs[0], "srv/data.txt") == "from layer zero\n");
  CHECK(member(blobs[0], "srv/stored") == captured);
  CHECK(member(blobs[0], "srv/tool") == "from the host\n");
  CHECK(member(blobs[0], "srv/written") == "pare wrote this\n");
  CHECK(host.opens() == 1);
  const std::string list = listing(blobs[0]);
  CHECK(list.find("srv/other.txt") == std::string::npos);
  // Owner and mode as planned, the mtime clamped to the epoch (1000 s: 00:16).
  const auto at = list.find("srv/empty");
  REQUIRE(at != std::string::npos);
  const std::string line = list.substr(list.rfind('\n', at) + 1, at - list.rfind('\n', at) - 1);
  CHECK(line.starts_with("-rw-r--r-- 7/0 "));
  CHECK(line.ends_with(" 1970-01-01 00:16 "));
}

TEST_CASE("layer builder: the same plan gives the same layers; --layers 2 splits off the app") {
  ContentStore store;
  const ContentRef ref = store.add(bytes_of("program bytes"));
  Plan plan;
  plan.epoch = 1700000000;
  PlanEntry dir;
  dir.path = "/app";
  dir.type = EntryType::kDir;
  dir.mode = 0755;
  plan.entries.push_back(dir);
  PlanEntry program = file_entry("/app/prog", 13, StoredBytes{ref});
  program.app = true;
  plan.entries.push_back(program);
  PlanEntry link;
  link.path = "/prog";
  link.type = EntryType::kSymlink;
  link.mode = 0777;
  link.link_target = "app/prog";
  plan.entries.push_back(link);
  PlanSources sources;
  sources.store = &store;

  SlimOptions one;
  const auto a = build_slim_layers(plan, sources, one);
  const auto b = build_slim_layers(plan, sources, one);
  REQUIRE(a.size() == 1);
  REQUIRE(b.size() == 1);
  CHECK(a[0].digest == b[0].digest);
  CHECK(a[0].diff_id == b[0].diff_id);

  SlimOptions two;
  two.layers = 2;
  const auto split = build_slim_layers(plan, sources, two);
  REQUIRE(split.size() == 2);
  CHECK(split[0].digest != split[1].digest);
  if (!have_tool("tar")) return;
  const std::string base = listing(split[0]);
  const std::string app = listing(split[1]);
  CHECK(base.find("prog -> app/prog") != std::string::npos);
  CHECK(base.find("app/prog ") == std::string::npos);
  CHECK(app.find("app/prog") != std::string::npos);
  CHECK(member(split[1], "app/prog") == "program bytes");
}

TEST_CASE("layer builder: an origin whose source is not given is bad input (exit 3)") {
  Plan plan;
  SUBCASE("a layer without a bundle") {
    plan.entries.push_back(file_entry("/x", 3, LayerBytes{0, "x"}));
  }
  SUBCASE("stored bytes without a store") {
    plan.entries.push_back(file_entry("/x", 3, StoredBytes{{0, 3}}));
  }
  SUBCASE("a host file without a reader") {
    plan.entries.push_back(file_entry("/x", 3, HostBytes{"/x"}));
  }
  try {
    (void)build_slim_layers(plan, PlanSources{}, SlimOptions{});
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kBadInput);
    CHECK(std::string(e.what()).find("a planned file has no bytes: ") == 0);
  }
}

TEST_CASE("slim opens each layer at most twice, and a layer it needs nothing of once") {
  if (!have_tool("tar")) return;
  const std::string program = read_text(elf_testdata("static-glibc"));
  REQUIRE_MESSAGE(!program.empty(), "no fixture " << elf_testdata("static-glibc"));
  TempDir scratch;
  LayerSpec base;  // replaced by the next layer: nothing of it is kept
  base.file("srv/data.txt", "old\n");
  base.file("etc/motd", "dropped\n");
  LayerSpec app;
  app.dir("app");
  app.file("app/hello", program);  // an ELF: captured whole while the layers stream
  app.entries.back().mode = 0755;
  app.dir("usr");
  app.dir("usr/lib");
  app.symlink("lib", "usr/lib");
  app.file("lib/data.txt", "under a symlinked folder\n");  // placed at usr/lib/data.txt
  app.file("srv/data.txt", std::string(10000, 'd'));       // not captured: read again
  app.hardlink("srv/same.txt", "srv/data.txt");
  write_image(scratch.path() / "img.tar", {base, app}, "/app/hello");

  CountingBundle bundle(open_bundle((scratch.path() / "img.tar").string()));
  const Image image = load_image(bundle, {});
  std::vector<int> opens;
  for (const auto& l : image.layers) opens.push_back(bundle.opens(l.path));
  // slim's own pipeline: the plan, then the builder over what the plan keeps.
  SlimRequest request;
  request.options.keep = {"/srv/same.txt", "/usr/lib/data.txt"};
  const std::vector<PlannedImage> planned = plan_slim(bundle, request);
  REQUIRE(planned.size() == 1);
  const auto blobs = build_slim_layers(planned[0].plan, planned[0].sources(), SlimOptions{});
  CHECK(bundle.opens(image.layers[0].path) == opens[0] + 1);
  CHECK(planned[0].layer_files->stats(0).opens == 0);
  // Indexed once; read again for the program (which the resolver, the planner and the blind
  // spots parse in turn, from one read) and once more for the copy pass, in the layer's order.
  CHECK(bundle.opens(image.layers[1].path) == opens[1] + 3);
  CHECK(planned[0].layer_files->stats(1).opens == 2);

  REQUIRE(blobs.size() == 1);
  CHECK(member(blobs[0], "app/hello") == program);
  CHECK(member(blobs[0], "srv/same.txt") == std::string(10000, 'd'));
  CHECK(member(blobs[0], "usr/lib/data.txt") == "under a symlinked folder\n");
  CHECK(listing(blobs[0]).find("srv/data.txt") == std::string::npos);
}

TEST_CASE("slim's copy pass inflates a gzip layer from the checkpoint before a kept file") {
  if (!have_tool("tar")) return;
  const std::string program = read_text(elf_testdata("static-glibc"));
  REQUIRE_MESSAGE(!program.empty(), "no fixture " << elf_testdata("static-glibc"));
  // 12 MiB that gzip cannot shrink (a fixed sequence), then the file slim keeps.
  std::string noise(std::size_t{12} << 20U, '\0');
  std::uint64_t x = 88172645463325252ULL;
  for (char& c : noise) {
    x ^= x << 13U;
    x ^= x >> 7U;
    x ^= x << 17U;
    c = static_cast<char>(x & 0xffU);
  }
  TempDir scratch;
  LayerSpec layer;
  layer.file("app/hello", program);
  layer.entries.back().mode = 0755;
  layer.file("big/noise", noise);
  layer.file("srv/late.txt", "kept, after the noise\n");
  write_image(scratch.path() / "img.tar", {layer}, "/app/hello");
  const auto bundle = open_bundle((scratch.path() / "img.tar").string());

  const std::vector<PlannedImage> planned = slim_keeping_late_file(*bundle, program);

  const LayerFiles& files = *planned[0].layer_files;
  const Checkpoints& index = files.checkpoints(0);
  REQUIRE(index.usable());
  CHECK(index.size() >= 3);  // every 4 MiB of the 12
  // The program lies before the first checkpoint (read from the start); the late file after it.
  CHECK(files.stats(0).resumes >= 1);
  CHECK(files.stats(0).from_start + files.stats(0).resumes == files.stats(0).opens);
  // The program near the start and the late file: nowhere near the whole 12 MiB again.
  const auto late = std::find_if(planned[0].plan.entries.begin(), planned[0].plan.entries.end(),
                                 [](const PlanEntry& e) { return e.path == "/srv/late.txt"; });
  REQUIRE(late != planned[0].plan.entries.end());
  const std::uint64_t late_offset = std::get<LayerBytes>(late->origin).offset;
  CHECK(late_offset > (std::uint64_t{12} << 20U));
  CHECK(index.stats().inflated < (std::uint64_t{9} << 20U));
}

TEST_CASE(
    "slim's copy pass decompresses a zstd layer of many frames from the frame before a kept file") {
  if (!have_tool("tar") || !have_tool("zstd") || !have_tool("split")) return;
  const std::string program = read_text(elf_testdata("static-glibc"));
  REQUIRE_MESSAGE(!program.empty(), "no fixture " << elf_testdata("static-glibc"));
  // The layer by independent tools: GNU tar, then zstd frames of 1 MiB (as zstd:chunked and
  // pzstd write them), 12 MiB of incompressible noise between the program and the kept file.
  TempDir scratch;
  const std::string d = scratch.path().string();
  std::filesystem::create_directories(scratch.path() / "root/app");
  std::ofstream(scratch.path() / "root/app/hello", std::ios::binary) << program;
  must_run(
      "cd " + d + " && chmod 755 root/app/hello && mkdir root/big root/srv" +
      " && head -c 12582912 /dev/urandom > root/big/noise" +
      " && printf 'kept, after the noise\\n' > root/srv/late.txt" +
      " && tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C root -cf layer.tar" +
      " app big srv && split -b 1048576 -d -a 3 layer.tar part." +
      " && for p in part.*; do zstd -q -c $p; done > layer.tar.zst");
  LayerBlob blob;
  const auto stored = file_bytes(scratch.path() / "layer.tar.zst");
  blob.file = std::make_shared<TempFile>(TempFile::create("pare-test-layer"));
  blob.file->append(stored);
  blob.digest = sha256_of(stored);
  blob.size = stored.size();
  blob.diff_id = sha256_of(file_bytes(scratch.path() / "layer.tar"));
  blob.media_type = layer_media_type(Compression::kZstd);
  nlohmann::json config;
  config["architecture"] = "amd64";
  config["os"] = "linux";
  config["config"] = {{"Entrypoint", {"/app/hello"}}};
  config["rootfs"] = {{"type", "layers"}, {"diff_ids", {blob.diff_id.str()}}};
  write_image_archive(scratch.path() / "img.tar", {{{}, bytes_of(config.dump()), {blob}}}, {});
  const auto bundle = open_bundle((scratch.path() / "img.tar").string());

  const std::vector<PlannedImage> planned = slim_keeping_late_file(*bundle, program);

  const LayerFiles& files = *planned[0].layer_files;
  const Checkpoints& index = files.checkpoints(0);
  REQUIRE(index.usable());
  CHECK(index.size() >= 3);  // a frame boundary every 4 MiB of the 12
  CHECK(index.state_bytes() == 0);
  CHECK(files.stats(0).resumes >= 1);
  CHECK(index.stats().inflated < (std::uint64_t{9} << 20U));
}
