#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pare/archive/compression.hpp"
#include "pare/image/bundle.hpp"
#include "pare/image/image.hpp"
#include "pare/image/layer_reader.hpp"
#include "pare/util/problem.hpp"

namespace pare {

/// What the structural checks looked at, for the "verify: ok (...)" line and the JSON report.
struct StructureCounts {
  std::uint64_t blobs = 0;      ///< distinct blobs (files) hashed
  std::uint64_t indexes = 0;    ///< index.json and nested indexes
  std::uint64_t manifests = 0;  ///< image manifests (docker-save: manifest.json entries)
  std::uint64_t configs = 0;
  std::uint64_t layers = 0;  ///< distinct layer blobs streamed
  std::uint64_t bytes = 0;   ///< stored bytes hashed
};

/// A layer blob another pass already streamed and found sound (read_layer: digest, size and
/// diff_id checked, the tar parsed within the limits): the structure checks take these facts
/// instead of inflating it again.
struct VerifiedLayer {
  std::string path;  ///< in the bundle
  Digest digest;     ///< of the stored bytes
  std::uint64_t size = 0;
  Compression compression = Compression::kNone;
  Digest diff_id;  ///< of the tar inside
};

struct StructureOptions {
  InputLimits limits;
  std::vector<VerifiedLayer> verified;  ///< layers not to stream again
  /// Which images get their configs and layers checked: empty = every image of the input.
  /// Indexes, manifests and manifest.json are always checked whole.
  ImageSelector selector;
};

struct StructureReport {
  std::vector<Problem> problems;  ///< in the order found; empty when every check passed
  StructureCounts counts;
};

/// Checks everything an image tarball or layout states about itself, collecting every fault
/// instead of stopping at the first: oci-layout, JSON shapes, blob presence, sizes and digests
/// (layers streamed, never held whole), diff_ids, layer and history counts, created times,
/// media types against each other and against the bytes, platforms, and a docker manifest.json
/// against index.json. Nested indexes are followed; buildkit attestation manifests get the
/// blob checks only.
///
/// Throws Error only when the bundle is no image at all (no oci-layout, index.json or
/// manifest.json: exit 3), when the selector picks nothing (exit 3), or on an I/O error reading
/// it (exit 4); everything the image states wrongly is a Problem.
StructureReport verify_structure(const Bundle& bundle, const StructureOptions& options);

}  // namespace pare
