#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../support.hpp"
#include "pare/archive/tar_reader.hpp"
#include "pare/digest/sha256.hpp"
#include "pare/image/bundle.hpp"
#include "pare/image/image.hpp"
#include "pare/image/image_writer.hpp"
#include "pare/image/layer_blob.hpp"
#include "pare/image/layer_reader.hpp"
#include "pare/util/error.hpp"
#include "pare/util/file.hpp"

// Tests that need skopeo or umoci skip (a MESSAGE, then return) when the tool is missing, and
// fail instead when CI=true, as the end-to-end tests do.

using namespace pare;
using nlohmann::json;

namespace {

std::vector<std::byte> bytes_of(const std::string& s) {
  const auto* p = reinterpret_cast<const std::byte*>(s.data());
  return {p, p + s.size()};
}

/// Entries of a layer and their bytes, given to build_layer.
struct LayerSpec {
  std::vector<TarEntry> entries;
  std::map<std::string, std::string> data;  ///< by path as given

  void dir(const std::string& path) {
    TarEntry e;
    e.path = path;
    e.type = EntryType::kDir;
    e.mode = 0755;
    entries.push_back(e);
  }
  void file(const std::string& path, const std::string& bytes, std::uint32_t mode = 0644) {
    TarEntry e;
    e.path = path;
    e.type = EntryType::kFile;
    e.mode = mode;
    e.size = bytes.size();
    entries.push_back(e);
    data[path] = bytes;
  }
  void link(const std::string& path, EntryType type, const std::string& target) {
    TarEntry e;
    e.path = path;
    e.type = type;
    e.mode = type == EntryType::kSymlink ? 0777 : 0644;
    e.link_target = target;
    entries.push_back(e);
  }
  LayerBlob build(Compression c, std::vector<std::string>* asked = nullptr) const {
    return build_layer(
        entries,
        [&](const TarEntry& e) -> std::unique_ptr<ByteSource> {
          if (asked != nullptr) asked->push_back(e.path);
          return std::make_unique<MemorySource>(bytes_of(data.at(e.path)), e.path);
        },
        c);
  }
};

/// Text that compresses like real files do: words with some variety.
std::string sample_text(std::size_t bytes, unsigned seed) {
  static const char* const kWords[] = {"alpha", "bravo", "charlie", "delta",  "echo", "foxtrot",
                                       "golf",  "hotel", "india",   "juliet", "kilo", "lima"};
  std::string out;
  unsigned x = seed;
  while (out.size() < bytes) {
    x = x * 1103515245U + 12345U;
    out += kWords[(x >> 16U) % 12];
    out += (x & 7U) == 0 ? '\n' : ' ';
    if ((x & 31U) == 1) out += std::to_string(x);
  }
  out.resize(bytes);
  return out;
}

LayerSpec base_layer() {
  LayerSpec s;
  s.dir("etc");
  s.file(
      "etc/passwd",
      "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n");
  s.dir("usr");
  s.dir("usr/bin");
  s.file("usr/bin/hello", sample_text(200000, 1), 0755);
  s.link("usr/bin/hi", EntryType::kSymlink, "hello");
  s.file("usr/share/doc/readme", sample_text(30000, 2));
  s.dir("usr/share");
  s.dir("usr/share/doc");
  return s;
}

LayerSpec app_layer() {
  LayerSpec s;
  s.dir("app");
  s.file("app/data.txt", "hello from the app layer\n");
  s.file("app/config.json", R"({"debug":false})");
  return s;
}

std::string config_for(const std::string& arch, const std::vector<LayerBlob>& layers) {
  json c;
  c["architecture"] = arch;
  c["os"] = "linux";
  c["created"] = "1970-01-01T00:00:00Z";
  c["config"] = {{"Entrypoint", {"/usr/bin/hello"}}, {"WorkingDir", "/app"}};
  c["rootfs"] = {{"type", "layers"}, {"diff_ids", json::array()}};
  c["history"] = json::array();
  for (const auto& l : layers) {
    c["rootfs"]["diff_ids"].push_back(l.diff_id.str());
    c["history"].push_back({{"created", "1970-01-01T00:00:00Z"}, {"created_by", "pare test"}});
  }
  return c.dump();
}

OutputImage output_image(const std::string& arch, std::vector<LayerBlob> layers) {
  OutputImage image;
  image.platform.os = "linux";
  image.platform.architecture = arch;
  if (arch == "arm64") image.platform.variant = "v8";
  image.config = bytes_of(config_for(arch, layers));
  image.layers = std::move(layers);
  return image;
}

std::string hex_of_sha256sum(const std::string& cmd) {
  const std::string out = must_run(cmd + " | sha256sum");
  return out.substr(0, 64);
}

/// The JSON document of a member of a tar, read by GNU tar.
json member_json(const std::string& tar, const std::string& member) {
  return json::parse(must_run("tar -xOf '" + tar + "' " + member));
}

}  // namespace

TEST_CASE("build_layer: gzip output as gzip, GNU tar and sha256sum see it") {
  TempDir dir;
  const LayerSpec spec = base_layer();
  const LayerBlob blob = spec.build(Compression::kGzip);
  const std::string path = blob.file->path().string();
  CHECK(blob.media_type == "application/vnd.oci.image.layer.v1.tar+gzip");
  CHECK(blob.size == std::filesystem::file_size(path));
  must_run("gzip -t '" + path + "'");

  const std::string bytes = read_text(path);
  REQUIRE(bytes.size() > 10);
  CHECK(static_cast<unsigned char>(bytes[0]) == 0x1f);
  CHECK(static_cast<unsigned char>(bytes[1]) == 0x8b);
  CHECK(bytes[2] == 8);                                   // deflate
  CHECK((static_cast<unsigned>(bytes[3]) & 0x08U) == 0);  // no FNAME
  CHECK(bytes.substr(4, 4) == std::string(4, '\0'));      // MTIME 0

  CHECK(hex_of_sha256sum("cat '" + path + "'") == blob.digest.hex());
  CHECK(hex_of_sha256sum("gzip -dc '" + path + "'") == blob.diff_id.hex());

  // Sorted: a folder before its children, and the entries read back as given.
  const std::string listing = must_run("tar -tzf '" + path + "'");
  CHECK(listing ==
        "etc/\netc/passwd\nusr/\nusr/bin/\nusr/bin/hello\nusr/bin/hi\nusr/share/\n"
        "usr/share/doc/\nusr/share/doc/readme\n");

  must_run("gzip -dc '" + path + "' > '" + (dir.path() / "layer.tar").string() + "'");
  const auto plain = std::filesystem::file_size((dir.path() / "layer.tar").string());
  const auto ours = blob.size;
  const auto gnu =
      std::stoull(must_run("gzip -n -6 -c '" + (dir.path() / "layer.tar").string() + "' | wc -c"));
  MESSAGE("a " << plain << "-byte layer tar: libarchive/zlib gzip -6 " << ours
               << " bytes, GNU gzip -n -6 " << gnu << " bytes");
  CHECK(ours < plain / 2);
}

TEST_CASE("build_layer: zstd output as zstd sees it") {
  if (!have_tool("zstd")) return;
  const LayerBlob blob = base_layer().build(Compression::kZstd);
  const std::string path = blob.file->path().string();
  CHECK(blob.media_type == "application/vnd.oci.image.layer.v1.tar+zstd");
  must_run("zstd -q -t '" + path + "'");
  CHECK(hex_of_sha256sum("cat '" + path + "'") == blob.digest.hex());
  CHECK(hex_of_sha256sum("zstd -q -dc '" + path + "'") == blob.diff_id.hex());
}

TEST_CASE("build_layer: uncompressed, the digest is the diff_id") {
  const LayerBlob blob = base_layer().build(Compression::kNone);
  CHECK(blob.media_type == "application/vnd.oci.image.layer.v1.tar");
  CHECK(blob.digest == blob.diff_id);
  CHECK(hex_of_sha256sum("cat '" + blob.file->path().string() + "'") == blob.diff_id.hex());
}

TEST_CASE("build_layer: building twice gives identical bytes") {
  for (const Compression c : {Compression::kGzip, Compression::kZstd, Compression::kNone}) {
    CAPTURE(to_string(c));
    const LayerBlob a = base_layer().build(c);
    // The same entries in another order are the same layer.
    LayerSpec shuffled = base_layer();
    std::reverse(shuffled.entries.begin(), shuffled.entries.end());
    const LayerBlob b = shuffled.build(c);
    CHECK(a.digest == b.digest);
    CHECK(a.diff_id == b.diff_id);
    CHECK(read_text(a.file->path()) == read_text(b.file->path()));
  }
}

TEST_CASE("build_layer: component order, and hardlinks always point backwards") {
  LayerSpec s;
  s.file("a.b", "dot\n");
  s.file("a/b", "slash\n");
  s.dir("a");
  s.file("/z/file", "shared bytes\n");  // a leading '/' is dropped
  s.dir("z");
  s.link("b/link", EntryType::kHardlink, "/z/file");
  s.link("c/link2", EntryType::kHardlink, "b/link");  // a link to a link
  s.dir("b");
  s.dir("c");
  s.dir(".");  // the root itself: dropped
  std::vector<std::string> asked;
  const LayerBlob blob = s.build(Compression::kNone, &asked);
  // The bytes are asked for with the entry as given, once.
  CHECK(asked == std::vector<std::string>{"a/b", "a.b", "/z/file"});

  const std::string listing =
      must_run("TZ=UTC tar --numeric-owner -tvf '" + blob.file->path().string() + "'");
  std::vector<std::string> names;
  std::istringstream in(listing);
  for (std::string line; std::getline(in, line);)
    names.push_back(line.substr(line.find("00:00 ") + 6));
  CHECK(names == std::vector<std::string>{"a/", "a/b", "a.b", "b/", "b/link", "c/",
                                          "c/link2 link to b/link", "z/", "z/file link to b/link"});
  TempDir dir;
  must_run("tar -xf '" + blob.file->path().string() + "' -C '" + dir.path().string() + "'");
  CHECK(read_text(dir.path() / "z/file") == "shared bytes\n");
  CHECK(std::filesystem::equivalent(dir.path() / "z/file", dir.path() / "b/link"));
}

TEST_CASE("build_layer: bad entries are bad input") {
  auto fails = [](const LayerSpec& s) {
    try {
      s.build(Compression::kGzip);
    } catch (const Error& e) {
      return e.code() == ExitCode::kBadInput;
    }
    return false;
  };
  LayerSpec dup;
  dup.file("x", "1");
  dup.file("/x", "2");
  CHECK(fails(dup));
  LayerSpec climbs;
  climbs.file("../x", "1");
  CHECK(fails(climbs));
  LayerSpec dangling;
  dangling.link("h", EntryType::kHardlink, "missing");
  CHECK(fails(dangling));
  LayerSpec to_dir;
  to_dir.dir("d");
  to_dir.link("h", EntryType::kHardlink, "d");
  CHECK(fails(to_dir));
  LayerSpec wrong_size;
  wrong_size.file("x", "12345");
  wrong_size.data["x"] = "1234";
  CHECK(fails(wrong_size));
}

TEST_CASE("parse_image_name: Docker's normalization and the tag alone") {
  struct Case {
    const char* text;
    const char* repo_tag;
    const char* full;
    const char* tag;
  };
  for (const Case c :
       {Case{"app:1", "app:1", "docker.io/library/app:1", "1"},
        Case{"app", "app:latest", "docker.io/library/app:latest", "latest"},
        Case{"team/app:v2.0", "team/app:v2.0", "docker.io/team/app:v2.0", "v2.0"},
        Case{"localhost/app:1", "localhost/app:1", "localhost/app:1", "1"},
        Case{"localhost:5000/a/b:x_y", "localhost:5000/a/b:x_y", "localhost:5000/a/b:x_y", "x_y"},
        Case{"ghcr.io/o/app:1", "ghcr.io/o/app:1", "ghcr.io/o/app:1", "1"},
        Case{"docker.io/library/app:1", "docker.io/library/app:1", "docker.io/library/app:1",
             "1"}}) {
    CAPTURE(c.text);
    const ImageName n = parse_image_name(c.text);
    CHECK(n.repo_tag == c.repo_tag);
    CHECK(n.full == c.full);
    CHECK(n.tag == c.tag);
  }
  for (const char* bad :
       {"App:1", "app:", "app:-x", "app@sha256:00", "a//b:1", "", ":1", "app:1:2", "app_:1"}) {
    CAPTURE(bad);
    try {
      parse_image_name(bad);
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(e.code() == ExitCode::kUsage);
    }
  }
}

TEST_CASE("write_image_archive: one image that skopeo, umoci, GNU tar and pare all read") {
  TempDir dir;
  const LayerBlob base = base_layer().build(Compression::kGzip);
  const LayerBlob app = app_layer().build(Compression::kGzip);
  const OutputImage image = output_image("amd64", {base, app});
  const std::string out = (dir.path() / "out.tar").string();
  const auto digests = write_image_archive(out, {image}, {"app:1"});
  REQUIRE(digests.size() == 1);
  const Digest config_digest = sha256_of(image.config);

  SUBCASE("the outer tar: sorted, 0644/0755, mtime 0, root-owned, no ./") {
    const std::string listing = must_run("TZ=UTC tar --numeric-owner -tvf '" + out + "'");
    std::vector<std::string> blobs = {config_digest.hex(), digests[0].hex(), base.digest.hex(),
                                      app.digest.hex()};
    std::sort(blobs.begin(), blobs.end());
    std::string want;
    auto line = [&](const char* mode, std::uint64_t size, const std::string& name) {
      std::string size_text = std::to_string(size);
      return std::string(mode) + " 0/0 " + size_text + " 1970-01-01 00:00 " + name + "\n";
    };
    want += line("drwxr-xr-x", 0, "blobs/");
    want += line("drwxr-xr-x", 0, "blobs/sha256/");
    for (const auto& hex : blobs) {
      want += line("-rw-r--r--",
                   hex == base.digest.hex()     ? base.size
                   : hex == app.digest.hex()    ? app.size
                   : hex == config_digest.hex() ? image.config.size()
                                                : 0,
                   "blobs/sha256/" + hex);
    }
    // Squeeze GNU tar's column alignment before comparing; the manifest's size is not known
    // here, so its line is compared without the size.
    std::string squeezed;
    for (char c : listing) {
      if (c == ' ' && !squeezed.empty() && squeezed.back() == ' ') continue;
      squeezed += c;
    }
    std::istringstream got(squeezed);
    std::istringstream expected(want);
    std::string g;
    std::string e;
    while (std::getline(expected, e)) {
      REQUIRE(std::getline(got, g));
      if (e.find(digests[0].hex()) != std::string::npos) {
        CHECK(g.ends_with("1970-01-01 00:00 blobs/sha256/" + digests[0].hex()));
        CHECK(g.starts_with("-rw-r--r-- 0/0 "));
      } else {
        CHECK(g == e);
      }
    }
    for (const char* name : {"index.json", "manifest.json", "oci-layout"}) {
      REQUIRE(std::getline(got, g));
      CHECK(g.starts_with("-rw-r--r-- 0/0 "));
      CHECK(g.ends_with(std::string(" 1970-01-01 00:00 ") + name));
    }
    CHECK_FALSE(std::getline(got, g));
  }

  SUBCASE("the JSON documents") {
    CHECK(must_run("tar -xOf '" + out + "' oci-layout") == R"({"imageLayoutVersion":"1.0.0"})");
    const json index = member_json(out, "index.json");
    CHECK(index["schemaVersion"] == 2);
    CHECK(index["mediaType"] == "application/vnd.oci.image.index.v1+json");
    REQUIRE(index["manifests"].size() == 1);
    const json& d = index["manifests"][0];
    CHECK(d["mediaType"] == "application/vnd.oci.image.manifest.v1+json");
    CHECK(d["digest"] == digests[0].str());
    CHECK(d["platform"] == json{{"architecture", "amd64"}, {"os", "linux"}});
    CHECK(d["annotations"] == json{{"io.containerd.image.name", "docker.io/library/app:1"},
                                   {"org.opencontainers.image.ref.name", "1"}});

    const std::string manifest_text =
        must_run("tar -xOf '" + out + "' blobs/sha256/" + digests[0].hex());
    CHECK(hex_of_sha256sum("tar -xOf '" + out + "' blobs/sha256/" + digests[0].hex()) ==
          digests[0].hex());
    CHECK(d["size"] == manifest_text.size());
    const json manifest = json::parse(manifest_text);
    CHECK(manifest_text == manifest.dump());  // compact, sorted keys
    CHECK(manifest["mediaType"] == "application/vnd.oci.image.manifest.v1+json");
    CHECK(manifest["config"] == json{{"mediaType", "application/vnd.oci.image.config.v1+json"},
                                     {"digest", config_digest.str()},
                                     {"size", image.config.size()}});
    REQUIRE(manifest["layers"].size() == 2);
    CHECK(manifest["layers"][0]["digest"] == base.digest.str());
    CHECK(manifest["layers"][1]["digest"] == app.digest.str());
    CHECK(manifest["layers"][1]["mediaType"] == "application/vnd.oci.image.layer.v1.tar+gzip");

    const std::string docker_text = must_run("tar -xOf '" + out + "' manifest.json");
    CHECK(docker_text == "[{\"Config\":\"blobs/sha256/" + config_digest.hex() +
                             "\",\"RepoTags\":[\"app:1\"],\"Layers\":[\"blobs/sha256/" +
                             base.digest.hex() + "\",\"blobs/sha256/" + app.digest.hex() + "\"]}]");
  }

  SUBCASE("skopeo reads both dialects and copies with every digest checked") {
    if (!have_tool("skopeo")) return;
    const json oci = json::parse(must_run("skopeo inspect oci-archive:'" + out + "'"));
    CHECK(oci["Digest"] == digests[0].str());
    CHECK(oci["Architecture"] == "amd64");
    CHECK(oci["Layers"] == json{base.digest.str(), app.digest.str()});
    const json docker = json::parse(must_run("skopeo inspect docker-archive:'" + out + "'"));
    CHECK(docker["Architecture"] == "amd64");
    CHECK(docker["Layers"].size() == 2);
    must_run("skopeo copy oci-archive:'" + out + "' dir:'" + (dir.path() / "copy-oci").string() +
             "'");
    must_run("skopeo copy docker-archive:'" + out + "' dir:'" +
             (dir.path() / "copy-docker").string() + "'");
  }

  SUBCASE("umoci unpacks it by its tag") {
    if (!have_tool("umoci")) return;
    if (::geteuid() != 0) {
      if (in_ci()) FAIL("umoci unpack keeps owners only as root");
      MESSAGE("not root: umoci unpack skipped");
      return;
    }
    std::filesystem::create_directory((dir.path() / "layout").string());
    must_run("tar -xf '" + out + "' -C '" + (dir.path() / "layout").string() + "'");
    must_run("umoci unpack --image '" + (dir.path() / "layout").string() + ":1' '" +
             (dir.path() / "bundle").string() + "'");
    CHECK(read_text((dir.path() / "bundle/rootfs/app/data.txt").string()) ==
          "hello from the app layer\n");
    CHECK(std::filesystem::read_symlink((dir.path() / "bundle/rootfs/usr/bin/hi").string()) ==
          "hello");
  }

  SUBCASE("pare reads it back with every digest verified") {
    const auto bundle = open_bundle(out);
    const Image loaded = load_image(*bundle, {});
    CHECK(loaded.format == ImageFormat::kDockerSaveOci);
    CHECK(loaded.config_digest == config_digest);
    REQUIRE(loaded.manifest.has_value());
    CHECK(loaded.manifest->digest == digests[0]);
    CHECK(loaded.names == std::vector<std::string>{"docker.io/library/app:1"});
    REQUIRE(loaded.layers.size() == 2);
    std::vector<std::string> paths;
    for (std::size_t i = 0; i < 2; ++i) {
      const LayerStats stats = read_layer(
          *bundle, loaded, i, {}, [&](const TarEntry& e, TarReader&) { paths.push_back(e.path); });
      CHECK(stats.compression == Compression::kGzip);
      CHECK(stats.digest == (i == 0 ? base.digest : app.digest));
    }
    CHECK(paths.back() == "app/data.txt");
  }

  SUBCASE("writing again gives identical bytes") {
    const std::string again = (dir.path() / "again.tar").string();
    CHECK(write_image_archive(again, {image}, {"app:1"}) == digests);
    CHECK(read_text(again) == read_text(out));
  }
}

TEST_CASE("write_image_archive: two platforms: index.json names one image index of both") {
  TempDir dir;
  const LayerBlob shared = app_layer().build(Compression::kGzip);
  const LayerBlob amd = base_layer().build(Compression::kGzip);
  LayerSpec arm_spec = base_layer();
  arm_spec.data["usr/bin/hello"] = sample_text(200000, 9);
  const LayerBlob arm = arm_spec.build(Compression::kZstd);
  const std::vector<OutputImage> images = {output_image("amd64", {amd, shared}),
                                           output_image("arm64", {arm, shared})};
  const std::string out = (dir.path() / "multi.tar").string();
  const auto digests = write_image_archive(out, images, {"app:2", "registry.example.com/app:2"});
  REQUIRE(digests.size() == 2);

  // index.json names one image index, as buildx and containerd export a multi-platform image.
  const json top = member_json(out, "index.json");
  REQUIRE(top["manifests"].size() == 1);
  CHECK(top["manifests"][0]["mediaType"] == "application/vnd.oci.image.index.v1+json");
  CHECK(top["manifests"][0]["annotations"] ==
        json{{"io.containerd.image.name", "docker.io/library/app:2"},
             {"org.opencontainers.image.ref.name", "2"}});
  const std::string nested_hex =
      top["manifests"][0]["digest"].get<std::string>().substr(std::string("sha256:").size());
  const json index = member_json(out, "blobs/sha256/" + nested_hex);
  REQUIRE(index["manifests"].size() == 2);
  CHECK(index["manifests"][0]["digest"] == digests[0].str());
  CHECK(index["manifests"][0]["platform"] == json{{"architecture", "amd64"}, {"os", "linux"}});
  CHECK(index["manifests"][1]["digest"] == digests[1].str());
  CHECK(index["manifests"][1]["platform"] ==
        json{{"architecture", "arm64"}, {"os", "linux"}, {"variant", "v8"}});
  for (const auto& m : index["manifests"]) {
    CHECK(m["mediaType"] == "application/vnd.oci.image.manifest.v1+json");
    CHECK_FALSE(m.contains("annotations"));
  }
  // docker load takes one image: the first, with every tag.
  const json docker = member_json(out, "manifest.json");
  REQUIRE(docker.size() == 1);
  CHECK(docker[0]["RepoTags"] == json{"app:2", "registry.example.com/app:2"});
  CHECK(docker[0]["Layers"] ==
        json{"blobs/sha256/" + amd.digest.hex(), "blobs/sha256/" + shared.digest.hex()});
  // The shared layer is stored once: 1 index, 2 manifests, 2 configs, 3 layers.
  const std::string listing = must_run("tar -tf '" + out + "'");
  CHECK(std::count(listing.begin(), listing.end(), '\n') == 2 + 8 + 3);
  // pare needs a platform, then reads either image with its digests verified.
  const auto bundle = open_bundle(out);
  try {
    load_image(*bundle, {});
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kUsage);
  }
  for (const char* p : {"linux/amd64", "linux/arm64"}) {
    CAPTURE(p);
    ImageSelector selector;
    selector.platform = Platform::parse(p);
    const Image loaded = load_image(*bundle, selector);
    for (std::size_t i = 0; i < loaded.layers.size(); ++i) {
      read_layer(*bundle, loaded, i, {}, [](const TarEntry&, TarReader&) {});
    }
  }

  SUBCASE("skopeo reads the index by name and copies either platform") {
    if (!have_tool("skopeo")) return;
    const std::string raw = must_run("skopeo inspect --raw oci-archive:'" + out + "':2");
    CHECK(sha256_of(bytes_of(raw)).hex() == nested_hex);
    for (const char* arch : {"amd64", "arm64"}) {
      must_run(std::string("skopeo copy --override-arch ") + arch + " oci-archive:'" + out +
               "':2 dir:'" + (dir.path() / arch).string() + "'");
    }
    must_run("skopeo copy docker-archive:'" + out + "' dir:'" +
             (dir.path() / "copy-docker").string() + "'");
  }
  // umoci 0.4 cannot choose a platform in an index; tests/e2e/slim.sh unpacks each platform
  // after a skopeo copy.
}

TEST_CASE("write_image_archive: a failure leaves nothing behind") {
  TempDir dir;
  const LayerBlob layer = app_layer().build(Compression::kGzip);
  const std::string out = (dir.path() / "out.tar").string();

  OutputImage wrong_ids = output_image("amd64", {layer});
  wrong_ids.layers.push_back(layer);  // two layers, one diff_id
  OutputImage wrong_arch = output_image("amd64", {layer});
  wrong_arch.platform.architecture = "arm64";
  OutputImage not_json = output_image("amd64", {layer});
  not_json.config = bytes_of("{not json");
  for (const auto& image : {wrong_ids, wrong_arch, not_json}) {
    try {
      write_image_archive(out, {image}, {});
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.code() == ExitCode::kBadInput);
    }
  }
  try {
    write_image_archive(out, {output_image("amd64", {layer})}, {"Bad:tag"});
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kUsage);
  }
  // A layer file that no longer holds its digest's bytes: found while writing (exit 4), and the
  // partial output is removed.
  LayerBlob changed = layer;
  changed.digest = sha256_of(bytes_of("something else"));
  OutputImage image = output_image("amd64", {changed});
  try {
    write_image_archive(out, {image}, {});
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kSystem);
  }
  CHECK(std::filesystem::is_empty(dir.path()));
  CHECK_THROWS_AS(write_image_archive((dir.path() / "missing/out.tar").string(),
                                      {output_image("amd64", {layer})}, {}),
                  Error);
}
