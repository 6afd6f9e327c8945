#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "pare/archive/compression.hpp"

struct archive;

namespace pare {

/// Where written bytes go, in order. It throws pare::Error when it cannot take them.
using ByteSink = std::function<void(std::span<const std::byte>)>;

/// The fixed settings that make compressed output reproducible: the same input always gives
/// the same bytes (with the same libarchive, zlib and libzstd).
inline constexpr int kGzipLevel = 6;  ///< gzip's and zlib's default
inline constexpr int kZstdLevel = 3;  ///< zstd's default

/// Compresses a stream into a sink through libarchive's gzip or zstd write filter (its raw
/// format), with fixed settings: gzip at kGzipLevel with no file name and MTIME 0 (header
/// `1f 8b 08 00 00000000 00 03`), zstd at kZstdLevel, single-threaded. kNone passes the bytes
/// through. No padding follows the compressed stream.
class Compressor {
 public:
  /// `sink` receives the compressed bytes; `name_for_errors` names the stream in messages.
  /// Throws Error (exit 4) when libarchive cannot set the filter up.
  Compressor(Compression compression, ByteSink sink, std::string name_for_errors);
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;
  ~Compressor();

  /// Compresses more bytes. Throws what the sink throws, or Error (exit 4).
  void write(std::span<const std::byte> bytes);
  /// Flushes the compressed stream's end (the gzip trailer, the last zstd block). Must be
  /// called once, after the last write; a compressor that was never finished wrote an
  /// incomplete stream. Throws like write().
  void finish();

 private:
  static long on_write(struct archive* a, void* self, const void* buffer, std::size_t length);
  void check(int rc, const char* during);

  Compression compression_;
  ByteSink sink_;
  std::string name_;
  struct Free {
    void operator()(struct archive* a) const;
  };
  std::unique_ptr<struct archive, Free> archive_;
  std::exception_ptr pending_;
  bool finished_ = false;
  bool discard_ = false;
};

}  // namespace pare
