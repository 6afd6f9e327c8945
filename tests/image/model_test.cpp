#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "pare/image/model.hpp"

using nlohmann::json;
using pare::Platform;

TEST_CASE("Platform parses os/arch[/variant] and matches with default variants") {
  auto p = Platform::parse("linux/arm64");
  REQUIRE(p);
  Platform v8 = *Platform::parse("linux/arm64/v8");
  Platform bare = *p;
  CHECK(bare.matches(v8));  // arm64 without a variant is arm64/v8
  CHECK(v8.matches(bare));
  CHECK_FALSE(Platform::parse("linux/amd64")->matches(bare));
  CHECK(Platform::parse("linux/amd64")->matches(*Platform::parse("linux/amd64/v1")));
  CHECK_FALSE(Platform::parse("linux").has_value());
  CHECK_FALSE(Platform::parse("linux//v8").has_value());
  CHECK(v8.str() == "linux/arm64/v8");
}

TEST_CASE("Config round-trips and keeps keys it does not model") {
  const json in = json::parse(R"({
    "architecture": "amd64", "os": "linux", "created": "2024-01-01T00:00:00Z",
    "config": {"Entrypoint": ["/app"], "Env": ["A=1"], "ExposedPorts": {"80/tcp": {}},
               "Healthcheck": {"Test": ["CMD", "/app", "health"]}},
    "rootfs": {"type": "layers", "diff_ids": ["sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"]},
    "history": [{"created_by": "x", "extra": 1}, {"empty_layer": true}],
    "moby.buildkit.buildinfo.v1": "abc"
  })");
  const auto config = in.get<pare::Config>();
  CHECK(config.config.entrypoint == std::vector<std::string>{"/app"});
  CHECK(config.diff_ids.size() == 1);
  CHECK(config.history[1].empty_layer);
  CHECK(json(config) == in);
}

TEST_CASE("Config refuses what is not an image config") {
  CHECK_THROWS(json::parse(R"({"architecture":"amd64"})").get<pare::Config>());
  CHECK_THROWS(json::parse(R"({"rootfs":{"type":"other","diff_ids":[]}})").get<pare::Config>());
  CHECK_THROWS(
      json::parse(R"({"rootfs":{"type":"layers","diff_ids":["sha256:xyz"]}})").get<pare::Config>());
}

TEST_CASE("Index and Manifest round-trip, unknown keys included") {
  const json index = json::parse(R"({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
    "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
      "digest": "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef",
      "size": 10, "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"},
      "annotations": {"org.opencontainers.image.ref.name": "1.0"}, "artifactType": "x"}]
  })");
  CHECK(json(index.get<pare::Index>()) == index);
  const json manifest = json::parse(R"({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
      "digest": "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef", "size": 2},
    "layers": [], "subject": {"x": 1}
  })");
  CHECK(json(manifest.get<pare::Manifest>()) == manifest);
  CHECK_THROWS(json::parse(R"({"schemaVersion":2,"config":{"digest":"sha256:00","size":1}})")
                   .get<pare::Manifest>());
}

TEST_CASE("a size or schemaVersion that is no integer of its type is a type error") {
  const std::string digest =
      "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";
  const auto descriptor = [&](const std::string& size) {
    return json::parse(
        R"({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": ")" + digest +
        R"(", "size": )" + size + "}");
  };
  CHECK(descriptor("10").get<pare::Descriptor>().size == 10);
  // 2e68 as a float: get<int64_t> would convert it with undefined behaviour (the model fuzz
  // target's finding).
  CHECK_THROWS_AS(descriptor("2.2e68").get<pare::Descriptor>(), json::type_error);
  CHECK_THROWS_AS(descriptor("1.5").get<pare::Descriptor>(), json::type_error);
  CHECK_THROWS_AS(descriptor("18446744073709551615").get<pare::Descriptor>(), json::type_error);
  CHECK_THROWS_AS(json::parse(R"({"schemaVersion": 1e300, "manifests": []})").get<pare::Index>(),
                  json::type_error);
}
