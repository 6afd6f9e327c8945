#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "pare/util/byte_source.hpp"

namespace pare {

class Checkpoints;

enum class Compression { kNone, kGzip, kZstd };

std::string_view to_string(Compression c);
/// "none", "gzip" or "zstd" (what to_string gives); nullopt for anything else.
std::optional<Compression> parse_compression(std::string_view name);

/// The compression the first bytes show: gzip (1f 8b), zstd (28 b5 2f fd), else none.
Compression detect_compression(std::span<const std::byte> head);

/// Which inflater open_decompressed gives gzip streams: ISA-L (the default, several times
/// faster), or zlib through libarchive, the reference the tests hold ISA-L to (and a way out, for
/// a stream ISA-L would misread). Process-wide.
enum class GzipEngine { kIsal, kZlib };
void set_gzip_engine(GzipEngine engine);
GzipEngine gzip_engine();

/// Wraps `compressed` (which must outlive the result) in a stream of its plain bytes, the
/// compression detected from the bytes themselves, never from a name or media type: gzip
/// inflated by ISA-L (or zlib, see GzipEngine), zstd by libzstd. `detected` receives what was
/// found. With an `index` (which must outlive the result), the stream's checkpoints are recorded
/// into it while it is decompressed, for Checkpoints::open_at later, stored offsets counted from
/// the first byte read from `compressed` (zlib's gzip and uncompressed bytes leave it not
/// usable: open_at then reads from the start).
std::unique_ptr<ByteSource> open_decompressed(ByteSource& compressed, Compression* detected,
                                              Checkpoints* index = nullptr);

}  // namespace pare
