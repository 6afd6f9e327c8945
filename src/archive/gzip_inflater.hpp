#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "pare/util/byte_source.hpp"

namespace pare {

/// What a gzip stream ISA-L refuses at its start is handed to instead: the bytes read so far
/// (none of them inflated yet), to be read again before the rest of the input.
using InflateFallback = std::function<std::unique_ptr<ByteSource>(std::vector<std::byte> consumed)>;

/// The plain bytes of gzip `input` (which must outlive the result; its first bytes are
/// `head`), inflated with ISA-L's streaming isal_inflate: each member's header parsed and its
/// CRC-32 and size checked, members one after another (a multi-member stream is one stream of
/// plain bytes, as `gzip -dc` gives), bytes after the last member that are not another member
/// drained and ignored, as gzip ignores trailing garbage. A header ISA-L refuses before any byte
/// came out goes to `fallback` (zlib, through libarchive). Reads throw Error exit 3 for corrupt,
/// truncated or mismatched data, naming the input.
std::unique_ptr<ByteSource> open_gzip_inflater(std::vector<std::byte> head, ByteSource& input,
                                               InflateFallback fallback);

}  // namespace pare
