#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "pare/digest/digest.hpp"

// The image model of the OCI image spec (descriptor.md, manifest.md, image-index.md,
// config.md). Each type maps the keys pare uses to fields and keeps every other key in
// `unknown`, which to_json writes back, so a read-then-written value loses nothing.
// from_json throws nlohmann::json exceptions; the image readers turn them into pare::Error.

namespace pare {

/// os/architecture[/variant], as an index descriptor or a config states it.
struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;
  std::string os_version;
  nlohmann::json unknown = nlohmann::json::object();

  /// Parses "os/arch[/variant]"; nullopt when malformed.
  static std::optional<Platform> parse(std::string_view text);
  /// "linux/arm64/v8", or "linux/amd64" without a variant.
  std::string str() const;
  /// True when this platform satisfies `wanted`: same os and architecture, and the same variant
  /// once the defaults (arm64 -> v8, amd64 -> v1, arm -> v7) are filled in. An empty variant in
  /// `wanted` accepts any.
  bool matches(const Platform& wanted) const;
  /// buildkit's attestation manifests say unknown/unknown.
  bool is_unknown() const { return os == "unknown" && architecture == "unknown"; }
};

struct Descriptor {
  std::string media_type;
  Digest digest;
  std::int64_t size = 0;
  std::optional<Platform> platform;
  std::map<std::string, std::string> annotations;
  std::vector<std::string> urls;
  nlohmann::json unknown = nlohmann::json::object();
};

struct Manifest {
  int schema_version = 2;
  std::string media_type;
  Descriptor config;
  std::vector<Descriptor> layers;
  std::map<std::string, std::string> annotations;
  nlohmann::json unknown = nlohmann::json::object();
};

struct Index {
  int schema_version = 2;
  std::string media_type;
  std::vector<Descriptor> manifests;
  std::map<std::string, std::string> annotations;
  nlohmann::json unknown = nlohmann::json::object();
};

struct HistoryEntry {
  std::string created;
  std::string created_by;
  std::string author;
  std::string comment;
  bool empty_layer = false;
  nlohmann::json unknown = nlohmann::json::object();
};

/// The "config" object of an image config: what a runtime starts.
struct RunConfig {
  std::string user;
  std::vector<std::string> env;
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::string working_dir;
  std::map<std::string, std::string> labels;
  std::string stop_signal;
  nlohmann::json unknown = nlohmann::json::object();  ///< ExposedPorts, Volumes, Healthcheck, ...
};

struct Config {
  std::string architecture;
  std::string os;
  std::string variant;
  std::string created;
  std::string author;
  RunConfig config;
  std::vector<Digest> diff_ids;
  std::vector<HistoryEntry> history;
  nlohmann::json unknown = nlohmann::json::object();

  Platform platform() const;
};

void to_json(nlohmann::json& j, const Platform& p);
void from_json(const nlohmann::json& j, Platform& p);
void to_json(nlohmann::json& j, const Descriptor& d);
void from_json(const nlohmann::json& j, Descriptor& d);
void to_json(nlohmann::json& j, const Manifest& m);
void from_json(const nlohmann::json& j, Manifest& m);
void to_json(nlohmann::json& j, const Index& i);
void from_json(const nlohmann::json& j, Index& i);
void to_json(nlohmann::json& j, const HistoryEntry& h);
void from_json(const nlohmann::json& j, HistoryEntry& h);
void to_json(nlohmann::json& j, const RunConfig& c);
void from_json(const nlohmann::json& j, RunConfig& c);
void to_json(nlohmann::json& j, const Config& c);
void from_json(const nlohmann::json& j, Config& c);

}  // namespace pare
