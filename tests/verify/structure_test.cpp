#include "pare/verify/structure.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../support.hpp"
#include "../test_images.hpp"
#include "pare/digest/sha256.hpp"
#include "pare/image/layer_blob.hpp"
#include "pare/image/media_types.hpp"
#include "pare/util/error.hpp"
#include "pare/util/file.hpp"

using namespace pare;
using nlohmann::json;

using pare::testing::bytes_of;
using pare::testing::MemoryBundle;

namespace {

/// An empty tar as Go writes it: two zero blocks.
std::vector<std::byte> empty_tar() {
  return std::vector<std::byte>(1024);
}

/// A one-file tar, gzip-compressed by pare's own layer writer.
LayerBlob gzip_layer() {
  TarEntry e;
  e.path = "hello";
  e.mode = 0644;
  e.size = 6;
  return build_layer(
      {e}, [](const TarEntry&) { return std::make_unique<MemorySource>(bytes_of("hello\n"), "x"); },
      Compression::kGzip);
}

std::vector<std::byte> file_bytes(const TempFile& f) {
  FileSource in(f.path());
  return read_all(in, 1U << 20U);
}

/// A sound single-platform OCI archive, each document editable before it is stored, so a test
/// breaks exactly one thing.
struct ImageBuilder {
  std::function<void(json&)> edit_config = [](json&) {};
  std::function<void(json&)> edit_manifest = [](json&) {};
  std::function<void(json&)> edit_index = [](json&) {};
  std::function<void(MemoryBundle&)> edit_files = [](MemoryBundle&) {};
  std::string layout = R"({"imageLayoutVersion":"1.0.0"})";

  MemoryBundle build() const {
    MemoryBundle b;
    const LayerBlob gz = gzip_layer();
    const auto tar = empty_tar();
    json layers = json::array();
    layers.push_back(b.add_blob(file_bytes(*gz.file), media_type::kOciLayerGzip));
    layers.push_back(b.add_blob(tar, media_type::kOciLayer));
    json config = {
        {"architecture", "arm64"},
        {"os", "linux"},
        {"created", "2024-01-02T03:04:05Z"},
        {"rootfs", {{"type", "layers"}, {"diff_ids", {gz.diff_id.str(), sha256_of(tar).str()}}}},
        {"history",
         {{{"created", "2024-01-02T03:04:05.5+01:00"}, {"created_by", "a"}},
          {{"created_by", "ENV"}, {"empty_layer", true}},
          {{"created_by", "b"}}}}};
    edit_config(config);
    json manifest = {{"schemaVersion", 2},
                     {"mediaType", media_type::kOciManifest},
                     {"config", b.add_blob(bytes_of(config.dump()), media_type::kOciConfig)},
                     {"layers", layers}};
    edit_manifest(manifest);
    json desc = b.add_blob(bytes_of(manifest.dump()), media_type::kOciManifest);
    desc["platform"] = {{"architecture", "arm64"}, {"os", "linux"}, {"variant", "v8"}};
    json index = {{"schemaVersion", 2},
                  {"mediaType", media_type::kOciIndex},
                  {"manifests", json::array({desc})}};
    edit_index(index);
    b.files["index.json"] = bytes_of(index.dump());
    b.files["oci-layout"] = bytes_of(layout);
    edit_files(b);
    return b;
  }
};

/// verify_structure over every image of the bundle: the failed checks' ids, joined:
/// "blob-digest,diff-id" (doctest prints strings, not vectors); `lines` gets the problems as verify
/// prints them, for a failing test to show.
std::string checks_of(const Bundle& b, const InputLimits& limits, std::string& lines) {
  std::string out;
  StructureOptions options;
  options.limits = limits;
  for (const auto& p : verify_structure(b, options).problems) {
    CHECK(p.message.find('\n') == std::string::npos);
    out += (out.empty() ? "" : ",") + p.check;
    lines += "\n  FAIL " + p.check + ": " + p.where + ": " + p.message;
  }
  return out;
}

#define CHECK_PROBLEMS(bundle, limits, expected)              \
  do {                                                        \
    std::string lines;                                        \
    const std::string got = checks_of(bundle, limits, lines); \
    INFO(lines);                                              \
    CHECK(got == (expected));                                 \
  } while (false)

using Checks = std::string;

}  // namespace

TEST_CASE("a sound image has no problems; the counts say what was read") {
  const MemoryBundle b = ImageBuilder{}.build();
  const StructureReport r = verify_structure(b, {});
  CHECK(r.problems.empty());
  CHECK(r.counts.blobs == 4);
  CHECK(r.counts.indexes == 1);
  CHECK(r.counts.manifests == 1);
  CHECK(r.counts.configs == 1);
  CHECK(r.counts.layers == 2);
}

TEST_CASE("each fault is its own check, and only that check") {
  struct Case {
    std::string name;
    ImageBuilder builder;
    Checks expected;
  };
  auto config = [](std::function<void(json&)> f) {
    ImageBuilder b;
    b.edit_config = std::move(f);
    return b;
  };
  auto manifest = [](std::function<void(json&)> f) {
    ImageBuilder b;
    b.edit_manifest = std::move(f);
    return b;
  };
  auto index = [](std::function<void(json&)> f) {
    ImageBuilder b;
    b.edit_index = std::move(f);
    return b;
  };
  ImageBuilder layout;
  layout.layout = R"({"imageLayoutVersion":"1.1.0"})";
  ImageBuilder no_layout;
  no_layout.edit_files = [](MemoryBundle& b) { b.files.erase("oci-layout"); };
  ImageBuilder missing_config;
  missing_config.edit_files = [](MemoryBundle& b) {
    for (auto it = b.files.begin(); it != b.files.end();) {
      const std::string text = to_string(it->second);
      it = text.find("\"rootfs\"") != std::string::npos ? b.files.erase(it) : std::next(it);
    }
  };
  const Case cases[] = {
      {"oci-layout version", layout, {"oci-layout"}},
      {"no oci-layout", no_layout, {"oci-layout"}},
      {"a missing config", missing_config, {"blob-missing"}},
      {"a layer size off by one",
       manifest([](json& m) { m["layers"][1]["size"] = 1025; }),
       {"blob-size"}},
      {"a wrong diff_id",
       config([](json& c) { c["rootfs"]["diff_ids"][0] = sha256_of(empty_tar()).str(); }),
       {"diff-id"}},
      {"a diff_id too few",
       config([](json& c) { c["rootfs"]["diff_ids"].erase(1); }),
       {"layer-count"}},
      {"history too long",
       config([](json& c) {
         c["history"].push_back({{"created_by", "c"}});
       }),
       {"history"}},
      {"history too short, empty_layer counted out",
       config([](json& c) { c["history"][2]["empty_layer"] = true; }),
       {"history"}},
      {"created without a zone",
       config([](json& c) { c["created"] = "2024-01-02T03:04:05"; }),
       {"created"}},
      // The model cannot decode it either: a json problem too.
      {"created as a number",
       config([](json& c) { c["history"][1]["created"] = 17; }),
       {"created,json"}},
      {"no rootfs", config([](json& c) { c.erase("rootfs"); }), {"json"}},
      {"schemaVersion 3", manifest([](json& m) { m["schemaVersion"] = 3; }), {"json"}},
      {"a digest that is not sha256",
       manifest([](json& m) { m["layers"][1]["digest"] = "md5:abc"; }),
       {"json"}},
      {"a Docker config type in an OCI manifest",
       manifest([](json& m) { m["config"]["mediaType"] = media_type::kDockerConfig; }),
       {"media-type"}},
      {"an unknown layer type",
       manifest([](json& m) { m["layers"][1]["mediaType"] = "application/x-tar"; }),
       {"media-type"}},
      {"a plain tar declared gzip",
       manifest([](json& m) { m["layers"][1]["mediaType"] = media_type::kOciLayerGzip; }),
       {"media-type"}},
      {"the manifest's own mediaType differs from its descriptor's",
       manifest([](json& m) { m["mediaType"] = media_type::kOciIndex; }),
       {"media-type"}},
      {"index.json's mediaType",
       index([](json& i) { i["mediaType"] = media_type::kOciManifest; }),
       {"media-type"}},
      {"an unknown descriptor type",
       index([](json& i) {
         i["manifests"].push_back(i["manifests"][0]);
         i["manifests"][1]["mediaType"] = "application/vnd.example+json";
       }),
       {"media-type"}},
      {"the index's platform is amd64",
       index([](json& i) { i["manifests"][0]["platform"]["architecture"] = "amd64"; }),
       {"platform"}},
      {"the index's variant is v7",
       index([](json& i) { i["manifests"][0]["platform"]["variant"] = "v7"; }),
       {"platform"}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    CHECK_PROBLEMS(c.builder.build(), {}, c.expected);
  }
}

TEST_CASE("arm64 and arm64/v8 are the same platform, as containerd normalizes them") {
  ImageBuilder b;
  b.edit_index = [](json& i) { i["manifests"][0]["platform"].erase("variant"); };
  b.edit_config = [](json& c) { c["variant"] = "v8"; };
  CHECK_PROBLEMS(b.build(), {}, "");
}

TEST_CASE("a corrupt gzip stream, a stream that is no tar, and a bomb are problems") {
  SUBCASE("corrupt gzip") {
    ImageBuilder b;
    b.edit_files = [](MemoryBundle& m) {
      for (auto& [path, bytes] : m.files) {
        if (bytes.size() > 20 && bytes[0] == std::byte{0x1f})
          bytes[bytes.size() / 2] ^= std::byte{0xff};
      }
    };
    // The flipped byte breaks the blob's digest, and the inflated stream cannot be read.
    CHECK_PROBLEMS(b.build(), {}, Checks{"blob-digest,diff-id"});
  }
  SUBCASE("not a tar") {
    // A layer of 700 bytes of text, its diff_id and digest true: only the tar is wrong.
    ImageBuilder b;
    const auto text = bytes_of(std::string(700, 'x'));
    b.edit_config = [&](json& c) { c["rootfs"]["diff_ids"][1] = sha256_of(text).str(); };
    b.edit_manifest = [&](json& m) {
      m["layers"][1]["digest"] = sha256_of(text).str();
      m["layers"][1]["size"] = text.size();
    };
    b.edit_files = [&](MemoryBundle& m) {
      m.files["blobs/sha256/" + sha256_of(text).hex()] = text;
    };
    CHECK_PROBLEMS(b.build(), {}, Checks{"layer-tar"});
  }
  SUBCASE("past the limits") {
    InputLimits limits;
    limits.max_layer_bytes = 1000;
    CHECK_PROBLEMS(ImageBuilder{}.build(), limits, Checks{"layer-limit,layer-limit"});
    limits = {};
    limits.max_entries = 0;
    CHECK_PROBLEMS(ImageBuilder{}.build(), limits, Checks{"layer-limit"});
  }
}

TEST_CASE("nested indexes are followed; attestations get the blob checks only") {
  ImageBuilder b;
  b.edit_files = [](MemoryBundle& m) {
    // Move index.json's list into a nested index, beside an attestation whose layer is in-toto
    // JSON (no tar) and whose config is the empty descriptor's {}.
    json top = json::parse(to_string(m.files["index.json"]));
    json attestation = {
        {"schemaVersion", 2},
        {"mediaType", media_type::kOciManifest},
        {"config", m.add_blob(bytes_of("{}"), "application/vnd.oci.empty.v1+json")},
        {"layers", {m.add_blob(bytes_of(R"({"_type":"x"})"), "application/vnd.in-toto+json")}}};
    json adesc = m.add_blob(bytes_of(attestation.dump()), media_type::kOciManifest);
    adesc["platform"] = {{"architecture", "unknown"}, {"os", "unknown"}};
    adesc["annotations"] = {{"vnd.docker.reference.type", "attestation-manifest"}};
    top["manifests"].push_back(adesc);
    const json nested_desc = m.add_blob(bytes_of(top.dump()), media_type::kOciIndex);
    m.files["index.json"] =
        bytes_of(json{{"schemaVersion", 2}, {"manifests", {nested_desc}}}.dump());
  };
  MemoryBundle sound = b.build();
  const StructureReport r = verify_structure(sound, {});
  CHECK(r.problems.empty());
  CHECK(r.counts.indexes == 2);
  CHECK(r.counts.manifests == 2);

  // A fault inside the nested index's image is still found, and an attestation's missing
  // layer too.
  MemoryBundle broken = b.build();
  for (auto it = broken.files.begin(); it != broken.files.end();) {
    const std::string text = to_string(it->second);
    it = text == R"({"_type":"x"})" ? broken.files.erase(it) : std::next(it);
  }
  CHECK_PROBLEMS(broken, {}, Checks{"blob-missing"});
}

TEST_CASE("manifest.json beside index.json must name the same config and layers") {
  auto with_manifest_json = [](bool swap_layers) {
    ImageBuilder b;
    b.edit_files = [swap_layers](MemoryBundle& m) {
      const json index = json::parse(to_string(m.files["index.json"]));
      const std::string mpath =
          "blobs/sha256/" + index["manifests"][0]["digest"].get<std::string>().substr(7);
      const json manifest = json::parse(to_string(m.files[mpath]));
      auto path = [](const json& d) {
        return "blobs/sha256/" + d["digest"].get<std::string>().substr(7);
      };
      json layers = {path(manifest["layers"][0]), path(manifest["layers"][1])};
      if (swap_layers) std::swap(layers[0], layers[1]);
      m.files["manifest.json"] = bytes_of(
          json::array({{{"Config", path(manifest["config"])}, {"Layers", layers}}}).dump());
    };
    return b.build();
  };
  CHECK_PROBLEMS(with_manifest_json(false), {}, "");
  CHECK_PROBLEMS(with_manifest_json(true), {}, Checks{"manifest-json"});
}

TEST_CASE("the selector limits the deep checks to the images it picks") {
  ImageBuilder b;
  b.edit_config = [](json& c) { c["created"] = "now"; };
  const MemoryBundle m = b.build();
  StructureOptions arm;
  arm.selector.platform = Platform::parse("linux/arm64");
  CHECK(verify_structure(m, arm).problems.size() == 1);
  StructureOptions amd;
  amd.selector.platform = Platform::parse("linux/amd64");
  CHECK_THROWS_AS(verify_structure(m, amd), Error);
}

TEST_CASE("the verify fixtures: sound ones pass, each broken one fails its check") {
  // testdata/make-broken-images.sh is run by the e2e test; here the GNU tar fixtures of
  // make-images.sh that load_image refuses are checked to fail the same rule.
  struct Case {
    std::string file;
    std::string check;
  };
  for (const Case& c :
       {Case{"bad-blob-digest.tar", "blob-digest"}, Case{"bad-diff-id.tar", "diff-id"},
        Case{"bad-history-count.tar", "history"}, Case{"bad-missing-layer.tar", "blob-missing"},
        Case{"churn-mislabeled.tar", "media-type"}}) {
    CAPTURE(c.file);
    const auto bundle = open_bundle(testdata(c.file));
    std::string lines;
    const std::string got = checks_of(*bundle, {}, lines);
    INFO(lines);
    CHECK(("," + got + ",").find("," + c.check + ",") != std::string::npos);
  }
  for (const char* sound :
       {"churn-docker-legacy.tar", "churn-docker25.tar", "churn-kaniko.tar", "churn-oci-gzip",
        "churn-oci-zstd.tar", "multi.tar", "two-images.tar"}) {
    CAPTURE(sound);
    CHECK_PROBLEMS(*open_bundle(testdata(sound)), {}, "");
  }
}

TEST_CASE("one walk, two policies: what the loader stops at, verify reports, and reads on") {
  struct Case {
    std::string name;
    ImageBuilder builder;
    std::string loader;  ///< the loader's error, after "mem: "
    Checks verify;
  };
  ImageBuilder schema;
  schema.edit_manifest = [](json& m) { m["schemaVersion"] = 3; };
  ImageBuilder size;
  size.edit_manifest = [](json& m) { m["layers"][1]["size"] = 1025; };
  ImageBuilder artifact;
  artifact.edit_index = [](json& i) {
    i["manifests"].push_back(i["manifests"][0]);
    i["manifests"][1]["mediaType"] = "application/vnd.example+json";
  };
  for (const Case& c :
       {Case{"schemaVersion 3", schema, "has schemaVersion 3", "json"},
        Case{"a layer size off by one", size, "bytes but its descriptor says 1025", "blob-size"},
        Case{"an artifact beside the image", artifact, "", "media-type"}}) {
    CAPTURE(c.name);
    const MemoryBundle b = c.builder.build();
    if (c.loader.empty()) {
      CHECK(load_image(b, {}).layers.size() == 2);
    } else {
      CHECK_THROWS_WITH_AS(load_image(b, {}), doctest::Contains(c.loader.c_str()), Error);
    }
    CHECK_PROBLEMS(b, {}, c.verify);
  }
}
