#include "zstd_inflater.hpp"

#include <zstd.h>

#include <algorithm>
#include <optional>
#include <string>

#include "pare/archive/checkpoints.hpp"
#include "pare/util/error.hpp"

namespace pare {

namespace {

struct FreeDCtx {
  void operator()(ZSTD_DCtx* ctx) const { ZSTD_freeDCtx(ctx); }
};

class ZstdInflater : public ByteSource {
 public:
  ZstdInflater(std::vector<std::byte> head, ByteSource& input, Checkpoints* index)
      : input_(input), index_(index), ctx_(ZSTD_createDCtx()), buffer_(ZSTD_DStreamInSize()) {
    if (!ctx_) throw Error(ExitCode::kSystem, "libzstd: out of memory");
    buffer_.resize(std::max(buffer_.size(), head.size()));
    std::copy(head.begin(), head.end(), buffer_.begin());
    in_ = {buffer_.data(), head.size(), 0};
    stored_read_ = head.size();
    if (index_ != nullptr) index_->clear(Compression::kZstd);
  }

  std::size_t read(std::span<std::byte> buf) override {
    while (!buf.empty()) {
      if (in_.pos == in_.size && !refill()) {
        if (in_frame_) {
          throw Error::bad_input(input_.name(),
                                 "cannot decompress: truncated zstd data (the stream ends early)");
        }
        return 0;
      }
      // More bytes follow the frame that ended: a checkpoint at the next one's start (none at
      // the end of the stream, where nothing is left to read).
      if (boundary_ && index_ != nullptr) record(*boundary_);
      ZSTD_outBuffer out{buf.data(), buf.size(), 0};
      const std::size_t rc = ZSTD_decompressStream(ctx_.get(), &out, &in_);
      if (ZSTD_isError(rc) != 0U) {
        throw Error::bad_input(input_.name(),
                               std::string("cannot decompress: ") + ZSTD_getErrorName(rc));
      }
      plain_out_ += out.pos;
      // 0: a frame ended here and all of it was given out; the next (if any) starts afresh.
      in_frame_ = rc != 0;
      if (!in_frame_ && index_ != nullptr && plain_out_ - last_checkpoint_ >= index_->spacing()) {
        boundary_ = Boundary{plain_out_, stored_read_ - (in_.size - in_.pos)};
      }
      if (out.pos > 0) return out.pos;
    }
    return 0;
  }

  std::string name() const override { return input_.name(); }

 private:
  bool refill() {
    const std::size_t n = input_.read(std::span(buffer_));
    in_ = {buffer_.data(), n, 0};
    stored_read_ += n;
    return n > 0;
  }

  struct Boundary {
    std::uint64_t plain = 0;
    std::uint64_t stored = 0;
  };
  void record(const Boundary& at) {
    index_->add(at.plain, at.stored, {});
    last_checkpoint_ = at.plain;
    boundary_.reset();
  }

  ByteSource& input_;
  Checkpoints* index_;
  std::unique_ptr<ZSTD_DCtx, FreeDCtx> ctx_;
  std::vector<std::byte> buffer_;
  ZSTD_inBuffer in_{};
  std::uint64_t stored_read_ = 0;      ///< bytes read from the input, the head included
  std::uint64_t plain_out_ = 0;        ///< plain bytes given out
  std::uint64_t last_checkpoint_ = 0;  ///< plain offset of the last checkpoint recorded
  bool in_frame_ = false;              ///< a frame is started and not yet ended
  std::optional<Boundary> boundary_;   ///< a frame's end not yet recorded as a checkpoint
};

}  // namespace

std::unique_ptr<ByteSource> open_zstd_inflater(std::vector<std::byte> head, ByteSource& input,
                                               Checkpoints* index) {
  return std::make_unique<ZstdInflater>(std::move(head), input, index);
}

std::unique_ptr<ByteSource> open_zstd_resumed(ByteSource& input) {
  return std::make_unique<ZstdInflater>(std::vector<std::byte>{}, input, nullptr);
}

}  // namespace pare
