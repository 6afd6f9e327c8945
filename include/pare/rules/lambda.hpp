#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pare/archive/tar_entry.hpp"
#include "pare/image/model.hpp"
#include "pare/util/problem.hpp"

namespace pare {

/// The platform rules an image is held to (--preset): none, or AWS Lambda's.
enum class Preset { kNone, kLambda };

/// A path of an image as the Lambda rules see it.
struct LambdaFile {
  std::string path;  ///< absolute
  EntryType type = EntryType::kFile;
  std::uint32_t mode = 0;
  std::uint64_t size = 0;
};

/// What the AWS Lambda rules are checked on: an image about to be written (pack, slim) or one
/// read (verify).
struct LambdaFacts {
  std::size_t images = 1;  ///< manifests the output or input holds
  bool index = false;      ///< reached through a nested index or manifest list
  std::vector<std::string> layer_media_types;
  Config config;
  std::vector<LambdaFile> files;  ///< the merged tree, sorted by path
};

/// The Lambda rules of ../shared/research/image-formats.md §6, each violation a Problem:
/// lambda-single-image (one manifest, no index: Lambda rejects even a one-platform index),
/// lambda-gzip-layers (uncompressed and zstd layers are refused with UnsupportedImageLayer),
/// lambda-architecture (amd64 or arm64), lambda-entrypoint (argv[0] absolute, present, not a
/// symlink nor reached through one: Runtime.InvalidEntrypoint), lambda-world-readable (Lambda
/// runs as a non-root user: files o+r, folders o+rx, executables o+x), lambda-read-only (the
/// root is read-only: no Volume and no world-writable folder outside /tmp), lambda-size (10 GB
/// unpacked).
std::vector<Problem> check_lambda(const LambdaFacts& facts);

}  // namespace pare
