#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "pare/digest/digest.hpp"
#include "pare/image/layer_blob.hpp"
#include "pare/image/model.hpp"

namespace pare {

/// One image to write: its platform, the exact config bytes, and its layers (base first).
struct OutputImage {
  Platform platform;              ///< empty fields are taken from the config
  std::vector<std::byte> config;  ///< the exact config JSON bytes to store
  std::vector<LayerBlob> layers;
};

/// A `name[:tag]` as pare writes it.
struct ImageName {
  std::string repo_tag;  ///< as given, with ":latest" when no tag was: manifest.json's RepoTags
  std::string full;      ///< normalized as Docker does: "app:1" -> "docker.io/library/app:1"
  std::string tag;       ///< "1"
};

/// Parses and checks `name[:tag]` (the distribution reference grammar: lowercase path
/// components, an optional registry host with port, a tag of at most 128 characters; no
/// digest). Throws Error (exit 2) naming what is wrong.
ImageName parse_image_name(const std::string& text);

/// Writes `images` to `out` as one tar that holds an OCI image layout and a docker-save
/// manifest.json over the same blobs, as Docker 25+ writes it, so that docker load (either
/// image store), podman load, skopeo's docker-archive: and oci-archive:, umoci and containerd
/// all read it.
///
/// Members, in this order: `blobs/`, `blobs/sha256/`, `blobs/sha256/<hex>` for every manifest,
/// config and layer (each once, sorted by digest), `index.json`, `manifest.json`, `oci-layout`
/// (`{"imageLayoutVersion":"1.0.0"}`). Files are mode 0644, folders 0755, mtime 0, uid and gid
/// 0, names without `./`. JSON is compact with sorted keys, except manifest.json, whose keys are
/// in Docker's order (Config, RepoTags, Layers).
///
/// Each image gets an OCI manifest (application/vnd.oci.image.manifest.v1+json, config
/// application/vnd.oci.image.config.v1+json with no platform, layers as their blobs say).
/// index.json lists each manifest directly, never through a nested index, one descriptor per
/// image (so a reader asked for no name finds one image per platform), each with its platform.
/// When `tags` is not empty the first image's descriptor carries the first tag's names:
/// `io.containerd.image.name` (the full name) and `org.opencontainers.image.ref.name` (the tag
/// alone). manifest.json names the first image only, with every tag in RepoTags (docker load
/// makes one image of each entry; several platforms under one name cannot be said there). The
/// other images are reached by platform: a name on several descriptors would be ambiguous to
/// umoci ("tag is ambiguous"), skopeo would take the first, containerd the last.
///
/// The output is written to a temporary file in the same folder and renamed into place
/// (AtomicFile): on failure nothing remains. Identical input gives identical bytes.
///
/// Returns the manifest digests, in the order of `images`. Throws Error: exit 2 for a bad
/// tag; exit 3 for no image, a config that is not a JSON object or whose rootfs.diff_ids,
/// os or architecture disagree with the layers or the platform; exit 4 for I/O errors
/// (including a layer file whose bytes no longer match its digest).
std::vector<Digest> write_image_archive(const std::filesystem::path& out,
                                        const std::vector<OutputImage>& images,
                                        const std::vector<std::string>& tags);

}  // namespace pare
