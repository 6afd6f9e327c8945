#include "pare/image/image.hpp"

#include <algorithm>
#include <set>

#include "pare/digest/sha256.hpp"
#include "pare/image/limits.hpp"
#include "pare/image/media_types.hpp"
#include "pare/util/error.hpp"

namespace pare {

using nlohmann::json;

std::string_view to_string(ImageFormat format) {
  switch (format) {
    case ImageFormat::kDockerSave:
      return "docker-archive";
    case ImageFormat::kDockerSaveOci:
      return "docker-archive (OCI layout)";
    case ImageFormat::kOciArchive:
      return "oci-archive";
    case ImageFormat::kOciLayout:
      return "oci-layout";
  }
  return "unknown";
}

namespace {

[[noreturn]] void fail(const Bundle& bundle, const std::string& what, std::string hint = {}) {
  throw Error::bad_input(bundle.describe(), what, std::move(hint));
}

json parse_json(const Bundle& bundle, const std::string& what, std::span<const std::byte> bytes) {
  try {
    return json::parse(bytes.begin(), bytes.end());
  } catch (const json::parse_error& e) {
    fail(bundle, what + " is not valid JSON (" + e.what() + ")");
  }
}

/// Maps the model's JSON errors to one line naming what was being read.
template <typename T>
T decode(const Bundle& bundle, const std::string& what, const json& j) {
  try {
    return j.get<T>();
  } catch (const json::exception& e) {
    std::string msg = e.what();
    if (auto pos = msg.find("] "); pos != std::string::npos) msg = msg.substr(pos + 2);
    fail(bundle, what + " is malformed: " + msg);
  }
}

/// Reads a blob named by a descriptor, checking its size and digest.
std::vector<std::byte> read_blob(const Bundle& bundle, const Descriptor& d,
                                 const std::string& what) {
  const std::string path = blob_path(d.digest);
  const auto size = bundle.size(path);
  if (!size) fail(bundle, what + " blob " + d.digest.str() + " is missing");
  if (*size != static_cast<std::uint64_t>(d.size)) {
    fail(bundle, what + " blob " + d.digest.str() + " is " + std::to_string(*size) +
                     " bytes but its descriptor says " + std::to_string(d.size));
  }
  if (*size > kMaxJsonBytes) fail(bundle, what + " blob " + d.digest.str() + " is too large");
  auto bytes = bundle.read(path, kMaxJsonBytes);
  const Digest actual = sha256_of(bytes);
  if (actual != d.digest) {
    fail(bundle,
         what + " blob digest mismatch: expected " + d.digest.str() + ", got " + actual.str());
  }
  return bytes;
}

/// One image an input holds, before it is chosen.
struct Candidate {
  std::vector<std::string> names;
  std::optional<Platform> platform;
  std::optional<Descriptor> manifest;  ///< OCI inputs
  json docker_entry;                   ///< docker-save inputs: the manifest.json item
};

/// "docker.io/library/app:1" -> "app:1"; "localhost/app:1" -> "app:1"; a name without a tag
/// gets ":latest".
std::string familiar(std::string name) {
  for (std::string_view prefix : {"docker.io/library/", "docker.io/", "localhost/"}) {
    if (name.starts_with(prefix)) {
      name = name.substr(prefix.size());
      break;
    }
  }
  const auto slash = name.rfind('/');
  const auto colon = name.rfind(':');
  if (name.find('@') == std::string::npos &&
      (colon == std::string::npos || (slash != std::string::npos && colon < slash))) {
    name += ":latest";
  }
  return name;
}

bool name_matches(const Candidate& c, const std::string& wanted) {
  return image_name_matches(c.names, wanted);
}

void collect_oci(const Bundle& bundle, const Descriptor& d, const std::vector<std::string>& names,
                 int depth, std::vector<Candidate>& out) {
  if (media_type::is_index(d.media_type)) {
    if (depth >= kMaxIndexDepth) fail(bundle, "indexes nest deeper than " + std::to_string(depth));
    const auto bytes = read_blob(bundle, d, "index");
    const auto index = decode<Index>(bundle, "index " + d.digest.str(),
                                     parse_json(bundle, "index " + d.digest.str(), bytes));
    for (const auto& child : index.manifests) collect_oci(bundle, child, names, depth + 1, out);
  } else if (media_type::is_manifest(d.media_type) || d.media_type.empty()) {
    if (is_attestation(d)) return;
    out.push_back(Candidate{names, d.platform, d, {}});
  }
  // Any other media type (artifacts, signatures) is skipped, as image-index.md requires.
}

std::vector<Candidate> oci_candidates(const Bundle& bundle) {
  const auto layout = parse_json(bundle, "oci-layout", bundle.read("oci-layout", kMaxJsonBytes));
  const std::string version = layout.is_object() && layout.contains("imageLayoutVersion") &&
                                      layout["imageLayoutVersion"].is_string()
                                  ? layout["imageLayoutVersion"].get<std::string>()
                                  : "";
  if (version != "1.0.0") {
    fail(bundle, "oci-layout has imageLayoutVersion \"" + version + R"(", expected "1.0.0")");
  }
  if (!bundle.contains("index.json")) fail(bundle, "an OCI layout without index.json");
  const auto index =
      decode<Index>(bundle, "index.json",
                    parse_json(bundle, "index.json", bundle.read("index.json", kMaxJsonBytes)));
  std::vector<Candidate> out;
  for (const auto& d : index.manifests) {
    std::vector<std::string> names;
    if (auto name = image_name(d)) names.push_back(std::move(*name));
    collect_oci(bundle, d, names, 0, out);
  }
  return out;
}

std::vector<Candidate> docker_candidates(const Bundle& bundle) {
  const auto manifest =
      parse_json(bundle, "manifest.json", bundle.read("manifest.json", kMaxJsonBytes));
  if (!manifest.is_array()) {
    fail(bundle, "manifest.json is not a docker-save manifest (expected a JSON array, got " +
                     std::string(manifest.type_name()) + ")");
  }
  std::vector<Candidate> out;
  for (const auto& entry : manifest) {
    if (!entry.is_object() || !entry.contains("Config") || !entry["Config"].is_string() ||
        !entry.contains("Layers") || !entry["Layers"].is_array()) {
      fail(bundle, "manifest.json has an entry without Config and Layers");
    }
    Candidate c;
    if (auto it = entry.find("RepoTags"); it != entry.end() && it->is_array()) {
      for (const auto& tag : *it) {
        if (tag.is_string()) c.names.push_back(tag.get<std::string>());
      }
    }
    c.docker_entry = entry;
    out.push_back(std::move(c));
  }
  return out;
}

/// A config blob, parsed and checked to be an image config.
Config decode_config(const Bundle& bundle, const std::string& what,
                     std::span<const std::byte> bytes) {
  const json j = parse_json(bundle, what, bytes);
  if (!j.is_object() || !j.contains("rootfs")) {
    fail(bundle, what + " is not an image config (no rootfs)");
  }
  return decode<Config>(bundle, what, j);
}

/// Fills in the image a candidate names: manifest, config and layers.
Image resolve(const Bundle& bundle, const Candidate& c, ImageFormat format) {
  Image image;
  image.format = format;
  image.names = c.names;
  if (c.manifest) {
    image.manifest = c.manifest;
    const auto bytes = read_blob(bundle, *c.manifest, "manifest");
    const std::string what = "manifest " + c.manifest->digest.str();
    const auto manifest = decode<Manifest>(bundle, what, parse_json(bundle, what, bytes));
    if (manifest.schema_version != 2)
      fail(bundle, what + " has schemaVersion " + std::to_string(manifest.schema_version));
    image.raw_config = read_blob(bundle, manifest.config, "config");
    image.config_digest = manifest.config.digest;
    for (const auto& layer : manifest.layers) {
      LayerRef ref;
      ref.path = blob_path(layer.digest);
      ref.media_type = layer.media_type;
      ref.digest = layer.digest;
      ref.size = static_cast<std::uint64_t>(layer.size);
      image.layers.push_back(std::move(ref));
    }
  } else {
    const json& entry = c.docker_entry;
    const auto config_path = entry["Config"].get<std::string>();
    if (!bundle.contains(config_path)) fail(bundle, "config " + config_path + " is missing");
    image.raw_config = bundle.read(config_path, kMaxJsonBytes);
    image.config_digest = sha256_of(image.raw_config);
    if (auto named = digest_from_name(config_path); named && *named != image.config_digest) {
      fail(bundle, "config " + config_path + " digest mismatch: expected " + named->str() +
                       ", got " + image.config_digest.str());
    }
    for (const auto& layer : entry["Layers"]) {
      if (!layer.is_string()) fail(bundle, "manifest.json lists a layer that is not a path");
      LayerRef ref;
      ref.path = layer.get<std::string>();
      ref.digest = digest_from_name(ref.path);
      image.layers.push_back(std::move(ref));
    }
  }
  image.config = decode_config(bundle, "config " + image.config_digest.str(), image.raw_config);

  const auto& diff_ids = image.config.diff_ids;
  if (image.layers.size() != diff_ids.size()) {
    fail(bundle, "the manifest lists " + std::to_string(image.layers.size()) +
                     " layers but the config has " + std::to_string(diff_ids.size()) + " diff_ids");
  }
  if (!image.config.history.empty()) {
    const auto non_empty = static_cast<std::size_t>(
        std::count_if(image.config.history.begin(), image.config.history.end(),
                      [](const HistoryEntry& h) { return !h.empty_layer; }));
    if (non_empty != image.layers.size()) {
      fail(bundle, "the config's history has " + std::to_string(non_empty) +
                       " entries for layers but the image has " +
                       std::to_string(image.layers.size()) + " layers");
    }
  }
  for (std::size_t i = 0; i < image.layers.size(); ++i) {
    LayerRef& layer = image.layers[i];
    layer.diff_id = diff_ids[i];
    const auto size = bundle.size(layer.path);
    const std::string what = "layer " + std::to_string(i) + " (" +
                             (layer.digest ? layer.digest->str() : layer.path) + ")";
    if (!size) fail(bundle, what + " is missing");
    if (layer.size && *layer.size != *size) {
      fail(bundle, what + " is " + std::to_string(*size) + " bytes but its descriptor says " +
                       std::to_string(*layer.size));
    }
    layer.size = *size;
  }
  return image;
}

std::string list_names(const std::vector<Candidate>& cs) {
  std::set<std::string> names;
  for (const auto& c : cs) {
    names.insert(c.names.empty() ? std::string("<untagged>") : c.names.front());
  }
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string list_platforms(const std::vector<Candidate>& cs) {
  std::set<std::string> platforms;
  for (const auto& c : cs) platforms.insert(c.platform ? c.platform->str() : "unknown");
  std::string out;
  for (const auto& p : platforms) out += (out.empty() ? "" : ", ") + p;
  return out;
}

}  // namespace

std::string blob_path(const Digest& d) {
  return "blobs/sha256/" + d.hex();
}

bool is_attestation(const Descriptor& d) {
  if (d.platform && d.platform->is_unknown()) return true;
  auto it = d.annotations.find("vnd.docker.reference.type");
  return it != d.annotations.end() && it->second == "attestation-manifest";
}

std::optional<std::string> image_name(const Descriptor& d) {
  for (const char* key : {"io.containerd.image.name", "org.opencontainers.image.ref.name"}) {
    if (auto it = d.annotations.find(key); it != d.annotations.end()) return it->second;
  }
  return std::nullopt;
}

std::optional<Digest> digest_from_name(std::string_view path) {
  std::string_view base = path.substr(path.rfind('/') + 1);
  if (base.starts_with("sha256:")) base.remove_prefix(7);
  for (std::string_view ext : {".tar.gz", ".tar.zst", ".tgz", ".tar", ".json"}) {
    if (base.ends_with(ext)) {
      base.remove_suffix(ext.size());
      break;
    }
  }
  return Digest::from_hex(base);
}

bool image_name_matches(const std::vector<std::string>& names, const std::string& wanted) {
  const std::string want = familiar(wanted);
  return std::any_of(names.begin(), names.end(),
                     [&](const std::string& n) { return familiar(n) == want || n == wanted; });
}

namespace {

struct Candidates {
  ImageFormat format = ImageFormat::kOciLayout;
  std::vector<Candidate> list;
};

/// Every image the bundle holds that the selector's name picks, each with its platform.
Candidates gather(const Bundle& bundle, const ImageSelector& selector) {
  ImageFormat format;
  std::vector<Candidate> candidates;
  if (bundle.contains("oci-layout")) {
    candidates = oci_candidates(bundle);
  }
  if (!candidates.empty()) {
    if (bundle.kind() == BundleKind::kFolder) {
      format = ImageFormat::kOciLayout;
    } else {
      format =
          bundle.contains("manifest.json") ? ImageFormat::kDockerSaveOci : ImageFormat::kOciArchive;
    }
  } else if (bundle.contains("manifest.json")) {
    // Also Docker 25.0.0-25.0.2 saves by image ID: an index.json with no manifests.
    candidates = docker_candidates(bundle);
    format = ImageFormat::kDockerSave;
  } else if (bundle.contains("repositories")) {
    fail(bundle, "a docker save without manifest.json (Docker before 1.10) is not supported");
  } else if (bundle.contains("oci-layout")) {
    fail(bundle, "holds no image: its index.json lists no manifests");
  } else if (bundle.contains("index.json")) {
    fail(bundle, "an OCI layout without its oci-layout file");
  } else {
    fail(bundle, "not an image: no manifest.json, index.json or oci-layout in it",
         "a plain filesystem tar is not an image; docker save, podman save or skopeo copy "
         "write one");
  }
  if (candidates.empty()) fail(bundle, "holds no image");

  if (!selector.name.empty()) {
    std::vector<Candidate> named;
    for (auto& c : candidates) {
      if (name_matches(c, selector.name)) named.push_back(c);
    }
    if (named.empty()) {
      fail(bundle,
           "holds no image named " + selector.name + "; it holds: " + list_names(candidates));
    }
    candidates = std::move(named);
  }
  // A candidate whose descriptor states no platform (docker-save, podman's oci-archive) takes
  // it from its config.
  for (auto& c : candidates) {
    if (!c.platform) c.platform = resolve(bundle, c, format).platform();
  }
  return {format, std::move(candidates)};
}

}  // namespace

std::vector<Platform> list_platforms(const Bundle& bundle, const ImageSelector& selector) {
  std::vector<Platform> out;
  for (const auto& c : gather(bundle, selector).list) {
    if (std::none_of(out.begin(), out.end(),
                     [&](const Platform& p) { return p.str() == c.platform->str(); })) {
      out.push_back(*c.platform);
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Platform& a, const Platform& b) { return a.str() < b.str(); });
  return out;
}

std::vector<Image> load_images(const Bundle& bundle, const ImageSelector& selector) {
  auto [format, candidates] = gather(bundle, selector);
  std::vector<Image> out;
  for (const auto& c : candidates) {
    if (!selector.platform || c.platform->matches(*selector.platform)) {
      out.push_back(resolve(bundle, c, format));
    }
  }
  if (out.empty() && selector.platform) {
    fail(bundle, "holds no image for platform " + selector.platform->str() +
                     "; it holds: " + list_platforms(candidates));
  }
  return out;
}

Image load_image(const Bundle& bundle, const ImageSelector& selector) {
  auto [format, candidates] = gather(bundle, selector);
  if (selector.platform) {
    std::vector<Candidate> matching;
    for (auto& c : candidates) {
      if (c.platform->matches(*selector.platform)) matching.push_back(c);
    }
    if (matching.empty()) {
      fail(bundle, "holds no image for platform " + selector.platform->str() +
                       "; it holds: " + list_platforms(candidates));
    }
    candidates = std::move(matching);
  }
  if (candidates.size() > 1) {
    std::set<std::string> platforms;
    for (const auto& c : candidates) platforms.insert(c.platform->str());
    if (platforms.size() > 1 && !selector.platform) {
      throw Error::usage(bundle.describe() + ": holds " + std::to_string(candidates.size()) +
                             " platforms: " + list_platforms(candidates),
                         "choose one with --platform, e.g. --platform " + *platforms.begin());
    }
    throw Error::usage(bundle.describe() + ": holds " + std::to_string(candidates.size()) +
                           " images: " + list_names(candidates),
                       "choose one with --image NAME:TAG");
  }
  return resolve(bundle, candidates.front(), format);
}

}  // namespace pare
