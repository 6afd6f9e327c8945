#pragma once

#include <optional>
#include <string>

namespace pare {

/// An image in a registry, as skopeo spells it: docker://[HOST[:PORT]/]REPO[:TAG][@sha256:HEX].
/// Without a host it is Docker Hub's, whose one-name repositories live under library/, as
/// Docker reads "alpine" as docker.io/library/alpine:latest.
struct Reference {
  std::string registry;    ///< "docker.io", "127.0.0.1:5000", "ghcr.io"
  std::string repository;  ///< "library/alpine", "team/app"
  std::string tag;         ///< "latest" when neither a tag nor a digest is given
  std::string digest;      ///< "sha256:..." when given (then it, not the tag, is pulled)

  /// True when `name` is meant as a reference (it starts with docker://), even a malformed one.
  static bool is_reference(const std::string& name);
  /// Parses docker://...; throws a usage Error (exit 2) naming `name` when it is malformed.
  static Reference parse(const std::string& name);

  /// Where the API is: Docker Hub's is registry-1.docker.io, any other registry its own host.
  std::string api_host() const;
  /// What a manifest request names: the digest when given, else the tag.
  std::string manifest_ref() const { return digest.empty() ? tag : digest; }
  /// docker://registry/repository:tag[@digest], for messages.
  std::string str() const;
  /// registry/repository:tag, the name written into an image's annotations.
  std::string name() const;
};

}  // namespace pare
