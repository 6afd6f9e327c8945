#include "pare/verify/structure.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include <nlohmann/json.hpp>

#include "pare/archive/compression.hpp"
#include "pare/archive/tar_reader.hpp"
#include "pare/digest/sha256.hpp"
#include "pare/image/limits.hpp"
#include "pare/image/media_types.hpp"
#include "pare/image/model.hpp"
#include "pare/util/error.hpp"
#include "pare/util/time.hpp"

namespace pare {

namespace {

using nlohmann::json;

std::string short_name(const Digest& d) {
  return "sha256:" + d.short_hex();
}

/// nlohmann's "[json.exception.parse_error.101] parse error at ..." without the bracket part.
std::string json_message(const json::exception& e) {
  std::string msg = e.what();
  if (auto pos = msg.find("] "); pos != std::string::npos) msg = msg.substr(pos + 2);
  return msg;
}

/// "an OCI" / "a Docker", for messages.
std::string with_article(media_type::Family f) {
  return f == media_type::Family::kOci ? "an OCI" : "a Docker";
}

/// The same platform once the default variants are filled in (containerd's normalization:
/// arm64 = arm64/v8, amd64 = amd64/v1). matches() lets an empty wanted variant accept any, so
/// it is asked both ways.
bool same_platform(const Platform& a, const Platform& b) {
  return a.matches(b) && b.matches(a);
}

std::string plural(std::uint64_t n, const std::string& one) {
  if (n == 1) return "1 " + one;
  if (one.ends_with('y')) return std::to_string(n) + " " + one.substr(0, one.size() - 1) + "ies";
  return std::to_string(n) + " " + one + "s";
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

class Checker {
 public:
  Checker(const Bundle& bundle, const StructureOptions& options)
      : bundle_(bundle), options_(options) {}

  StructureReport run() {
    const bool layout = bundle_.contains("oci-layout");
    const bool index = bundle_.contains("index.json");
    const bool docker = bundle_.contains("manifest.json");
    if (!layout && !index && !docker) {
      throw Error::bad_input(bundle_.describe(),
                             "not an image: no manifest.json, index.json or oci-layout in it");
    }
    if (layout || index) check_oci(layout, index);
    // Docker 25.0.0-25.0.2 saved images by ID with an empty index.json: manifest.json is
    // then the only statement, and gets the full checks.
    if (docker) check_docker(oci_listed_ ? &oci_images_ : nullptr);
    if (selecting() && selected_ == 0 && report_.problems.empty()) {
      const auto& s = options_.selector;
      throw Error::bad_input(bundle_.describe(),
                             s.platform ? "holds no image for platform " + s.platform->str()
                                        : "holds no image named " + s.name);
    }
    return std::move(report_);
  }

 private:
  void problem(const std::string& check, const std::string& where, std::string message) {
    std::replace(message.begin(), message.end(), '\n', ' ');
    // A blob several manifests name is checked once per mention; say each fault once.
    if (!seen_.emplace(check, where, message).second) return;
    report_.problems.push_back({check, where, std::move(message)});
  }

  bool selecting() const {
    return options_.selector.platform.has_value() || !options_.selector.name.empty();
  }

  bool selected(const std::vector<std::string>& names, const Platform& platform) const {
    const auto& s = options_.selector;
    if (!s.name.empty() && !image_name_matches(names, s.name)) return false;
    return !s.platform || platform.matches(*s.platform);
  }

  /// Counts a blob the first time it is hashed.
  void count_blob(const std::string& path, std::uint64_t size) {
    if (counted_.insert(path).second) {
      ++report_.counts.blobs;
      report_.counts.bytes += size;
    }
  }

  // ---- reading -------------------------------------------------------------------------

  std::optional<json> parse(std::span<const std::byte> bytes, const std::string& where,
                            const std::string& check) {
    try {
      return json::parse(bytes.begin(), bytes.end());
    } catch (const json::parse_error& e) {
      problem(check, where, "is not valid JSON: " + json_message(e));
      return std::nullopt;
    }
  }

  /// A small file that is not a blob (oci-layout, index.json, manifest.json).
  std::optional<json> read_json_file(const std::string& path, const std::string& check) {
    const auto size = bundle_.size(path);
    if (!size) return std::nullopt;
    if (*size > kMaxJsonBytes) {
      problem(check, path,
              "is " + std::to_string(*size) + " bytes, more than a JSON document may be");
      return std::nullopt;
    }
    return parse(bundle_.read(path, kMaxJsonBytes), path, check);
  }

  /// The stored digest of any file, streamed and remembered.
  Digest hash_file(const std::string& path) {
    if (auto it = digests_.find(path); it != digests_.end()) return it->second;
    auto source = bundle_.open(path);
    HashingSource hashing(*source);
    Digest d = hashing.finish();
    count_blob(path, hashing.count());
    digests_.emplace(path, d);
    return d;
  }

  /// Checks that the blob a descriptor names is there, of its size; false when it is absent.
  bool check_present(const Descriptor& d, const std::string& where) {
    const std::string path = blob_path(d.digest);
    const auto size = bundle_.size(path);
    if (!size) {
      missing_.insert(path);
      problem("blob-missing", where, "blob " + d.digest.str() + " is not in the image");
      return false;
    }
    if (*size != static_cast<std::uint64_t>(d.size)) {
      problem("blob-size", where,
              "the descriptor says " + std::to_string(d.size) + " bytes, the blob has " +
                  std::to_string(*size));
    }
    return true;
  }

  void check_digest(const Descriptor& d, const Digest& actual, const std::string& where) {
    if (actual != d.digest) {
      problem("blob-digest", where,
              "the blob's bytes hash to " + actual.str() + ", not " + d.digest.str());
    }
  }

  /// A JSON blob (index, manifest, config): present, its size and digest checked, parsed.
  std::optional<json> read_json_blob(const Descriptor& d, const std::string& where) {
    if (!check_present(d, where)) return std::nullopt;
    const std::string path = blob_path(d.digest);
    const std::uint64_t size = *bundle_.size(path);
    if (size > kMaxJsonBytes) {
      problem("json", where,
              "is " + std::to_string(size) + " bytes, more than a JSON document may be");
      check_digest(d, hash_file(path), where);
      return std::nullopt;
    }
    const auto bytes = bundle_.read(path, kMaxJsonBytes);
    const Digest actual = sha256_of(bytes);
    count_blob(path, bytes.size());
    digests_.emplace(path, actual);
    check_digest(d, actual, where);
    return parse(bytes, where, "json");
  }

  /// What a layer blob holds, streamed once (or taken from a pass that already did): the
  /// digest and size of its bytes, the compression they show, and the digest of the tar inside.
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
      scan = stream_layer(
          *source, options_.limits, [](const TarEntry&, TarReader&) {},
          /*collect=*/true);
    }
    count_blob(path, scan.stats.compressed_size);
    digests_.emplace(path, scan.stats.digest);
    ++report_.counts.layers;
    return scans_.emplace(path, std::move(scan)).first->second;
  }

  // ---- shapes ----------------------------------------------------------------------------

  std::optional<Descriptor> descriptor(const json& j, const std::string& where) {
    if (!j.is_object()) {
      problem("json", where, "is not a descriptor (a JSON object)");
      return std::nullopt;
    }
    Descriptor d;
    try {
      d = j.get<Descriptor>();
    } catch (const json::exception& e) {
      problem("json", where, "is not a valid descriptor: " + json_message(e));
      return std::nullopt;
    }
    if (d.media_type.empty()) problem("media-type", where, "the descriptor has no mediaType");
    return d;
  }

  /// schemaVersion must be 2 in indexes and manifests.
  void check_schema_version(const json& j, const std::string& where) {
    auto it = j.find("schemaVersion");
    if (it == j.end()) {
      problem("json", where, "has no schemaVersion");
    } else if (!it->is_number_integer() || it->get<int>() != 2) {
      problem("json", where, "has schemaVersion " + it->dump() + ", expected 2");
    }
  }

  /// A document's own mediaType field against the descriptor that points at it.
  void check_own_media_type(const json& j, const std::string& expected, const std::string& where) {
    auto it = j.find("mediaType");
    if (it == j.end() || it->is_null()) return;
    if (!it->is_string()) {
      problem("json", where, "has a mediaType that is not a string");
    } else if (it->get<std::string>() != expected) {
      problem(
          "media-type", where,
          "the descriptor says " + expected + " but the document says " + it->get<std::string>());
    }
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

  /// An image config: its required keys, its times, and the model decoded.
  std::optional<Config> check_config(const json& j, const std::string& where) {
    if (!j.is_object()) {
      problem("json", where, "is not a JSON object");
      return std::nullopt;
    }
    bool ok = true;  // false when the model cannot be decoded
    for (const char* key : {"architecture", "os"}) {
      auto it = j.find(key);
      if (it == j.end() || !it->is_string()) {
        problem("json", where, std::string("has no ") + key + " string");
      }
    }
    auto rootfs = j.find("rootfs");
    if (rootfs == j.end() || !rootfs->is_object()) {
      problem("json", where, "has no rootfs object");
      ok = false;
    } else {
      if (rootfs->value("type", json()) != "layers") {
        problem("json", where, "rootfs.type is not \"layers\"");
      }
      auto ids = rootfs->find("diff_ids");
      if (ids == rootfs->end() || !ids->is_array()) {
        problem("json", where, "rootfs has no diff_ids array");
        ok = false;
      }
    }
    check_created(j, where);
    if (auto h = j.find("history"); h != j.end() && !h->is_null()) {
      if (!h->is_array()) {
        problem("json", where, "history is not an array");
        ok = false;
      } else {
        for (std::size_t i = 0; i < h->size(); ++i) {
          const json& entry = (*h)[i];
          if (!entry.is_object()) {
            problem("json", where, "history[" + std::to_string(i) + "] is not an object");
            ok = false;
          } else {
            check_created(entry, where + " history[" + std::to_string(i) + "]");
          }
        }
      }
    }
    if (!ok) return std::nullopt;
    try {
      return j.get<Config>();
    } catch (const json::exception& e) {
      problem("json", where, "is not a valid image config: " + json_message(e));
      return std::nullopt;
    }
  }

  /// The counts a config and a manifest must agree on.
  void check_counts(const Config& config, std::size_t layers, const std::string& where) {
    if (config.diff_ids.size() != layers) {
      problem("layer-count", where,
              "the manifest lists " + plural(layers, "layer") + " but the config has " +
                  plural(config.diff_ids.size(), "diff_id"));
    }
    if (!config.history.empty()) {
      const auto non_empty = static_cast<std::size_t>(
          std::count_if(config.history.begin(), config.history.end(),
                        [](const HistoryEntry& h) { return !h.empty_layer; }));
      if (non_empty != layers) {
        problem("history", where,
                "the history has " + plural(non_empty, "entry") +
                    " without empty_layer but the "
                    "image has " +
                    plural(layers, "layer"));
      }
    }
  }

  // ---- OCI -------------------------------------------------------------------------------

  void check_oci(bool layout, bool index) {
    if (!layout) {
      problem("oci-layout", "oci-layout",
              "an OCI layout (it has index.json) needs an oci-layout file");
    } else if (auto j = read_json_file("oci-layout", "oci-layout")) {
      auto it = j->is_object() ? j->find("imageLayoutVersion") : j->end();
      if (!j->is_object()) {
        problem("oci-layout", "oci-layout", "is not a JSON object");
      } else if (it == j->end()) {
        problem("oci-layout", "oci-layout", "has no imageLayoutVersion");
      } else if (*it != "1.0.0") {
        problem("oci-layout", "oci-layout",
                "imageLayoutVersion is " + it->dump() + R"(, expected "1.0.0")");
      }
    }
    if (!index) {
      problem("oci-layout", "index.json", "an OCI layout needs index.json");
      return;
    }
    ++report_.counts.indexes;
    if (auto j = read_json_file("index.json", "json")) {
      // containerd omits the index's own mediaType; when present it must be the OCI index's.
      check_index(*j, std::string(media_type::kOciIndex), "index.json", 0, {});
    }
  }

  void check_index(const json& j, const std::string& media_type, const std::string& where,
                   int depth, const std::vector<std::string>& names) {
    if (!j.is_object()) {
      problem("json", where, "is not a JSON object");
      return;
    }
    check_schema_version(j, where);
    check_own_media_type(j, media_type, where);
    auto list = j.find("manifests");
    // Docker 25.0.0-25.0.2 saved images by ID with "manifests": null (Go's nil slice) and
    // put the image in manifest.json only; docker load reads that, so it is no fault.
    if (list != j.end() && list->is_null()) return;
    if (list == j.end() || !list->is_array()) {
      problem("json", where, "has no manifests array");
      return;
    }
    for (std::size_t i = 0; i < list->size(); ++i) {
      auto d = descriptor((*list)[i], where + " manifests[" + std::to_string(i) + "]");
      if (!d) continue;
      std::vector<std::string> child_names = names;
      if (depth == 0) {
        // Names are only valid on index.json's descriptors (annotations.md).
        if (auto name = image_name(*d)) child_names.push_back(std::move(*name));
      }
      check_descriptor(*d, depth + 1, child_names);
    }
  }

  void check_descriptor(const Descriptor& d, int depth, const std::vector<std::string>& names) {
    if (media_type::is_index(d.media_type)) {
      const std::string where = "index " + short_name(d.digest);
      if (depth > kMaxIndexDepth) {
        problem("json", where, "indexes nest deeper than " + std::to_string(kMaxIndexDepth));
        return;
      }
      ++report_.counts.indexes;
      if (auto j = read_json_blob(d, where)) check_index(*j, d.media_type, where, depth, names);
    } else if (media_type::is_manifest(d.media_type) || d.media_type.empty()) {
      check_manifest(d, names);
    } else {
      // Artifacts, signatures, anything pare cannot tell apart from a mistake.
      const std::string where = "blob " + short_name(d.digest);
      problem("media-type", where, "unknown media type " + d.media_type);
      if (check_present(d, where)) check_digest(d, hash_file(blob_path(d.digest)), where);
    }
  }

  void check_manifest(const Descriptor& d, const std::vector<std::string>& names) {
    const std::string where = "manifest " + short_name(d.digest);
    ++report_.counts.manifests;
    const bool attestation = is_attestation(d);
    oci_listed_ = true;
    const auto j = read_json_blob(d, where);
    if (!j || !j->is_object()) {
      // manifest.json cannot be compared with a manifest that cannot be read.
      oci_incomplete_ = true;
      if (j) problem("json", where, "is not a JSON object");
      return;
    }
    check_schema_version(*j, where);
    if (!d.media_type.empty()) check_own_media_type(*j, d.media_type, where);
    // The family the document itself states; a descriptor that disagrees is reported above.
    std::string own_type = d.media_type;
    if (auto it = j->find("mediaType"); it != j->end() && it->is_string()) {
      own_type = it->get<std::string>();
    }
    const media_type::Family family = own_type == media_type::kDockerManifest
                                          ? media_type::Family::kDocker
                                          : media_type::Family::kOci;

    std::optional<Descriptor> config;
    if (auto it = j->find("config"); it == j->end()) {
      problem("json", where, "has no config");
    } else {
      config = descriptor(*it, where + " config");
    }
    std::vector<Descriptor> layers;
    bool layers_ok = true;
    if (auto it = j->find("layers"); it == j->end() || !it->is_array()) {
      problem("json", where, "has no layers array");
      layers_ok = false;
    } else {
      for (std::size_t i = 0; i < it->size(); ++i) {
        if (auto l = descriptor((*it)[i], where + " layers[" + std::to_string(i) + "]")) {
          layers.push_back(std::move(*l));
        } else {
          layers_ok = false;
        }
      }
    }
    if (!config || !layers_ok) oci_incomplete_ = true;
    if (config && layers_ok) {
      OciImage facts{d.digest, config->digest, {}};
      for (const auto& l : layers) facts.layers.push_back(l.digest);
      oci_images_.push_back(std::move(facts));
    }

    if (attestation) {
      // buildkit's provenance: an empty config and in-toto JSON layers, no tar to check.
      if (config && check_present(*config, "config " + short_name(config->digest))) {
        check_digest(*config, hash_file(blob_path(config->digest)),
                     "config " + short_name(config->digest));
      }
      for (std::size_t i = 0; i < layers.size(); ++i) {
        const std::string lw = "layer " + std::to_string(i) + " " + short_name(layers[i].digest);
        if (check_present(layers[i], lw)) {
          check_digest(layers[i], hash_file(blob_path(layers[i].digest)), lw);
        }
      }
      return;
    }

    if (config) check_config_type(*config, family, where + " config");
    for (std::size_t i = 0; i < layers.size(); ++i) {
      check_layer_type(layers[i], family, where + " layers[" + std::to_string(i) + "]");
    }
    if (!config) return;

    const std::string config_where = "config " + short_name(config->digest);
    const auto cj = read_json_blob(*config, config_where);
    if (!cj) return;
    if (!selected(names, d.platform ? *d.platform : config_platform(*cj))) return;
    ++selected_;
    ++report_.counts.configs;
    const auto cfg = check_config(*cj, config_where);
    if (!cfg) {
      // Without diff_ids, the layers still get their blob checks.
      for (std::size_t i = 0; i < layers.size(); ++i) check_layer(layers[i], i, nullptr);
      return;
    }
    if (d.platform && !same_platform(*d.platform, cfg->platform())) {
      problem(
          "platform", where,
          "the index says " + d.platform->str() + " but the config says " + cfg->platform().str());
    }
    if (layers_ok) check_counts(*cfg, layers.size(), where);
    for (std::size_t i = 0; i < layers.size(); ++i) {
      check_layer(layers[i], i, i < cfg->diff_ids.size() ? &cfg->diff_ids[i] : nullptr);
    }
  }

  void check_config_type(const Descriptor& config, media_type::Family family,
                         const std::string& where) {
    const std::string_view expected =
        family == media_type::Family::kOci ? media_type::kOciConfig : media_type::kDockerConfig;
    if (config.media_type == expected) return;
    if (config.media_type == media_type::kOciConfig ||
        config.media_type == media_type::kDockerConfig) {
      problem("media-type", where,
              with_article(family) + " manifest with a config of media type " + config.media_type +
                  " (expected " + std::string(expected) + ")");
    } else if (!config.media_type.empty()) {
      problem("media-type", where, "unknown config media type " + config.media_type);
    }
  }

  void check_layer_type(const Descriptor& layer, media_type::Family family,
                        const std::string& where) {
    if (layer.media_type.empty()) return;  // reported with the descriptor
    const auto type = media_type::layer_type(layer.media_type);
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
    if (media_type::is_foreign_layer(d.media_type) && !bundle_.contains(blob_path(d.digest)))
      return;
    if (!check_present(d, where)) return;
    const LayerScan& scan = scan_layer(blob_path(d.digest));
    check_digest(d, scan.stats.digest, where);
    if (auto type = media_type::layer_type(d.media_type);
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

  // ---- docker-save -----------------------------------------------------------------------

  struct DockerEntry {
    std::string config;
    std::vector<std::string> layers;
    std::vector<std::string> names;
  };

  std::vector<DockerEntry> docker_entries() {
    std::vector<DockerEntry> out;
    const auto j = read_json_file("manifest.json", "json");
    if (!j) return out;
    if (!j->is_array()) {
      problem("json", "manifest.json",
              "is not a JSON array (docker save writes one item per image)");
      return out;
    }
    for (std::size_t n = 0; n < j->size(); ++n) {
      const json& item = (*j)[n];
      const std::string where = "manifest.json[" + std::to_string(n) + "]";
      if (!item.is_object() || !item.contains("Config") || !item["Config"].is_string()) {
        problem("json", where, "has no Config path");
        continue;
      }
      if (!item.contains("Layers") || !item["Layers"].is_array() ||
          !std::all_of(item["Layers"].begin(), item["Layers"].end(),
                       [](const json& l) { return l.is_string(); })) {
        problem("json", where, "has no Layers array of paths");
        continue;
      }
      DockerEntry e;
      e.config = item["Config"].get<std::string>();
      e.layers = item["Layers"].get<std::vector<std::string>>();
      if (auto tags = item.find("RepoTags"); tags != item.end() && tags->is_array()) {
        for (const auto& t : *tags) {
          if (t.is_string()) e.names.push_back(t.get<std::string>());
        }
      }
      out.push_back(std::move(e));
    }
    return out;
  }

  void check_docker(const std::vector<OciImage>* oci) {
    const auto entries = docker_entries();
    for (std::size_t n = 0; n < entries.size(); ++n) {
      const std::string where = "manifest.json[" + std::to_string(n) + "]";
      if (oci != nullptr) {
        cross_check(entries[n], *oci, where);
      } else {
        check_docker_image(entries[n], where);
      }
    }
  }

  /// A member manifest.json names must exist; false (and a problem unless the OCI checks
  /// already said the blob is missing) when it does not.
  bool named_member_exists(const std::string& path, const std::string& what,
                           const std::string& where) {
    if (bundle_.contains(path)) return true;
    if (!missing_.contains(path)) {
      problem("manifest-json", where, what + " " + path + " is not in the archive");
    }
    return false;
  }

  /// Docker 25+ and pare write manifest.json over the blobs of index.json: it must name the
  /// same config and the same layers, in order, as one of its manifests.
  void cross_check(const DockerEntry& e, const std::vector<OciImage>& oci,
                   const std::string& where) {
    bool complete = named_member_exists(e.config, "Config", where);
    for (const auto& l : e.layers) complete = named_member_exists(l, "layer", where) && complete;
    if (!complete) return;
    // "blobs/sha256/<hex>" names its digest; whether the bytes hash to it is blob-digest's
    // question, so a damaged blob is not reported twice. Other names are hashed.
    auto digest_of = [&](const std::string& path) {
      auto named = digest_from_name(path);
      return named ? *named : hash_file(path);
    };
    const Digest config = digest_of(e.config);
    std::vector<Digest> layers;
    layers.reserve(e.layers.size());
    for (const auto& l : e.layers) layers.push_back(digest_of(l));
    const OciImage* same_config = nullptr;
    for (const auto& image : oci) {
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
  void check_docker_image(const DockerEntry& e, const std::string& where) {
    ++report_.counts.manifests;
    const std::string config_where = "config " + e.config;
    if (!bundle_.contains(e.config)) {
      problem("blob-missing", config_where, "the Config of " + where + " is not in the archive");
      return;
    }
    const auto size = *bundle_.size(e.config);
    if (size > kMaxJsonBytes) {
      problem("json", config_where,
              "is " + std::to_string(size) + " bytes, more than a JSON document may be");
      return;
    }
    const auto bytes = bundle_.read(e.config, kMaxJsonBytes);
    const Digest actual = sha256_of(bytes);
    count_blob(e.config, bytes.size());
    if (auto named = digest_from_name(e.config); named && *named != actual) {
      problem("blob-digest", config_where,
              "the file's bytes hash to " + actual.str() + ", not " + named->str() +
                  " as its name says");
    }
    const auto cj = parse(bytes, config_where, "json");
    if (!cj) return;
    if (!selected(e.names, config_platform(*cj))) return;
    ++selected_;
    ++report_.counts.configs;
    const auto cfg = check_config(*cj, config_where);
    if (cfg) check_counts(*cfg, e.layers.size(), where);
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
  StructureReport report_;
  std::set<std::tuple<std::string, std::string, std::string>> seen_;
  std::set<std::string> counted_;
  std::set<std::string> missing_;
  std::map<std::string, Digest> digests_;
  std::map<std::string, LayerScan> scans_;
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
