#pragma once

#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "pare/util/byte_source.hpp"

namespace pare {

class Checkpoints;

/// What a gzip stream ISA-L refuses at its start is handed to instead: the bytes read so far
/// (none of them inflated yet), to be read again before the rest of the input.
using InflateFallback = std::function<std::unique_ptr<ByteSource>(std::vector<std::byte> consumed)>;

/// The plain bytes of gzip `input` (which must outlive the result; its first bytes are
/// `head`), inflated with ISA-L's streaming isal_inflate: each member's header parsed and its
/// CRC-32 and size checked, members one after another (a multi-member stream is one stream of
/// plain bytes, as `gzip -dc` gives), bytes after the last member that are not another member
/// drained and ignored, as gzip ignores trailing garbage. A header ISA-L refuses before any byte
/// came out goes to `fallback` (zlib, through libarchive). Reads throw Error exit 3 for corrupt,
/// truncated or mismatched data, naming the input. With an `index`, checkpoints are recorded into
/// it as the bytes come out (none when the fallback inflates: the index is then not usable).
std::unique_ptr<ByteSource> open_gzip_inflater(std::vector<std::byte> head, ByteSource& input,
                                               InflateFallback fallback,
                                               Checkpoints* index = nullptr);

/// The plain bytes of a gzip stream from a checkpoint open_gzip_inflater recorded: `state` is the
/// state it gave Checkpoints::add (empty for the start of the stream) and `input` (which must
/// outlive the result) the stored bytes from that checkpoint's stored offset. Later members
/// follow as in the first pass; bytes after the last member are not read. Reads throw Error
/// exit 3 as the first pass's do.
std::unique_ptr<ByteSource> open_gzip_resumed(std::span<const std::byte> state, ByteSource& input);

}  // namespace pare
