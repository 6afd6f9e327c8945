#include "pare/image/walk.hpp"

#include <algorithm>
#include <utility>

#include "pare/digest/sha256.hpp"
#include "pare/image/image.hpp"
#include "pare/image/media_types.hpp"
#include "pare/util/error.hpp"
#include "pare/util/format.hpp"
#include "pare/util/limits.hpp"

namespace pare {

using nlohmann::json;

void FaultPolicy::hashed(const std::string& /*path*/, std::uint64_t /*size*/) {}

void StopAtFirstFault::report(Fault fault) {
  if (fault.stop.empty()) return;
  throw Error::bad_input(bundle_.describe(), fault.stop, std::move(fault.hint));
}

void FaultCollector::report(Fault fault) {
  if (fault.check.empty()) return;
  std::replace(fault.message.begin(), fault.message.end(), '\n', ' ');
  if (!seen_.emplace(fault.check, fault.where, fault.message).second) return;
  problems.push_back({std::move(fault.check), std::move(fault.where), std::move(fault.message)});
}

void FaultCollector::hashed(const std::string& path, std::uint64_t size) {
  if (counted_.insert(path).second) {
    ++blobs;
    bytes += size;
  }
}

std::string short_name(const Digest& d) {
  return "sha256:" + d.short_hex();
}

std::string json_message(const json::exception& e) {
  std::string msg = e.what();
  if (auto pos = msg.find("] "); pos != std::string::npos) msg = msg.substr(pos + 2);
  return msg;
}

std::optional<json> FormatWalk::parse(std::span<const std::byte> bytes, const std::string& where,
                                      const std::string& check, const std::string& what) {
  // nlohmann's parser takes any depth, and what reads the document after may recurse.
  if (json_nests_deeper(bytes, limits_.max_json_depth)) {
    const std::string deeper = "nests arrays and objects deeper than the limit of " +
                               std::to_string(limits_.max_json_depth) + " (--max-json-depth)";
    policy_.report({check, where, deeper, what + " " + deeper});
    return std::nullopt;
  }
  try {
    return json::parse(bytes.begin(), bytes.end());
  } catch (const json::exception& e) {  // a syntax error, or a number too large (1e400)
    policy_.report({check, where, "is not valid JSON: " + json_message(e),
                    what + " is not valid JSON (" + e.what() + ")"});
    return std::nullopt;
  }
}

bool FormatWalk::past_json_limit(std::uint64_t size, const std::string& check,
                                 const std::string& where, const std::string& subject) {
  const std::uint64_t limit = limits_.max_json_bytes;
  if (size <= limit) return false;
  policy_.report({check, where,
                  "is " + std::to_string(size) + " bytes, past the limit of " +
                      std::to_string(limit) + " for a JSON document (--max-json-bytes)",
                  subject + "larger than the " + std::to_string(limit) +
                      " bytes expected (--max-json-bytes)"});
  return true;
}

std::optional<std::vector<std::byte>> FormatWalk::read_file(const std::string& path,
                                                            const std::string& check) {
  const auto size = bundle_.size(path);
  if (!size) return std::nullopt;
  if (past_json_limit(*size, check, path, path + ": ")) return std::nullopt;
  return bundle_.read(path, limits_.max_json_bytes);
}

Digest FormatWalk::hash_file(const std::string& path) {
  if (auto it = digests_.find(path); it != digests_.end()) return it->second;
  auto source = bundle_.open(path);
  HashingSource hashing(*source);
  return remember(path, hashing.finish(), hashing.count());
}

Digest FormatWalk::hash_read(const std::string& path, std::span<const std::byte> bytes) {
  return remember(path, sha256_of(bytes), bytes.size());
}

Digest FormatWalk::remember(const std::string& path, const Digest& d, std::uint64_t size) {
  policy_.hashed(path, size);
  digests_.emplace(path, d);
  return d;
}

bool FormatWalk::check_present(const Descriptor& d, const std::string& where,
                               const std::string& what) {
  const std::string path = blob_path(d.digest);
  const auto size = bundle_.size(path);
  const std::string blob = what.empty() ? "" : what + " blob " + d.digest.str();
  if (!size) {
    missing_.insert(path);
    policy_.report({"blob-missing", where, "blob " + d.digest.str() + " is not in the image",
                    blob.empty() ? "" : blob + " is missing"});
    return false;
  }
  if (*size != static_cast<std::uint64_t>(d.size)) {
    policy_.report({"blob-size", where,
                    "the descriptor says " + std::to_string(d.size) + " bytes, the blob has " +
                        std::to_string(*size),
                    blob.empty() ? ""
                                 : blob + " is " + std::to_string(*size) +
                                       " bytes but its descriptor says " + std::to_string(d.size)});
  }
  return true;
}

void FormatWalk::check_digest(const Descriptor& d, const Digest& actual, const std::string& where,
                              const std::string& what) {
  if (actual == d.digest) return;
  policy_.report(
      {"blob-digest", where, "the blob's bytes hash to " + actual.str() + ", not " + d.digest.str(),
       what.empty()
           ? ""
           : what + " blob digest mismatch: expected " + d.digest.str() + ", got " + actual.str()});
}

std::optional<std::vector<std::byte>> FormatWalk::read_blob(const Descriptor& d,
                                                            const std::string& where,
                                                            const std::string& what) {
  if (!check_present(d, where, what)) return std::nullopt;
  const std::string path = blob_path(d.digest);
  const std::uint64_t size = *bundle_.size(path);
  if (past_json_limit(size, "json", where, what + " blob " + d.digest.str() + " is ")) {
    check_digest(d, hash_file(path), where, what);
    return std::nullopt;
  }
  auto bytes = bundle_.read(path, limits_.max_json_bytes);
  check_digest(d, hash_read(path, bytes), where, what);
  return bytes;
}

std::optional<json> FormatWalk::read_json_blob(const Descriptor& d, const std::string& where,
                                               const std::string& what) {
  const auto bytes = read_blob(d, where, what);
  if (!bytes) return std::nullopt;
  return parse(*bytes, where, "json", what + " " + d.digest.str());
}

FormatFiles FormatWalk::files() const {
  return {bundle_.contains("oci-layout"), bundle_.contains("index.json"),
          bundle_.contains("manifest.json"), bundle_.contains("repositories")};
}

void FormatWalk::read_layout_file() {
  if (!bundle_.contains("oci-layout")) {
    policy_.report({"oci-layout", "oci-layout",
                    "an OCI layout (it has index.json) needs an oci-layout file",
                    "an OCI layout without its oci-layout file"});
    return;
  }
  const auto bytes = read_file("oci-layout", "oci-layout");
  if (!bytes) return;
  const auto j = parse(*bytes, "oci-layout", "oci-layout", "oci-layout");
  if (!j) return;
  auto it = j->is_object() ? j->find("imageLayoutVersion") : j->end();
  const std::string version =
      j->is_object() && it != j->end() && it->is_string() ? it->get<std::string>() : "";
  const std::string stop =
      "oci-layout has imageLayoutVersion \"" + version + R"(", expected "1.0.0")";
  if (!j->is_object()) {
    policy_.report({"oci-layout", "oci-layout", "is not a JSON object", stop});
  } else if (it == j->end()) {
    policy_.report({"oci-layout", "oci-layout", "has no imageLayoutVersion", stop});
  } else if (*it != "1.0.0") {
    policy_.report({"oci-layout", "oci-layout",
                    "imageLayoutVersion is " + it->dump() + R"(, expected "1.0.0")", stop});
  }
}

void FormatWalk::walk_index(const std::function<void(const ListedManifest&)>& on_manifest) {
  if (!bundle_.contains("index.json")) {
    policy_.report({"oci-layout", "index.json", "an OCI layout needs index.json",
                    "an OCI layout without index.json"});
    return;
  }
  ++indexes_;
  const auto bytes = read_file("index.json", "json");
  if (!bytes) return;
  if (auto j = parse(*bytes, "index.json", "json", "index.json")) {
    // containerd omits the index's own mediaType; when present it must be the OCI index's.
    walk_index_document(*j, std::string(media_type::kOciIndex), "index.json", "index.json", 0, {},
                        on_manifest);
  }
}

std::optional<Descriptor> FormatWalk::descriptor(const json& j, const std::string& where) {
  if (!j.is_object()) {
    policy_.report({"json", where, "is not a descriptor (a JSON object)"});
    return std::nullopt;
  }
  Descriptor d;
  try {
    d = j.get<Descriptor>();
  } catch (const json::exception& e) {
    policy_.report({"json", where, "is not a valid descriptor: " + json_message(e)});
    return std::nullopt;
  }
  if (d.media_type.empty()) {
    policy_.report({"media-type", where, "the descriptor has no mediaType"});
  }
  return d;
}

void FormatWalk::check_schema_version(const json& j, const std::string& where,
                                      const std::string& stop) {
  auto it = j.find("schemaVersion");
  if (it == j.end()) {
    policy_.report({"json", where, "has no schemaVersion"});
  } else if (!it->is_number_integer() || it->get<int>() != 2) {
    policy_.report({"json", where, "has schemaVersion " + it->dump() + ", expected 2",
                    stop.empty() || !it->is_number_integer() ? "" : stop + it->dump()});
  }
}

void FormatWalk::check_own_media_type(const json& j, const std::string& expected,
                                      const std::string& where) {
  auto it = j.find("mediaType");
  if (it == j.end() || it->is_null()) return;
  if (!it->is_string()) {
    policy_.report({"json", where, "has a mediaType that is not a string"});
  } else if (it->get<std::string>() != expected) {
    policy_.report(
        {"media-type", where,
         "the descriptor says " + expected + " but the document says " + it->get<std::string>()});
  }
}

std::optional<std::vector<std::byte>> FormatWalk::read_docker_config(const DockerItem& item) {
  const std::string where = "config " + item.config;
  if (!bundle_.contains(item.config)) {
    policy_.report(
        {"blob-missing", where,
         "the Config of manifest.json[" + std::to_string(item.position) + "] is not in the archive",
         where + " is missing"});
    return std::nullopt;
  }
  const auto size = *bundle_.size(item.config);
  if (past_json_limit(size, "json", where, item.config + ": ")) return std::nullopt;
  auto bytes = bundle_.read(item.config, limits_.max_json_bytes);
  const Digest actual = hash_read(item.config, bytes);
  if (auto named = digest_from_name(item.config); named && *named != actual) {
    policy_.report(
        {"blob-digest", where,
         "the file's bytes hash to " + actual.str() + ", not " + named->str() + " as its name says",
         where + " digest mismatch: expected " + named->str() + ", got " + actual.str()});
  }
  return bytes;
}

std::optional<ManifestFacts> FormatWalk::read_manifest(const Descriptor& d,
                                                       const std::string& where) {
  auto j = read_json_blob(d, where, "manifest");
  if (!j) return std::nullopt;
  const std::string what = "manifest " + d.digest.str();
  // The loader decodes the manifest whole and says so in one line; verify says each part.
  try {
    (void)j->get<Manifest>();
  } catch (const json::exception& e) {
    policy_.report({"", where, "", what + " is malformed: " + json_message(e)});
  }
  if (!j->is_object()) {
    policy_.report({"json", where, "is not a JSON object"});
    return std::nullopt;
  }
  check_schema_version(*j, where, what + " has schemaVersion ");
  if (!d.media_type.empty()) check_own_media_type(*j, d.media_type, where);
  ManifestFacts facts;
  // The family the document itself states; a descriptor that disagrees is reported above.
  std::string own_type = d.media_type;
  if (auto it = j->find("mediaType"); it != j->end() && it->is_string()) {
    own_type = it->get<std::string>();
  }
  facts.family = own_type == media_type::kDockerManifest ? media_type::Family::kDocker
                                                         : media_type::Family::kOci;
  if (auto it = j->find("config"); it == j->end()) {
    policy_.report({"json", where, "has no config"});
  } else {
    facts.config = descriptor(*it, where + " config");
  }
  if (auto it = j->find("layers"); it == j->end() || !it->is_array()) {
    policy_.report({"json", where, "has no layers array"});
    facts.layers_ok = false;
  } else {
    for (std::size_t i = 0; i < it->size(); ++i) {
      if (auto l = descriptor((*it)[i], where + " layers[" + std::to_string(i) + "]")) {
        facts.layers.push_back(std::move(*l));
      } else {
        facts.layers_ok = false;
      }
    }
  }
  facts.document = std::move(*j);
  return facts;
}

std::optional<Config> FormatWalk::read_config(const json& j, const std::string& where,
                                              const std::string& what) {
  // The loader's two questions first, in its words: is it a config, can the model read it.
  if (!j.is_object() || !j.contains("rootfs")) {
    policy_.report({"", where, "", what + " is not an image config (no rootfs)"});
  }
  std::optional<Config> config;
  std::string undecodable;
  try {
    config = j.get<Config>();
  } catch (const json::exception& e) {
    undecodable = json_message(e);
    policy_.report({"", where, "", what + " is malformed: " + undecodable});
  }
  if (!j.is_object()) {
    policy_.report({"json", where, "is not a JSON object"});
    return std::nullopt;
  }
  bool ok = true;  // false when a part the model needs is missing
  for (const char* key : {"architecture", "os"}) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) {
      policy_.report({"json", where, std::string("has no ") + key + " string"});
    }
  }
  auto rootfs = j.find("rootfs");
  if (rootfs == j.end() || !rootfs->is_object()) {
    policy_.report({"json", where, "has no rootfs object"});
    ok = false;
  } else {
    if (rootfs->value("type", json()) != "layers") {
      policy_.report({"json", where, "rootfs.type is not \"layers\""});
    }
    auto ids = rootfs->find("diff_ids");
    if (ids == rootfs->end() || !ids->is_array()) {
      policy_.report({"json", where, "rootfs has no diff_ids array"});
      ok = false;
    }
  }
  if (auto h = j.find("history"); h != j.end() && !h->is_null()) {
    if (!h->is_array()) {
      policy_.report({"json", where, "history is not an array"});
      ok = false;
    } else {
      for (std::size_t i = 0; i < h->size(); ++i) {
        if (!(*h)[i].is_object()) {
          policy_.report({"json", where, "history[" + std::to_string(i) + "] is not an object"});
          ok = false;
        }
      }
    }
  }
  if (!ok) return std::nullopt;
  if (!config) policy_.report({"json", where, "is not a valid image config: " + undecodable});
  return config;
}

void FormatWalk::check_counts(const Config& config, std::size_t layers, const std::string& where) {
  if (config.diff_ids.size() != layers) {
    policy_.report({"layer-count", where,
                    "the manifest lists " + plural(layers, "layer") + " but the config has " +
                        plural(config.diff_ids.size(), "diff_id"),
                    "the manifest lists " + std::to_string(layers) + " layers but the config has " +
                        std::to_string(config.diff_ids.size()) + " diff_ids"});
  }
  if (config.history.empty()) return;
  const auto non_empty =
      static_cast<std::size_t>(std::count_if(config.history.begin(), config.history.end(),
                                             [](const HistoryEntry& h) { return !h.empty_layer; }));
  if (non_empty != layers) {
    policy_.report({"history", where,
                    "the history has " + plural(non_empty, "entry") +
                        " without empty_layer but the image has " + plural(layers, "layer"),
                    "the config's history has " + std::to_string(non_empty) +
                        " entries for layers but the image has " + std::to_string(layers) +
                        " layers"});
  }
}

void FormatWalk::walk_index_document(
    const json& j, const std::string& media_type, const std::string& where, const std::string& what,
    int depth, const std::vector<std::string>& names,
    const std::function<void(const ListedManifest&)>& on_manifest) {
  // The loader decodes the index whole and says so in one line; verify says each part below.
  try {
    (void)j.get<Index>();
  } catch (const json::exception& e) {
    policy_.report({"", where, "", what + " is malformed: " + json_message(e)});
  }
  if (!j.is_object()) {
    policy_.report({"json", where, "is not a JSON object"});
    return;
  }
  check_schema_version(j, where, "");
  check_own_media_type(j, media_type, where);
  auto list = j.find("manifests");
  // Docker 25.0.0-25.0.2 saved images by ID with "manifests": null (Go's nil slice) and
  // put the image in manifest.json only; docker load reads that, so it is no fault.
  if (list != j.end() && list->is_null()) return;
  if (list == j.end() || !list->is_array()) {
    policy_.report({"json", where, "has no manifests array"});
    return;
  }
  if (list->size() > limits_.max_manifests) {
    const std::string many = "lists " + std::to_string(list->size()) +
                             " manifests, past the limit of " +
                             std::to_string(limits_.max_manifests) + " (--max-manifests)";
    policy_.report({"json", where, many, what + " " + many});
    return;
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    auto d = descriptor((*list)[i], where + " manifests[" + std::to_string(i) + "]");
    if (!d) continue;
    std::vector<std::string> child_names = names;
    // Names are only valid on index.json's descriptors (annotations.md).
    if (depth == 0) {
      if (auto name = image_name(*d)) child_names.push_back(std::move(*name));
    }
    if (media_type::is_index(d->media_type)) {
      const std::string child = "index " + short_name(d->digest);
      if (static_cast<std::uint64_t>(depth) + 1 > limits_.max_index_depth) {
        const std::string deeper = "indexes nest deeper than the limit of " +
                                   std::to_string(limits_.max_index_depth) + " (--max-index-depth)";
        policy_.report({"json", child, deeper, deeper});
        continue;
      }
      ++indexes_;
      if (auto cj = read_json_blob(*d, child, "index")) {
        walk_index_document(*cj, d->media_type, child, "index " + d->digest.str(), depth + 1,
                            child_names, on_manifest);
      }
    } else if (media_type::is_manifest(d->media_type) || d->media_type.empty()) {
      on_manifest(ListedManifest{*d, child_names, is_attestation(*d), depth > 0});
    } else {
      // Artifacts, signatures, anything pare cannot tell apart from a mistake.
      const std::string blob = "blob " + short_name(d->digest);
      policy_.report({"media-type", blob, "unknown media type " + d->media_type});
      if (check_present(*d, blob, "")) check_digest(*d, hash_file(blob_path(d->digest)), blob, "");
    }
  }
}

std::vector<DockerItem> FormatWalk::docker_items() {
  std::vector<DockerItem> out;
  const auto bytes = read_file("manifest.json", "json");
  if (!bytes) return out;
  const auto j = parse(*bytes, "manifest.json", "json", "manifest.json");
  if (!j) return out;
  if (!j->is_array()) {
    policy_.report({"json", "manifest.json",
                    "is not a JSON array (docker save writes one item per image)",
                    "manifest.json is not a docker-save manifest (expected a JSON array, got " +
                        std::string(j->type_name()) + ")"});
    return out;
  }
  if (j->size() > limits_.max_manifests) {
    const std::string many = "lists " + std::to_string(j->size()) + " images, past the limit of " +
                             std::to_string(limits_.max_manifests) + " (--max-manifests)";
    policy_.report({"json", "manifest.json", many, "manifest.json " + many});
    return out;
  }
  for (std::size_t n = 0; n < j->size(); ++n) {
    const json& item = (*j)[n];
    const std::string where = "manifest.json[" + std::to_string(n) + "]";
    const std::string without = "manifest.json has an entry without Config and Layers";
    if (!item.is_object() || !item.contains("Config") || !item["Config"].is_string()) {
      policy_.report({"json", where, "has no Config path", without});
      continue;
    }
    if (!item.contains("Layers") || !item["Layers"].is_array()) {
      policy_.report({"json", where, "has no Layers array of paths", without});
      continue;
    }
    if (!std::all_of(item["Layers"].begin(), item["Layers"].end(),
                     [](const json& l) { return l.is_string(); })) {
      policy_.report({"json", where, "has no Layers array of paths",
                      "manifest.json lists a layer that is not a path"});
      continue;
    }
    DockerItem e;
    e.position = n;
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

}  // namespace pare
