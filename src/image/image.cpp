#include "pare/image/image.hpp"

#include <algorithm>
#include <set>

#include "pare/digest/sha256.hpp"
#include "pare/image/media_types.hpp"
#include "pare/image/walk.hpp"
#include "pare/util/error.hpp"
#include "pare/util/limits.hpp"
#include "pare/util/path.hpp"

namespace pare {

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
    case ImageFormat::kRegistry:
      return "registry";
  }
  return "unknown";
}

namespace {

[[noreturn]] void fail(const Bundle& bundle, const std::string& what, std::string hint = {}) {
  throw Error::bad_input(bundle.describe(), what, std::move(hint));
}

/// One image an input holds, before it is chosen.
struct Candidate {
  std::vector<std::string> names;
  std::optional<Platform> platform;
  std::optional<Descriptor> manifest;  ///< OCI inputs
  DockerItem docker_item;              ///< docker-save inputs
  /// Already read whole, when the platform had to come from the config (docker-save).
  std::optional<Image> image;
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

/// What the walk read; with StopAtFirstFault it returns nothing only after it threw.
template <typename T>
const T& read(const std::optional<T>& value) {
  if (!value) throw std::logic_error("the walk read on past a fault that stops");
  return *value;
}

/// Fills in the image a candidate names: manifest, config and layers.
Image resolve(FormatWalk& walk, const Candidate& c, ImageFormat format) {
  const Bundle& bundle = walk.bundle();
  Image image;
  image.format = format;
  image.names = c.names;
  if (c.manifest) {
    image.manifest = c.manifest;
    const std::string where = "manifest " + short_name(c.manifest->digest);
    const auto manifest = read(walk.read_manifest(*c.manifest, where));
    const Descriptor& config = read(manifest.config);
    image.raw_config =
        read(walk.read_blob(config, "config " + short_name(config.digest), "config"));
    image.config_digest = config.digest;
    for (const auto& layer : manifest.layers) {
      LayerRef ref;
      ref.path = blob_path(layer.digest);
      ref.media_type = layer.media_type;
      ref.digest = layer.digest;
      ref.size = static_cast<std::uint64_t>(layer.size);
      image.layers.push_back(std::move(ref));
    }
    // Docker 25.0.0 wrote the OCI manifest's layers in random order (moby #47160), and docker
    // load reads manifest.json: in a hybrid tar, its Layers of the same config give the order.
    if (format == ImageFormat::kDockerSaveOci) {
      for (const auto& item : walk.docker_items()) {
        if (normalize_path(item.config) != blob_path(config.digest)) continue;
        std::vector<LayerRef> ordered;
        for (const auto& path : item.layers) {
          auto it = std::find_if(image.layers.begin(), image.layers.end(),
                                 [&](const LayerRef& l) { return l.path == normalize_path(path); });
          if (it == image.layers.end()) break;
          ordered.push_back(*it);
        }
        if (ordered.size() == image.layers.size()) image.layers = std::move(ordered);
        break;
      }
    }
  } else {
    const DockerItem& item = c.docker_item;
    image.raw_config = read(walk.read_docker_config(item));
    image.config_digest = sha256_of(image.raw_config);
    for (const auto& path : item.layers) {
      LayerRef ref;
      ref.path = path;
      ref.digest = digest_from_name(ref.path);
      image.layers.push_back(std::move(ref));
    }
  }
  const std::string config_what = "config " + image.config_digest.str();
  image.config =
      read(walk.read_config(read(walk.parse(image.raw_config, config_what, "json", config_what)),
                            config_what, config_what));

  walk.check_counts(image.config, image.layers.size(), "manifest");
  // docker save refuses to export one ("empty export"), and OCI says an image SHOULD have a layer.
  if (image.layers.empty())
    fail(bundle, "the image has no layers (docker save refuses to export one)");
  const auto& diff_ids = image.config.diff_ids;
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
Candidates gather(FormatWalk& walk, const ImageSelector& selector) {
  const Bundle& bundle = walk.bundle();
  ImageFormat format;
  std::vector<Candidate> candidates;
  const FormatFiles files = walk.files();
  if (files.oci_layout) {
    walk.read_layout_file();
    walk.walk_index([&](const ListedManifest& m) {
      if (!m.attestation)
        candidates.push_back(Candidate{m.names, m.descriptor.platform, m.descriptor, {}, {}});
    });
  }
  if (!candidates.empty()) {
    if (bundle.kind() == BundleKind::kFolder) {
      format = ImageFormat::kOciLayout;
    } else if (bundle.kind() == BundleKind::kRegistry) {
      format = ImageFormat::kRegistry;
    } else {
      format = files.manifest_json ? ImageFormat::kDockerSaveOci : ImageFormat::kOciArchive;
    }
  } else if (files.manifest_json) {
    // Also Docker 25.0.0-25.0.2 saves by image ID: an index.json with no manifests.
    for (auto& item : walk.docker_items()) {
      Candidate c;
      c.names = item.names;
      c.docker_item = std::move(item);
      candidates.push_back(std::move(c));
    }
    format = ImageFormat::kDockerSave;
  } else if (files.repositories) {
    fail(bundle, "a docker save without manifest.json (Docker before 1.10) is not supported");
  } else if (files.oci_layout) {
    fail(bundle, "holds no image: its index.json lists no manifests");
  } else if (files.index) {
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
    if (!c.platform) {
      c.image = resolve(walk, c, format);
      c.platform = c.image->platform();
    }
  }
  return {format, std::move(candidates)};
}

}  // namespace

std::vector<Platform> list_platforms(const Bundle& bundle, const ImageSelector& selector,
                                     const InputLimits& limits) {
  StopAtFirstFault policy(bundle);
  FormatWalk walk(bundle, policy, limits);
  std::vector<Platform> out;
  for (const auto& c : gather(walk, selector).list) {
    if (std::none_of(out.begin(), out.end(),
                     [&](const Platform& p) { return p.str() == c.platform->str(); })) {
      out.push_back(*c.platform);
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Platform& a, const Platform& b) { return a.str() < b.str(); });
  return out;
}

namespace {

/// The candidates of the selector's platform (all without one); exit 3 when none is.
std::vector<Candidate> of_platform(const Bundle& bundle, const std::vector<Candidate>& candidates,
                                   const ImageSelector& selector) {
  if (!selector.platform) return candidates;
  std::vector<Candidate> matching;
  for (const auto& c : candidates) {
    if (c.platform->matches(*selector.platform)) matching.push_back(c);
  }
  if (matching.empty()) {
    fail(bundle, "holds no image for platform " + selector.platform->str() +
                     "; it holds: " + list_platforms(candidates));
  }
  return matching;
}

/// The image a candidate names, read now unless choosing it already did.
Image image_of(FormatWalk& walk, const Candidate& c, ImageFormat format) {
  return c.image ? *c.image : resolve(walk, c, format);
}

}  // namespace

std::vector<Image> load_images(const Bundle& bundle, const ImageSelector& selector,
                               const InputLimits& limits) {
  StopAtFirstFault policy(bundle);
  FormatWalk walk(bundle, policy, limits);
  auto [format, candidates] = gather(walk, selector);
  std::vector<Image> out;
  for (const auto& c : of_platform(bundle, candidates, selector)) {
    out.push_back(image_of(walk, c, format));
  }
  return out;
}

Image load_image(const Bundle& bundle, const ImageSelector& selector, const InputLimits& limits) {
  StopAtFirstFault policy(bundle);
  FormatWalk walk(bundle, policy, limits);
  const auto [format, all] = gather(walk, selector);
  const std::vector<Candidate> candidates = of_platform(bundle, all, selector);
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
  return image_of(walk, candidates.front(), format);
}

}  // namespace pare
