#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pare/digest/digest.hpp"
#include "pare/image/bundle.hpp"
#include "pare/image/model.hpp"
#include "pare/util/limits.hpp"

namespace pare {

/// How the image was stored.
enum class ImageFormat {
  kDockerSave,  ///< manifest.json with legacy or plain layer files (Docker <= 24, podman, kaniko)
  kDockerSaveOci,  ///< Docker 25+: an OCI layout and manifest.json in one tar
  kOciArchive,     ///< an OCI layout in a tar
  kOciLayout,      ///< an OCI layout folder
  kRegistry,       ///< a repository of a registry, read over the distribution API
};

std::string_view to_string(ImageFormat format);

/// One layer of the chosen image and where its bytes are.
struct LayerRef {
  std::string path;                   ///< in the bundle
  std::string media_type;             ///< as the manifest states it (may be wrong)
  std::optional<Digest> digest;       ///< of the stored bytes, when the input states it
  std::optional<std::uint64_t> size;  ///< of the stored bytes, when the input states it
  Digest diff_id;                     ///< of the uncompressed tar, from the config
};

/// The image chosen from an input: its config and its layers, every count checked.
struct Image {
  ImageFormat format = ImageFormat::kOciLayout;
  std::vector<std::string> names;      ///< RepoTags or ref names; may be empty
  std::optional<Descriptor> manifest;  ///< the manifest descriptor (OCI inputs)
  std::vector<std::byte> raw_config;   ///< exactly as stored
  Digest config_digest;
  Config config;
  std::vector<LayerRef> layers;  ///< base first

  Platform platform() const { return config.platform(); }
};

/// How to choose among the images an input holds.
struct ImageSelector {
  std::optional<Platform> platform;  ///< --platform
  std::string name;                  ///< --image NAME[:TAG]
};

/// Reads the bundle's index (OCI) or manifest.json (docker-save) and returns the one image the
/// selector picks. Nested indexes are followed; buildkit attestations skipped. Throws Error:
/// exit 2 when the input holds several images or platforms and the selector does not choose
/// (the message lists them), exit 3 for anything malformed, missing or mismatched (manifest
/// and config digests and sizes, layer and diff_id counts, history counts) and for a document
/// past `limits` (JSON size and depth, manifests listed, indexes nested).
Image load_image(const Bundle& bundle, const ImageSelector& selector,
                 const InputLimits& limits = {});

/// Every image the selector picks (all of them when it names nothing), in the input's order,
/// each checked as load_image checks it: what `verify` goes through.
std::vector<Image> load_images(const Bundle& bundle, const ImageSelector& selector,
                               const InputLimits& limits = {});

/// The platforms of the images the selector's name picks (its platform is ignored), sorted,
/// attestations skipped: what `--platform all` iterates over.
std::vector<Platform> list_platforms(const Bundle& bundle, const ImageSelector& selector,
                                     const InputLimits& limits = {});

/// True when one of an image's names (RepoTags, ref names) is `wanted`, as docker compares
/// them: docker.io/library/, docker.io/ and localhost/ prefixes ignored, a missing tag is latest.
bool image_name_matches(const std::vector<std::string>& names, const std::string& wanted);

/// Where a layout keeps the blob of digest `d`: "blobs/sha256/<hex>".
std::string blob_path(const Digest& d);

/// True for a buildkit attestation manifest (provenance, SBOM): its platform is unknown/unknown
/// or it is annotated vnd.docker.reference.type=attestation-manifest. It holds in-toto JSON, not
/// an image: readers skip it, the structure checks give it the blob checks only.
bool is_attestation(const Descriptor& d);

/// The name of the image index.json's descriptor `d` lists, or nullopt: its
/// io.containerd.image.name, else its org.opencontainers.image.ref.name. Docker and containerd
/// put the full name in the first and only the tag in the second, which names no image;
/// podman puts the full name in the second.
std::optional<std::string> image_name(const Descriptor& d);

/// The digest a member's name states: "<hex>.json", "<hex>.tar.gz", "sha256:<hex>",
/// "blobs/sha256/<hex>". Producers name these files by the digest of their bytes, so the name
/// is a checkable claim; nullopt when the name states none ("<v1id>/layer.tar").
std::optional<Digest> digest_from_name(std::string_view path);

}  // namespace pare
