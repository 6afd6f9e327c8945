#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "pare/digest/digest.hpp"
#include "pare/image/bundle.hpp"
#include "pare/image/media_types.hpp"
#include "pare/image/model.hpp"
#include "pare/util/limits.hpp"
#include "pare/util/problem.hpp"

namespace pare {

/// Something an input states wrongly, as the walk of its formats finds it. Each fault is said
/// twice, once for each policy, because both wordings are part of pare's interface: verify's
/// Problem (check, where, message) and the loader's one-line error (stop).
struct Fault {
  /// verify's check id ("blob-missing", "json", "media-type", ...); empty when the collecting
  /// reader reports the same fault in finer pieces (a document the model cannot decode).
  std::string check;
  std::string where;    ///< "index.json", "manifest sha256:0123456789ab", ...
  std::string message;  ///< of `where`, one line
  /// The loader's message after "<bundle>: "; empty when the fault does not stop it: a reader
  /// that needs one image reads past what it need not trust (a descriptor without mediaType,
  /// an artifact it skips, a schemaVersion it does not use).
  std::string stop = {};
  std::string hint = {};
};

/// What a reader does with the faults the walk finds: the policy.
class FaultPolicy {
 public:
  virtual ~FaultPolicy() = default;
  /// Called for every fault; a policy that stops throws, one that collects returns and the walk
  /// goes on with what it can still read.
  virtual void report(Fault fault) = 0;
  /// A file's stored bytes were hashed whole (a JSON document, a blob, a layer).
  virtual void hashed(const std::string& path, std::uint64_t size);
};

/// Stops at the first fault that stops a reader: throws Error::bad_input(bundle, stop, hint),
/// exit 3. What load_image, load_images and list_platforms read with.
class StopAtFirstFault : public FaultPolicy {
 public:
  explicit StopAtFirstFault(const Bundle& bundle) : bundle_(bundle) {}
  void report(Fault fault) override;

 private:
  const Bundle& bundle_;
};

/// Collects every fault as verify's Problem, each once (a blob several manifests name is
/// checked once per mention), and counts the distinct files hashed.
class FaultCollector : public FaultPolicy {
 public:
  void report(Fault fault) override;
  void hashed(const std::string& path, std::uint64_t size) override;

  std::vector<Problem> problems;  ///< in the order found
  std::uint64_t blobs = 0;        ///< distinct files hashed
  std::uint64_t bytes = 0;        ///< their stored bytes

 private:
  std::set<std::tuple<std::string, std::string, std::string>> seen_;
  std::set<std::string> counted_;
};

/// Which of the formats' files a bundle holds: what tells the formats apart.
struct FormatFiles {
  bool oci_layout = false;     ///< "oci-layout"
  bool index = false;          ///< "index.json"
  bool manifest_json = false;  ///< docker save's "manifest.json"
  bool repositories = false;   ///< Docker before 1.10 wrote only this
};

/// An image manifest index.json lists, directly or through nested indexes.
struct ListedManifest {
  Descriptor descriptor;
  std::vector<std::string> names;  ///< from index.json's descriptor (image_name)
  bool attestation = false;        ///< is_attestation: readers skip it
  bool nested = false;             ///< reached through a nested index
};

/// One item of a docker-save manifest.json.
struct DockerItem {
  std::size_t position = 0;  ///< in manifest.json
  std::string config;        ///< member path
  std::vector<std::string> layers;
  std::vector<std::string> names;  ///< RepoTags
};

/// An image manifest as the walk read it: the parts that are sound.
struct ManifestFacts {
  nlohmann::json document;
  std::optional<Descriptor> config;  ///< nullopt when absent or not a descriptor
  std::vector<Descriptor> layers;    ///< the entries that are descriptors
  bool layers_ok = true;             ///< a layers array of descriptors only
  /// The family the document states (its own mediaType, else its descriptor's).
  media_type::Family family = media_type::Family::kOci;
};

/// The one walk of the image formats: oci-layout, index.json, nested indexes, the JSON blobs
/// they name, and manifest.json. Every fault goes to the policy; with a collecting policy each
/// call returns what could still be read (nullopt or fewer items), with a stopping one it
/// throws at the first fault that stops a reader.
class FormatWalk {
 public:
  FormatWalk(const Bundle& bundle, FaultPolicy& policy, const InputLimits& limits = {})
      : bundle_(bundle), policy_(policy), limits_(limits) {}

  const Bundle& bundle() const { return bundle_; }
  FaultPolicy& policy() { return policy_; }

  /// Which of the formats' files the bundle holds.
  FormatFiles files() const;

  /// The oci-layout file: present (when index.json is), a JSON object, imageLayoutVersion 1.0.0.
  void read_layout_file();

  /// index.json and the indexes it nests, depth first: `on_manifest` for every image manifest
  /// descriptor (or one without mediaType), attestations included, in order. Any other media
  /// type (an artifact, a signature) is a media-type fault that does not stop: a reader skips
  /// it, as image-index.md requires, and verify reports what it cannot tell from a mistake.
  void walk_index(const std::function<void(const ListedManifest&)>& on_manifest);

  /// The config file a manifest.json item names: present, at most InputLimits::max_json_bytes, its
  /// bytes hashing to the digest its name states (when it states one). Hashed, the bytes returned.
  std::optional<std::vector<std::byte>> read_docker_config(const DockerItem& item);

  /// The image manifest `d` names: schemaVersion 2, its own mediaType as its descriptor
  /// says, a config descriptor and a layers array of descriptors.
  std::optional<ManifestFacts> read_manifest(const Descriptor& d, const std::string& where);

  /// An image config decoded: an object with a rootfs of type layers with diff_ids, an
  /// architecture and os, and a history array of objects; `what` names it in the loader's
  /// messages ("config sha256:..").
  std::optional<Config> read_config(const nlohmann::json& j, const std::string& where,
                                    const std::string& what);

  /// The counts a config and its manifest (or manifest.json item) must agree on: a diff_id
  /// per layer, and, when the config has history, a non-empty_layer entry per layer (Docker
  /// only requires "at most"; pare numbers the layers by it).
  void check_counts(const Config& config, std::size_t layers, const std::string& where);

  /// The items of manifest.json, each with a Config path and a Layers array of paths.
  std::vector<DockerItem> docker_items();

  /// The bytes of a JSON blob a descriptor names (an index, manifest or config; `what` says
  /// which, for the loader's messages): present, at most InputLimits::max_json_bytes, its size and
  /// digest checked.
  std::optional<std::vector<std::byte>> read_blob(const Descriptor& d, const std::string& where,
                                                  const std::string& what);
  /// A JSON blob a descriptor names (an index, manifest or config; `what` says which, for the
  /// loader's messages): present, its size and digest checked, parsed.
  std::optional<nlohmann::json> read_json_blob(const Descriptor& d, const std::string& where,
                                               const std::string& what);

  /// Checks the blob a descriptor names is there, of its size; false when it is absent.
  /// `what` empty: the faults do not stop (a blob the loader never reads).
  bool check_present(const Descriptor& d, const std::string& where, const std::string& what);
  /// The blob's digest against its descriptor's.
  void check_digest(const Descriptor& d, const Digest& actual, const std::string& where,
                    const std::string& what);
  /// The stored digest of any file, streamed once and remembered.
  Digest hash_file(const std::string& path);
  /// Remembers a digest another reader computed (a layer stream).
  void remember_digest(const std::string& path, const Digest& d) { digests_.emplace(path, d); }
  /// A blob a descriptor named and the walk found absent.
  bool was_missing(const std::string& path) const { return missing_.contains(path); }
  /// A file that is not a blob (oci-layout, index.json, manifest.json, a docker-save config):
  /// nullopt when absent or too large (a fault of `check`).
  std::optional<std::vector<std::byte>> read_file(const std::string& path,
                                                  const std::string& check);
  /// Parses JSON; a fault of `check` at `where` (the loader says `what` is not valid JSON).
  std::optional<nlohmann::json> parse(std::span<const std::byte> bytes, const std::string& where,
                                      const std::string& check, const std::string& what);

  /// How many indexes were read: index.json and nested ones.
  std::uint64_t indexes() const { return indexes_; }

 private:
  /// True, and a fault of `check` at `where`, when a JSON document of `size` bytes is past
  /// --max-json-bytes; the loader's message starts with `subject` ("PATH: ").
  bool past_json_limit(std::uint64_t size, const std::string& check, const std::string& where,
                       const std::string& subject);
  void walk_index_document(const nlohmann::json& j, const std::string& media_type,
                           const std::string& where, const std::string& what, int depth,
                           const std::vector<std::string>& names,
                           const std::function<void(const ListedManifest&)>& on_manifest);
  std::optional<Descriptor> descriptor(const nlohmann::json& j, const std::string& where);
  /// schemaVersion must be 2 (`stop`: the loader's words for another number, or empty).
  void check_schema_version(const nlohmann::json& j, const std::string& where,
                            const std::string& stop);
  /// The digest of bytes read whole from `path`, told to the policy and remembered.
  Digest hash_read(const std::string& path, std::span<const std::byte> bytes);
  /// Tells the policy a file was hashed and remembers its digest.
  Digest remember(const std::string& path, const Digest& d, std::uint64_t size);
  /// A document's own mediaType against the descriptor that points at it.
  void check_own_media_type(const nlohmann::json& j, const std::string& expected,
                            const std::string& where);

  const Bundle& bundle_;
  FaultPolicy& policy_;
  InputLimits limits_;
  std::map<std::string, Digest> digests_;
  std::set<std::string> missing_;
  std::uint64_t indexes_ = 0;
};

/// "sha256:0123456789ab": how a fault's `where` names a blob.
std::string short_name(const Digest& d);

/// nlohmann's "[json.exception.parse_error.101] parse error at ..." without the bracket part.
std::string json_message(const nlohmann::json::exception& e);

}  // namespace pare
