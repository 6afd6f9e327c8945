#include "pare/image/image_writer.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <utility>

#include <nlohmann/json.hpp>

#include "pare/archive/tar_writer.hpp"
#include "pare/digest/sha256.hpp"
#include "pare/image/image.hpp"
#include "pare/image/media_types.hpp"
#include "pare/util/error.hpp"
#include "pare/util/file.hpp"

namespace pare {

namespace {

using nlohmann::json;

constexpr std::uint32_t kFileMode = 0644;
constexpr std::uint32_t kDirMode = 0755;

Error bad_name(const std::string& text, const std::string& what) {
  return Error::usage("invalid image name '" + text + "': " + what,
                      "write NAME[:TAG], e.g. app:1 or registry.example.com/team/app:1");
}

std::vector<std::byte> to_bytes(const std::string& text) {
  const auto* p = reinterpret_cast<const std::byte*>(text.data());
  return {p, p + text.size()};
}

/// A blob of the layout: in memory (manifests, configs) or in a layer's temporary file.
struct Blob {
  std::vector<std::byte> bytes;
  std::shared_ptr<TempFile> file;
  std::uint64_t size = 0;
  Digest digest;
};

/// Checks a config against what the manifest will say of it, and fills `platform`'s empty
/// fields from it.
void check_config(const OutputImage& image, Platform& platform, const std::string& out,
                  std::size_t index) {
  const std::string what = "image " + std::to_string(index) + ": the config ";
  const auto* text_begin = reinterpret_cast<const char*>(image.config.data());
  const json config = json::parse(text_begin, text_begin + image.config.size(), nullptr,
                                  /*allow_exceptions=*/false);
  if (!config.is_object()) throw Error::bad_input(out, what + "is not a JSON object");
  auto text = [&](const char* key) -> std::string {
    auto it = config.find(key);
    return it != config.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  const std::string os = text("os");
  const std::string arch = text("architecture");
  if (platform.os.empty()) platform.os = os;
  if (platform.architecture.empty()) platform.architecture = arch;
  if (platform.variant.empty()) platform.variant = text("variant");
  if (os != platform.os || arch != platform.architecture || os.empty() || arch.empty()) {
    throw Error::bad_input(out, what + "says " + os + "/" + arch + ", the platform is " +
                                    platform.os + "/" + platform.architecture);
  }
  const auto rootfs = config.find("rootfs");
  if (rootfs == config.end() || !rootfs->is_object() || !rootfs->contains("diff_ids") ||
      !(*rootfs)["diff_ids"].is_array()) {
    throw Error::bad_input(out, what + "has no rootfs.diff_ids");
  }
  const json& ids = (*rootfs)["diff_ids"];
  bool same = ids.size() == image.layers.size();
  for (std::size_t i = 0; same && i < ids.size(); ++i) {
    same = ids[i].is_string() && ids[i].get<std::string>() == image.layers[i].diff_id.str();
  }
  if (!same) {
    throw Error::bad_input(out, what + "lists " + std::to_string(ids.size()) +
                                    " diff_ids that are not those of its " +
                                    std::to_string(image.layers.size()) + " layers");
  }
}

}  // namespace

ImageName parse_image_name(const std::string& text) {
  if (text.find('@') != std::string::npos) throw bad_name(text, "a digest is not a tag");
  std::string name = text;
  std::string tag = "latest";
  const std::size_t colon = text.rfind(':');
  const std::size_t slash = text.rfind('/');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    name = text.substr(0, colon);
    tag = text.substr(colon + 1);
  }
  if (!std::regex_match(tag, std::regex("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"))) {
    throw bad_name(text, "the tag must be 1-128 letters, digits, '_', '.' or '-', not first");
  }
  if (name.empty() || name.size() > 255) throw bad_name(text, "the name must be 1-255 bytes");
  // Docker's rule (splitDockerDomain): the first component is a registry when it holds '.' or
  // ':', is "localhost", or has uppercase letters.
  std::string domain;
  std::string path = name;
  if (const std::size_t first = name.find('/'); first != std::string::npos) {
    const std::string head = name.substr(0, first);
    const bool has_upper =
        std::any_of(head.begin(), head.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
    if (head.find_first_of(".:") != std::string::npos || head == "localhost" || has_upper) {
      domain = head;
      path = name.substr(first + 1);
    }
  }
  if (!domain.empty() &&
      !std::regex_match(domain, std::regex("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]+)?"))) {
    throw bad_name(text, "'" + domain + "' is not a registry host");
  }
  const std::regex component("[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*");
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = path.find('/', start);
    const std::string part = path.substr(start, end - start);
    if (!std::regex_match(part, component)) {
      throw bad_name(text, "'" + part +
                               "' is not a name component (lowercase letters and digits, "
                               "separated by '.', '_', '__' or '-')");
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (domain.empty() || domain == "index.docker.io") domain = "docker.io";
  if (domain == "docker.io" && path.find('/') == std::string::npos) path = "library/" + path;
  return {name + ":" + tag, domain + "/" + path + ":" + tag, tag};
}

std::vector<Digest> write_image_archive(const std::filesystem::path& out,
                                        const std::vector<OutputImage>& images,
                                        const std::vector<std::string>& tags) {
  const std::string display = out.string();
  if (images.empty()) throw Error::bad_input(display, "no image to write");
  std::vector<ImageName> names;
  names.reserve(tags.size());
  for (const auto& t : tags) names.push_back(parse_image_name(t));

  std::map<std::string, Blob> blobs;  // by hex digest: the order of the tar members
  auto add_memory_blob = [&](std::vector<std::byte> bytes) {
    Blob b;
    b.digest = sha256_of(bytes);
    b.size = bytes.size();
    b.bytes = std::move(bytes);
    Digest d = b.digest;
    blobs.try_emplace(d.hex(), std::move(b));
    return d;
  };

  Index index;
  index.media_type = media_type::kOciIndex;
  std::vector<Digest> manifest_digests;
  nlohmann::ordered_json docker_manifest = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < images.size(); ++i) {
    const OutputImage& image = images[i];
    Platform platform = image.platform;
    check_config(image, platform, display, i);

    Manifest manifest;
    manifest.media_type = media_type::kOciManifest;
    manifest.config.media_type = media_type::kOciConfig;
    manifest.config.size = static_cast<std::int64_t>(image.config.size());
    manifest.config.digest = add_memory_blob(image.config);
    for (const LayerBlob& layer : image.layers) {
      if (!layer.file) throw Error::bad_input(display, "a layer has no file");
      Descriptor d;
      d.media_type = layer.media_type;
      d.digest = layer.digest;
      d.size = static_cast<std::int64_t>(layer.size);
      manifest.layers.push_back(std::move(d));
      Blob b;
      b.file = layer.file;
      b.size = layer.size;
      b.digest = layer.digest;
      blobs.try_emplace(layer.digest.hex(), std::move(b));
    }
    const std::vector<std::byte> manifest_bytes = to_bytes(json(manifest).dump());

    Descriptor entry;
    entry.media_type = media_type::kOciManifest;
    entry.size = static_cast<std::int64_t>(manifest_bytes.size());
    entry.digest = add_memory_blob(manifest_bytes);
    entry.platform = platform;
    manifest_digests.push_back(entry.digest);
    index.manifests.push_back(std::move(entry));

    if (i == 0) {
      // Docker's field order (image/tarexport), for readers that compare text.
      nlohmann::ordered_json item;
      item["Config"] = blob_path(manifest.config.digest);
      item["RepoTags"] = nlohmann::ordered_json::array();
      for (const auto& n : names) item["RepoTags"].push_back(n.repo_tag);
      item["Layers"] = nlohmann::ordered_json::array();
      for (const auto& l : manifest.layers) item["Layers"].push_back(blob_path(l.digest));
      docker_manifest = nlohmann::ordered_json::array({item});
    }
  }

  // One image: index.json names its manifest. Several (one per platform): index.json names one
  // image index that lists them, as buildx and containerd export a multi-platform image, so one
  // name means the whole set and every reader picks its platform from it.
  Index top;
  top.media_type = media_type::kOciIndex;
  if (images.size() == 1) {
    top = index;
  } else {
    const std::vector<std::byte> index_bytes = to_bytes(json(index).dump());
    Descriptor nested;
    nested.media_type = media_type::kOciIndex;
    nested.size = static_cast<std::int64_t>(index_bytes.size());
    nested.digest = add_memory_blob(index_bytes);
    top.manifests.push_back(std::move(nested));
  }
  if (!names.empty()) {
    auto& annotations = top.manifests.front().annotations;
    annotations["io.containerd.image.name"] = names.front().full;
    annotations["org.opencontainers.image.ref.name"] = names.front().tag;
  }

  AtomicFile file(out);
  TarWriter tar(file.fd(), display);
  auto add_dir = [&](const std::string& path) {
    TarEntry e;
    e.path = path;
    e.type = EntryType::kDir;
    e.mode = kDirMode;
    tar.add(e, nullptr);
  };
  auto add_file = [&](const std::string& path, ByteSource& source, std::uint64_t size) {
    TarEntry e;
    e.path = path;
    e.type = EntryType::kFile;
    e.mode = kFileMode;
    e.size = size;
    tar.add(e, &source);
  };
  auto add_text = [&](const std::string& path, const std::string& text) {
    MemorySource source(to_bytes(text), path);
    add_file(path, source, text.size());
  };

  add_dir("blobs");
  add_dir("blobs/sha256");
  for (const auto& [hex, blob] : blobs) {
    const std::string path = "blobs/sha256/" + hex;
    if (!blob.file) {
      MemorySource source(blob.bytes, path);
      add_file(path, source, blob.size);
      continue;
    }
    FileSource stored(blob.file->path());
    HashingSource hashed(stored);
    add_file(path, hashed, blob.size);
    const Digest got = hashed.finish();
    if (got != blob.digest) {
      throw Error::system(
          blob.file->path().string(),
          "the layer file changed: expected " + blob.digest.str() + ", it hashes to " + got.str());
    }
  }
  add_text("index.json", json(top).dump());
  add_text("manifest.json", docker_manifest.dump());
  add_text("oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  tar.finish();
  file.commit();
  return manifest_digests;
}

}  // namespace pare
