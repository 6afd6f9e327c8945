#pragma once

#include <memory>
#include <vector>

#include "pare/util/byte_source.hpp"

namespace pare {

class Checkpoints;

/// The plain bytes of zstd `input` (which must outlive the result; its first bytes are `head`),
/// decompressed with libzstd's streaming decoder: frames one after another (several frames, as
/// pzstd and zstd:chunked write, are one stream of plain bytes; skippable frames give none),
/// each frame's checksum checked when it has one. Reads throw Error exit 3 for corrupt or
/// truncated data, naming the input. With an `index`, a checkpoint is recorded at each frame
/// boundary at least its spacing past the last: a frame is decoded from its start with no
/// history, so a checkpoint is two offsets.
std::unique_ptr<ByteSource> open_zstd_inflater(std::vector<std::byte> head, ByteSource& input,
                                               Checkpoints* index = nullptr);

/// The plain bytes of a zstd stream from a frame boundary open_zstd_inflater recorded, `input`
/// (which must outlive the result) the stored bytes from there.
std::unique_ptr<ByteSource> open_zstd_resumed(ByteSource& input);

}  // namespace pare
