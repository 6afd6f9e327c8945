#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "../support.hpp"
#include "../test_images.hpp"
#include "pare/archive/compression.hpp"
#include "pare/digest/sha256.hpp"
#include "pare/fs/image_tree.hpp"
#include "pare/image/media_types.hpp"
#include "pare/util/error.hpp"
#include "pare/util/file.hpp"

// ISA-L is held to zlib (libarchive) on real gzip bytes: the same tree, the same diff_id, and
// the same failure for a corrupt stream.

using namespace pare;
using nlohmann::json;
using pare::testing::bytes_of;
using pare::testing::MemoryBundle;

namespace {

/// Restores ISA-L whatever a test case does.
struct EngineGuard {
  EngineGuard() = default;
  EngineGuard(const EngineGuard&) = delete;
  EngineGuard& operator=(const EngineGuard&) = delete;
  EngineGuard(EngineGuard&&) = delete;
  EngineGuard& operator=(EngineGuard&&) = delete;
  ~EngineGuard() { set_gzip_engine(GzipEngine::kIsal); }
};

/// An OCI layout of one image whose one layer is `layer` (the tar `plain` compressed).
MemoryBundle image_of(const std::vector<std::byte>& layer, const std::vector<std::byte>& plain) {
  MemoryBundle b;
  b.files["oci-layout"] = bytes_of(R"({"imageLayoutVersion":"1.0.0"})");
  const json layer_d = b.add_blob(layer, media_type::kOciLayerGzip);
  const json config = {{"architecture", "amd64"},
                       {"os", "linux"},
                       {"config", json::object()},
                       {"rootfs", {{"type", "layers"}, {"diff_ids", {sha256_of(plain).str()}}}}};
  const json config_d = b.add_blob(config.dump(), media_type::kOciConfig);
  const json manifest = {{"schemaVersion", 2},
                         {"mediaType", media_type::kOciManifest},
                         {"config", config_d},
                         {"layers", {layer_d}}};
  const json manifest_d = b.add_blob(manifest.dump(), media_type::kOciManifest);
  b.files["index.json"] =
      bytes_of(json{{"schemaVersion", 2}, {"manifests", json::array({manifest_d})}}.dump());
  return b;
}

/// Every path of the tree with what a reader sees of it: type, mode, size, link, crc64.
std::string listing(const ImageTree& tree) {
  std::string out;
  tree.rootfs.walk([&](const std::string& path, const Node& node) {
    out += path + " " + std::to_string(static_cast<int>(node.type)) + " " +
           std::to_string(node.mode) + " " + std::to_string(node.size) + " " + node.link_target;
    if (const auto* at = std::get_if<LayerBytes>(&node.origin)) {
      out += " @" + std::to_string(at->offset) + " " + std::to_string(at->crc64);
    }
    out += "\n";
  });
  return out;
}

/// The tree `engine` builds, or the error it stops with.
std::string tree_with(GzipEngine engine, const Bundle& bundle) {
  set_gzip_engine(engine);
  try {
    const Image image = load_image(bundle, {});
    const ImageTree tree = build_tree(bundle, image);
    return listing(tree);
  } catch (const Error& e) {
    return "exit " + std::to_string(static_cast<int>(e.code())) + ": " + e.what();
  }
}

/// Whether the layer `engine` inflated has checkpoints: only ISA-L records them, which tells
/// the engine asked for is the one that ran.
bool checkpointed_with(GzipEngine engine, const Bundle& bundle) {
  set_gzip_engine(engine);
  const Image image = load_image(bundle, {});
  return build_tree(bundle, image).layer_files->checkpoints(0).usable();
}

}  // namespace

TEST_CASE("gzip engines: ISA-L and zlib give the same tree and diff_id, multi-member included") {
  if (!have_tool("tar") || !have_tool("gzip")) return;
  const EngineGuard guard;
  const TempDir dir("pare-engines");
  const auto d = dir.path().string();
  // A tree of text, binary and links; its tar cut in two and each half gzipped, then joined:
  // one plain stream from two members, as `cat a.gz b.gz` makes.
  must_run("cd " + d + " && mkdir -p root/etc root/bin && seq 1 300000 > root/etc/numbers" +
           " && head -c 2000000 /dev/urandom > root/bin/blob && ln -s numbers root/etc/link" +
           " && ln root/bin/blob root/bin/same" +
           " && tar -C root --sort=name --owner=0 --group=0 --numeric-owner -cf layer.tar ." +
           " && gzip -6 -n -c layer.tar > one.gz" +
           " && head -c 1500000 layer.tar | gzip -1 -n > a.gz" +
           " && tail -c +1500001 layer.tar | gzip -9 -n > b.gz && cat a.gz b.gz > multi.gz");
  const auto plain = file_bytes(dir.path() / "layer.tar");
  for (const char* name : {"one.gz", "multi.gz"}) {
    CAPTURE(name);
    const MemoryBundle bundle = image_of(file_bytes(dir.path() / name), plain);
    const std::string isal = tree_with(GzipEngine::kIsal, bundle);
    const std::string zlib = tree_with(GzipEngine::kZlib, bundle);
    CHECK(isal.find("/etc/numbers 0 420 ") != std::string::npos);  // built, not an error
    CHECK(isal == zlib);
    CHECK(checkpointed_with(GzipEngine::kIsal, bundle));
    CHECK_FALSE(checkpointed_with(GzipEngine::kZlib, bundle));
  }

  SUBCASE("a corrupt or truncated stream fails the same way through both: exit 3, the layer") {
    auto corrupt = file_bytes(dir.path() / "multi.gz");
    for (std::size_t i = 100000; i < 100400; ++i) corrupt[i] = std::byte{0x5a};
    auto truncated = file_bytes(dir.path() / "multi.gz");
    truncated.resize(truncated.size() * 2 / 3);
    for (const auto& bad : {corrupt, truncated}) {
      const MemoryBundle bundle = image_of(bad, plain);
      const std::string isal = tree_with(GzipEngine::kIsal, bundle);
      const std::string zlib = tree_with(GzipEngine::kZlib, bundle);
      CAPTURE(isal);
      CAPTURE(zlib);
      CHECK(isal.starts_with("exit 3: mem: layer 0 (sha256:"));
      CHECK(zlib.starts_with("exit 3: mem: layer 0 (sha256:"));
      // ISA-L checks each member's CRC-32; libarchive's gzip reader does not, so zlib's garbage
      // is caught one step later, by the diff_id. Either way no tree comes out.
      CHECK(isal.find("cannot decompress") != std::string::npos);
      CHECK((zlib.find("cannot decompress") != std::string::npos ||
             zlib.find("diff_id mismatch") != std::string::npos));
    }
  }
}
