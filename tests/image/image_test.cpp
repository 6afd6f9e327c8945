#include <doctest/doctest.h>

#include <string>

#include "../support.hpp"
#include "pare/digest/sha256.hpp"
#include "pare/image/bundle.hpp"
#include "pare/image/image.hpp"
#include "pare/image/layer_reader.hpp"
#include "pare/util/error.hpp"

using namespace pare;

TEST_CASE("every layout of the churn image loads to the same config and layers") {
  const char* layouts[] = {"churn-docker-legacy.tar", "churn-docker-legacy.tar.gz",
                           "churn-docker25.tar",      "churn-kaniko.tar",
                           "churn-oci-gzip",          "churn-oci-gzip.tar",
                           "churn-oci-zstd.tar",      "churn-mislabeled.tar"};
  std::optional<Digest> config;
  for (const char* name : layouts) {
    CAPTURE(name);
    const auto bundle = open_bundle(testdata(name));
    const Image image = load_image(*bundle, {});
    if (!config) config = image.config_digest;
    CHECK(image.config_digest == *config);
    CHECK(image.layers.size() == 3);
    CHECK(image.platform().str() == "linux/amd64");
    CHECK(image.config.config.entrypoint == std::vector<std::string>{"/bin/hello"});
  }
}

TEST_CASE("read_layer hashes stored and inflated bytes and detects the compression") {
  struct Case {
    const char* file;
    Compression compression;
  };
  for (const Case c : {Case{"churn-oci-gzip.tar", Compression::kGzip},
                       Case{"churn-oci-zstd.tar", Compression::kZstd},
                       Case{"churn-mislabeled.tar", Compression::kGzip},
                       Case{"churn-docker-legacy.tar", Compression::kNone}}) {
    CAPTURE(c.file);
    const auto bundle = open_bundle(testdata(c.file));
    const Image image = load_image(*bundle, {});
    std::uint64_t entries = 0;
    const LayerStats stats =
        read_layer(*bundle, image, 0, {}, [&](const TarEntry&, TarReader&) { ++entries; });
    CHECK(stats.compression == c.compression);
    CHECK(stats.entries == entries);
    CHECK(stats.uncompressed_size == 20992);  // GNU tar's layer 0, see testdata/README.md
    if (image.layers[0].digest) {
      CHECK(stats.digest == *image.layers[0].digest);
    }
    CHECK(stats.compressed_size == *image.layers[0].size);
  }
}

TEST_CASE("a member's data can be read while a layer streams") {
  const auto bundle = open_bundle(testdata("churn-oci-zstd.tar"));
  const Image image = load_image(*bundle, {});
  std::string hostname;
  read_layer(*bundle, image, 1, {}, [&](const TarEntry& e, TarReader& reader) {
    if (e.path == "etc/hostname") hostname = to_string(read_entry_data(reader, 100));
  });
  CHECK(hostname == "layer1\n");
}

TEST_CASE("choosing among platforms and images") {
  const auto multi = open_bundle(testdata("multi.tar"));
  CHECK_THROWS_AS(load_image(*multi, {}), Error);
  ImageSelector arm;
  arm.platform = Platform::parse("linux/arm64");
  CHECK(load_image(*multi, arm).platform().str() == "linux/arm64/v8");
  try {
    load_image(*multi, {});
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kUsage);
  }
  const auto two = open_bundle(testdata("two-images.tar"));
  ImageSelector second;
  second.name = "app:2";
  CHECK(load_image(*two, second).layers.size() == 1);
}

TEST_CASE("a bundle states how its files are kept, and the image format follows from it") {
  struct Case {
    const char* file;
    BundleKind kind;
    ImageFormat format;
  };
  for (const Case c :
       {Case{"churn-oci-gzip", BundleKind::kFolder, ImageFormat::kOciLayout},
        Case{"churn-oci-gzip.tar", BundleKind::kArchive, ImageFormat::kOciArchive},
        Case{"churn-docker25.tar", BundleKind::kArchive, ImageFormat::kDockerSaveOci},
        Case{"churn-docker-legacy.tar", BundleKind::kArchive, ImageFormat::kDockerSave},
        Case{"churn-docker-legacy.tar.gz", BundleKind::kArchive, ImageFormat::kDockerSave}}) {
    CAPTURE(c.file);
    const auto bundle = open_bundle(testdata(c.file));
    CHECK(bundle->kind() == c.kind);
    CHECK(load_image(*bundle, {}).format == c.format);
  }
}
