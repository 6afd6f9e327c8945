#include "pare/verify/structure.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "pare/image/media_types.hpp"
#include "pare/image/walk.hpp"
#include "pare/util/error.hpp"
#include "pare/util/format.hpp"
#include "pare/util/time.hpp"

namespace pare {

namespace {

using nlohmann::json;
namespace mt = media_type;

/// "an OCI" / "a Docker", for messages.
std::string with_article(mt::Family f) {
  return f == mt::Family::kOci ? "an OCI" : "a Docker";
}

/// The same platform once the default variants are filled in (containerd's normalization:
/// arm64 = arm64/v8, amd64 = amd64/v1). matches() lets an empty wanted variant accept any, so
/// it is asked both ways.
bool same_platform(const Platform& a, const Platform& b) {
  return a.matches(b) && b.matches(a);
}

std::string compression_word(Compression c) {
  return c == Compression::kNone ? "uncompressed" : std::string(to_string(c));
}

/// A string member, or "" when it is absent or not a string.
std::string string_at(const json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

/// The platform a config states, read leniently: its shape is checked elsewhere.
Platform config_platform(const json& j) {
  Platform p;
  p.os = string_at(j, "os");
  p.architecture = string_at(j, "architecture");
  p.variant = string_at(j, "variant");
  return p;
}

/// What one manifest of index.json names, for the manifest.json cross-check.
struct OciImage {
  Digest manifest;
  Digest config;
  std::vector<Digest> layers;
};

/// verify's own checks over the walk: created times, media types against each other and
/// against the bytes, platforms, counts, layers streamed, manifest.json against index.json.
class Checker {
 public:
  Checker(const Bundle& bundle, const StructureOptions& options)
      : bundle_(bundle),
        options_(options),
        walk_(bundle, faults_, options.limits),
        inflated_(options.limits.max_image_bytes) {}

  StructureReport run() {
    const FormatFiles files = walk_.files();
    if (!files.oci_layout && !files.index && !files.manifest_json) {
      throw Error::bad_input(bundle_.describe(),
                             "not an image: no manifest.json, index.json or oci-layout in it");
    }
    if (files.oci_layout || files.index) {
      walk_.read_layout_file();
      walk_.walk_index([this](const ListedManifest& m) { check_manifest(m); });
    }
    // Docker 25.0.0-25.0.2 saved images by ID with an empty index.json: manifest.json is
    // then the only statement, and gets the full checks.
    if (files.manifest_json) {
      for (const DockerItem& item : walk_.docker_items()) {
        const std::string where = "manifest.json[" + std::to_string(item.position) + "]";
        if (oci_listed_) {
          cross_check(item, where);
        } else {
          check_docker_image(item, where);
        }
      }
    }
    if (selecting() && selected_ == 0 && faults_.problems.empty()) {
      const auto& s = options_.selector;
      throw Error::bad_input(bundle_.describe(),
                             s.platform ? "holds no image for platform " + s.platform->str()
                                        : "holds no image named " + s.name);
    }
    StructureReport report;
    report.problems = std::move(faults_.problems);
    report.counts = counts_;
    report.counts.blobs = faults_.blobs;
    report.counts.bytes = faults_.bytes;
    report.counts.indexes = walk_.indexes();
    return report;
  }

 private:
  void problem(const std::string& check, const std::string& where, std::string message) {
    faults_.report({check, where, std::move(message)});
  }

  bool selecting() const {
    return options_.selector.platform.has_value() || !options_.selector.name.empty();
  }

  bool selected(const std::vector<std::string>& names, const Platform& platform) const {
    const auto& s = options_.selector;
    if (!s.name.empty() && !image_name_matches(names, s.name)) return false;
    return !s.platform || platform.matches(*s.platform);
  }

  /// What a layer blob holds, streamed once (or taken from a pass that already did).
  const LayerScan& scan_layer(const std::string& path) {
    if (auto it = scans_.find(path); it != scans_.end()) return it->second;
    LayerScan scan;
    const auto verified = std::find_if(options_.verified.begin(), options_.verified.end(),
                                       [&](const VerifiedLayer& v) { return v.path == path; });
    if (verified != options_.verified.end()) {
      scan.stats.digest = verified->digest;
      scan.stats.compressed_size = verified->size;
      scan.stats.compression = verified->compression;
      scan.diff_id = verified->diff_id;
    } else {
      auto source = bundle_.open(path);
      LayerStreamHooks hooks;
      hooks.image_budget = &inflated_;
      scan = stream_layer(
          *source, options_.limits, [](const TarEntry&, TarReader&) {}, /*collect=*/true, hooks);
    }
    faults_.hashed(path, scan.stats.compressed_size);
    walk_.remember_digest(path, scan.stats.digest);
    ++counts_.layers;
    return scans_.emplace(path, std::move(scan)).first->second;
  }

  void check_created(const json& j, const std::string& where) {
    auto it = j.find("created");
    if (it == j.end() || it->is_null()) return;
    if (!it->is_string()) {
      problem("created", where, "created is " + it->dump() + ", not an RFC 3339 string");
    } else if (!is_rfc3339(it->get<std::string>())) {
      problem("created", where,
              "created is " + it->dump() +
                  ", not an RFC 3339 time with a zone (e.g. 2024-01-02T03:04:05Z)");
    }
  }

  /// An image config: its times (verify's own), then its shape as the walk reads it.
  std::optional<Config> check_config(const json& j, const std::string& where) {
    if (j.is_object()) {
      check_created(j, where);
      if (auto h = j.find("history"); h != j.end() && h->is_array()) {
        for (std::size_t i = 0; i < h->size(); ++i) {
          if ((*h)[i].is_object()) {
            check_created((*h)[i], where + " history[" + std::to_string(i) + "]");
          }
        }
      }
    }
    return walk_.read_config(j, where, where);
  }

  /// A blob only checked to be there with its bytes (an attestation's config and layers).
  void check_blob(const Descriptor& d, const std::string& where) {
    if (walk_.check_present(d, where, "")) {
      walk_.check_digest(d, walk_.hash_file(blob_path(d.digest)), where, "");
    }
  }

  void check_manifest(const ListedManifest& listed) {
    const Descriptor& d = listed.descriptor;
    const std::string where = "manifest " + short_name(d.digest);
    ++counts_.manifests;
    oci_listed_ = true;
    const auto m = walk_.read_manifest(d, where);
    // manifest.json cannot be compared with a manifest that cannot be read.
    if (!m || !m->config || !m->layers_ok) oci_incomplete_ = true;
    if (!m) return;
    if (m->config && m->layers_ok) {
      OciImage facts{d.digest, m->config->digest, {}};
      for (const auto& l : m->layers) facts.layers.push_back(l.digest);
      oci_images_.push_back(std::move(facts));
    }
    if (listed.attestation) {
      // buildkit's provenance: an empty config and in-toto JSON layers, no tar to check.
      if (m->config) check_blob(*m->config, "config " + short_name(m->config->digest));
      for (std::size_t i = 0; i < m->layers.size(); ++i) {
        check_blob(m->layers[i],
                   "layer " + std::to_string(i) + " " + short_name(m->layers[i].digest));
      }
      return;
    }
    if (m->config) check_config_type(*m->config, m->family, where + " config");
    for (std::size_t i = 0; i < m->layers.size(); ++i) {
      check_layer_type(m->layers[i], m->family, where + " layers[" + std::to_string(i) + "]");
    }
    if (!m->config) return;

    const std::string config_where = "config " + short_name(m->config->digest);
    const auto cj = walk_.read_json_blob(*m->config, config_where, "config");
    if (!cj) return;
    if (!selected(listed.names, d.platform ? *d.platform : config_platform(*cj))) return;
    ++selected_;
    ++counts_.configs;
    const auto cfg = check_config(*cj, config_where);
    if (!cfg) {
      // Without diff_ids, the layers still get their blob checks.
      for (std::size_t i = 0; i < m->layers.size(); ++i) check_layer(m->layers[i], i, nullptr);
      return;
    }
    if (d.platform && !same_platform(*d.platform, cfg->platform())) {
      problem(
          "platform", where,
          "the index says " + d.platform->str() + " but the config says " + cfg->platform().str());
    }
    if (m->layers_ok) walk_.check_counts(*cfg, m->layers.size(), where);
    for (std::size_t i = 0; i < m->layers.size(); ++i) {
      check_layer(m->layers[i], i, i < cfg->diff_ids.size() ? &cfg->diff_ids[i] : nullptr);
    }
  }

  void check_config_type(const Descriptor& config, mt::Family family, const std::string& where) {
    const std::string_view expected =
        family == mt::Family::kOci ? mt::kOciConfig : mt::kDockerConfig;
    if (config.media_type == expected) return;
    if (config.media_type == mt::kOciConfig || config.media_type == mt::kDockerConfig) {
      problem("media-type", where,
              with_article(family) + " manifest with a config of media type " + config.media_type +
                  " (expected " + std::string(expected) + ")");
    } else if (!config.media_type.empty()) {
      problem("media-type", where, "unknown config media type " + config.media_type);
    }
  }

  void check_layer_type(const Descriptor& layer, mt::Family family, const std::string& where) {
    if (layer.media_type.empty()) return;  // reported with the descriptor
    const auto type = mt::layer_type(layer.media_type);
    if (!type) {
      problem("media-type", where, "unknown layer media type " + layer.media_type);
    } else if (type->family != family) {
      problem("media-type", where,
              with_article(type->family) + " layer media type " + layer.media_type + " in " +
                  with_article(family) + " manifest (one family per manifest)");
    }
  }

  /// One layer of an OCI manifest: present, sized, hashed, its compression as its media type
  /// says, its tar hashing to the config's diff_id.
  void check_layer(const Descriptor& d, std::size_t i, const Digest* diff_id) {
    const std::string where = "layer " + std::to_string(i) + " " + short_name(d.digest);
    // Non-distributable layers may be left out of an archive (containerd's export skips them).
    if (mt::is_foreign_layer(d.media_type) && !bundle_.contains(blob_path(d.digest))) return;
    if (!walk_.check_present(d, where, "")) return;
    const LayerScan& scan = scan_layer(blob_path(d.digest));
    walk_.check_digest(d, scan.stats.digest, where, "");
    if (auto type = mt::layer_type(d.media_type);
        type && type->compression != scan.stats.compression) {
      problem("media-type", where,
              "the media type " + d.media_type + " says " + compression_word(type->compression) +
                  " but the bytes are " + compression_word(scan.stats.compression));
    }
    check_scan(scan, diff_id, where);
  }

  void check_scan(const LayerScan& scan, const Digest* diff_id, const std::string& where) {
    if (!scan.fault_check.empty()) problem(scan.fault_check, where, scan.fault);
    if (diff_id != nullptr && scan.diff_id && *scan.diff_id != *diff_id) {
      problem("diff-id", where,
              "the config's diff_id is " + diff_id->str() +
                  " but the uncompressed layer hashes to " + scan.diff_id->str());
    }
  }

  /// A member manifest.json names must exist; false (and a problem unless the OCI checks
  /// already said the blob is missing) when it does not.
  bool named_member_exists(const std::string& path, const std::string& what,
                           const std::string& where) {
    if (bundle_.contains(path)) return true;
    if (!walk_.was_missing(path)) {
      problem("manifest-json", where, what + " " + path + " is not in the archive");
    }
    return false;
  }

  /// Docker 25+ and pare write manifest.json over the blobs of index.json: it must name the
  /// same config and the same layers, in order, as one of its manifests.
  void cross_check(const DockerItem& e, const std::string& where) {
    bool complete = named_member_exists(e.config, "Config", where);
    for (const auto& l : e.layers) complete = named_member_exists(l, "layer", where) && complete;
    if (!complete) return;
    // "blobs/sha256/<hex>" names its digest; whether the bytes hash to it is blob-digest's
    // question, so a damaged blob is not reported twice. Other names are hashed.
    auto digest_of = [&](const std::string& path) {
      auto named = digest_from_name(path);
      return named ? *named : walk_.hash_file(path);
    };
    const Digest config = digest_of(e.config);
    std::vector<Digest> layers;
    layers.reserve(e.layers.size());
    for (const auto& l : e.layers) layers.push_back(digest_of(l));
    const OciImage* same_config = nullptr;
    for (const auto& image : oci_images_) {
      if (image.config != config) continue;
      if (image.layers == layers) return;
      same_config = &image;
    }
    if (same_config == nullptr) {
      if (oci_incomplete_) return;  // the manifest it matches may be the unreadable one
      problem("manifest-json", where,
              "Config " + e.config + " is the config of no manifest in index.json");
      return;
    }
    std::string detail;
    if (same_config->layers.size() != layers.size()) {
      detail = "it names " + plural(layers.size(), "layer") + ", the manifest " +
               std::to_string(same_config->layers.size());
    } else {
      for (std::size_t i = 0; i < layers.size(); ++i) {
        if (layers[i] != same_config->layers[i]) {
          detail = "layer " + std::to_string(i) + " is " + layers[i].str() +
                   ", the manifest's is " + same_config->layers[i].str();
          break;
        }
      }
    }
    problem("manifest-json", where,
            "Layers differ from manifest " + short_name(same_config->manifest) + ": " + detail);
  }

  /// A plain docker save: manifest.json is the only statement, so the config and layers are
  /// checked against it and against each other.
  void check_docker_image(const DockerItem& e, const std::string& where) {
    ++counts_.manifests;
    const std::string config_where = "config " + e.config;
    const auto bytes = walk_.read_docker_config(e);
    if (!bytes) return;
    const auto cj = walk_.parse(*bytes, config_where, "json", config_where);
    if (!cj) return;
    if (!selected(e.names, config_platform(*cj))) return;
    ++selected_;
    ++counts_.configs;
    const auto cfg = check_config(*cj, config_where);
    if (cfg) walk_.check_counts(*cfg, e.layers.size(), where);
    for (std::size_t i = 0; i < e.layers.size(); ++i) {
      const std::string& path = e.layers[i];
      const std::string lw = "layer " + std::to_string(i) + " " + path;
      if (!bundle_.contains(path)) {
        problem("blob-missing", lw, "the layer file is not in the archive");
        continue;
      }
      const LayerScan& scan = scan_layer(path);
      if (auto named = digest_from_name(path); named && *named != scan.stats.digest) {
        problem("blob-digest", lw,
                "the file's bytes hash to " + scan.stats.digest.str() + ", not " + named->str() +
                    " as its name says");
      }
      check_scan(scan, cfg && i < cfg->diff_ids.size() ? &cfg->diff_ids[i] : nullptr, lw);
    }
  }

  const Bundle& bundle_;
  const StructureOptions& options_;
  FaultCollector faults_;
  FormatWalk walk_;
  StructureCounts counts_;
  std::map<std::string, LayerScan> scans_;
  /// The layers verify inflates, each once, count against one image's limit together.
  ImageBudget inflated_;
  std::vector<OciImage> oci_images_;
  std::size_t selected_ = 0;
  bool oci_listed_ = false;      ///< index.json names at least one image manifest
  bool oci_incomplete_ = false;  ///< and one of them could not be read
};

}  // namespace

StructureReport verify_structure(const Bundle& bundle, const StructureOptions& options) {
  return Checker(bundle, options).run();
}

}  // namespace pare
