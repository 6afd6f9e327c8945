#pragma once

#include <optional>
#include <string_view>

#include "pare/archive/compression.hpp"

namespace pare::media_type {

inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciLayer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kDockerLayer = "application/vnd.docker.image.rootfs.diff.tar";
inline constexpr std::string_view kDockerLayerGzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";
/// Layers a registry need not serve; an archive may leave them out (containerd's export does).
inline constexpr std::string_view kOciNondistributable =
    "application/vnd.oci.image.layer.nondistributable.v1.tar";
inline constexpr std::string_view kDockerForeignLayer =
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

/// An index or manifest list: a descriptor to recurse into.
bool is_index(std::string_view mt);
/// An image manifest, OCI or Docker schema 2.
bool is_manifest(std::string_view mt);

/// The two families of media types; a manifest keeps to one.
enum class Family { kOci, kDocker };

/// What a layer media type declares: its family and the compression of its bytes.
struct LayerType {
  Family family = Family::kOci;
  Compression compression = Compression::kNone;
};

/// The layer media types pare knows (distributable or not); nullopt for any other.
std::optional<LayerType> layer_type(std::string_view mt);

/// A non-distributable (foreign) layer, which an archive may leave out.
bool is_foreign_layer(std::string_view mt);

}  // namespace pare::media_type
