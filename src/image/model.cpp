#include "pare/image/model.hpp"

#include <initializer_list>

#include "pare/util/json_integer.hpp"

namespace pare {

using nlohmann::json;

namespace {

/// Every key of `j` but `known`: what a type keeps to write back unchanged.
json unknown_keys(const json& j, std::initializer_list<const char*> known) {
  if (!j.is_object()) throw json::type_error::create(302, "expected an object", &j);
  json rest = j;
  for (const char* key : known) rest.erase(key);
  return rest;
}

/// Reads an optional key; a missing key or null leaves `out` as it is (the spec lets any
/// optional field be null).
template <typename T>
void optional_key(const json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) out = it->get<T>();
}

template <typename T>
void put_nonempty(json& j, const char* key, const T& value) {
  if (!value.empty()) j[key] = value;
}

void merge_unknown(json& j, const json& unknown) {
  for (const auto& [key, value] : unknown.items()) j[key] = value;
}

std::string default_variant(std::string_view arch) {
  if (arch == "arm64") return "v8";
  if (arch == "amd64") return "v1";
  if (arch == "arm") return "v7";
  return "";
}

}  // namespace

std::optional<Platform> Platform::parse(std::string_view text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = text.find('/', start);
    parts.emplace_back(text.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (parts.size() < 2 || parts.size() > 3) return std::nullopt;
  for (const auto& p : parts) {
    if (p.empty()) return std::nullopt;
  }
  Platform p;
  p.os = parts[0];
  p.architecture = parts[1];
  if (parts.size() == 3) p.variant = parts[2];
  return p;
}

std::string Platform::str() const {
  std::string s = os + "/" + architecture;
  if (!variant.empty()) s += "/" + variant;
  return s;
}

bool Platform::matches(const Platform& wanted) const {
  if (os != wanted.os || architecture != wanted.architecture) return false;
  if (wanted.variant.empty()) return true;
  const std::string mine = variant.empty() ? default_variant(architecture) : variant;
  return mine == wanted.variant;
}

void to_json(json& j, const Platform& p) {
  j = json::object();
  j["architecture"] = p.architecture;
  j["os"] = p.os;
  put_nonempty(j, "os.version", p.os_version);
  put_nonempty(j, "variant", p.variant);
  merge_unknown(j, p.unknown);
}

void from_json(const json& j, Platform& p) {
  p = Platform{};
  p.unknown = unknown_keys(j, {"architecture", "os", "variant", "os.version"});
  optional_key(j, "architecture", p.architecture);
  optional_key(j, "os", p.os);
  optional_key(j, "variant", p.variant);
  optional_key(j, "os.version", p.os_version);
}

void to_json(json& j, const Descriptor& d) {
  j = json::object();
  j["mediaType"] = d.media_type;
  j["digest"] = d.digest;
  j["size"] = d.size;
  put_nonempty(j, "urls", d.urls);
  put_nonempty(j, "annotations", d.annotations);
  if (d.platform) j["platform"] = *d.platform;
  merge_unknown(j, d.unknown);
}

void from_json(const json& j, Descriptor& d) {
  d = Descriptor{};
  d.unknown = unknown_keys(j, {"mediaType", "digest", "size", "urls", "annotations", "platform"});
  optional_key(j, "mediaType", d.media_type);
  d.digest = j.at("digest").get<Digest>();
  d.size = json_integer<std::int64_t>(j.at("size"));
  if (d.size < 0) throw json::other_error::create(501, "negative size", &j);
  optional_key(j, "urls", d.urls);
  optional_key(j, "annotations", d.annotations);
  if (auto it = j.find("platform"); it != j.end() && !it->is_null()) {
    d.platform = it->get<Platform>();
  }
}

void to_json(json& j, const Manifest& m) {
  j = json::object();
  j["schemaVersion"] = m.schema_version;
  put_nonempty(j, "mediaType", m.media_type);
  j["config"] = m.config;
  j["layers"] = m.layers;
  put_nonempty(j, "annotations", m.annotations);
  merge_unknown(j, m.unknown);
}

void from_json(const json& j, Manifest& m) {
  m = Manifest{};
  m.unknown = unknown_keys(j, {"schemaVersion", "mediaType", "config", "layers", "annotations"});
  m.schema_version = json_integer<int>(j.at("schemaVersion"));
  optional_key(j, "mediaType", m.media_type);
  m.config = j.at("config").get<Descriptor>();
  optional_key(j, "layers", m.layers);
  optional_key(j, "annotations", m.annotations);
}

void to_json(json& j, const Index& i) {
  j = json::object();
  j["schemaVersion"] = i.schema_version;
  put_nonempty(j, "mediaType", i.media_type);
  j["manifests"] = i.manifests;
  put_nonempty(j, "annotations", i.annotations);
  merge_unknown(j, i.unknown);
}

void from_json(const json& j, Index& i) {
  i = Index{};
  i.unknown = unknown_keys(j, {"schemaVersion", "mediaType", "manifests", "annotations"});
  i.schema_version = json_integer<int>(j.at("schemaVersion"));
  optional_key(j, "mediaType", i.media_type);
  if (!j.contains("manifests"))
    throw json::out_of_range::create(403, "key 'manifests' not found", &j);
  optional_key(j, "manifests", i.manifests);
  optional_key(j, "annotations", i.annotations);
}

void to_json(json& j, const HistoryEntry& h) {
  j = json::object();
  put_nonempty(j, "created", h.created);
  put_nonempty(j, "author", h.author);
  put_nonempty(j, "created_by", h.created_by);
  put_nonempty(j, "comment", h.comment);
  if (h.empty_layer) j["empty_layer"] = true;
  merge_unknown(j, h.unknown);
}

void from_json(const json& j, HistoryEntry& h) {
  h = HistoryEntry{};
  h.unknown = unknown_keys(j, {"created", "author", "created_by", "comment", "empty_layer"});
  optional_key(j, "created", h.created);
  optional_key(j, "author", h.author);
  optional_key(j, "created_by", h.created_by);
  optional_key(j, "comment", h.comment);
  optional_key(j, "empty_layer", h.empty_layer);
}

void to_json(json& j, const RunConfig& c) {
  j = json::object();
  put_nonempty(j, "User", c.user);
  put_nonempty(j, "Env", c.env);
  put_nonempty(j, "Entrypoint", c.entrypoint);
  put_nonempty(j, "Cmd", c.cmd);
  put_nonempty(j, "WorkingDir", c.working_dir);
  put_nonempty(j, "Labels", c.labels);
  put_nonempty(j, "StopSignal", c.stop_signal);
  merge_unknown(j, c.unknown);
}

void from_json(const json& j, RunConfig& c) {
  c = RunConfig{};
  c.unknown =
      unknown_keys(j, {"User", "Env", "Entrypoint", "Cmd", "WorkingDir", "Labels", "StopSignal"});
  optional_key(j, "User", c.user);
  optional_key(j, "Env", c.env);
  optional_key(j, "Entrypoint", c.entrypoint);
  optional_key(j, "Cmd", c.cmd);
  optional_key(j, "WorkingDir", c.working_dir);
  optional_key(j, "Labels", c.labels);
  optional_key(j, "StopSignal", c.stop_signal);
}

Platform Config::platform() const {
  Platform p;
  p.os = os;
  p.architecture = architecture;
  p.variant = variant;
  return p;
}

void to_json(json& j, const Config& c) {
  j = json::object();
  j["architecture"] = c.architecture;
  j["os"] = c.os;
  put_nonempty(j, "variant", c.variant);
  put_nonempty(j, "created", c.created);
  put_nonempty(j, "author", c.author);
  j["config"] = c.config;
  j["rootfs"] = {{"type", "layers"}, {"diff_ids", c.diff_ids}};
  put_nonempty(j, "history", c.history);
  merge_unknown(j, c.unknown);
}

void from_json(const json& j, Config& c) {
  c = Config{};
  c.unknown = unknown_keys(
      j, {"architecture", "os", "variant", "created", "author", "config", "rootfs", "history"});
  optional_key(j, "architecture", c.architecture);
  optional_key(j, "os", c.os);
  optional_key(j, "variant", c.variant);
  optional_key(j, "created", c.created);
  optional_key(j, "author", c.author);
  optional_key(j, "config", c.config);
  const json& rootfs = j.at("rootfs");
  if (rootfs.at("type").get<std::string>() != "layers") {
    throw json::other_error::create(501, "rootfs.type is not \"layers\"", &rootfs);
  }
  c.diff_ids = rootfs.at("diff_ids").get<std::vector<Digest>>();
  optional_key(j, "history", c.history);
}

}  // namespace pare
