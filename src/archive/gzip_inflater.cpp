#include "gzip_inflater.hpp"

#include <isa-l/igzip_lib.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

#include "pare/util/error.hpp"

namespace pare {

namespace {

constexpr std::size_t kInputSize = std::size_t{256} << 10U;

std::string inflate_error(int rc) {
  switch (rc) {
    case ISAL_INVALID_BLOCK:
    case ISAL_INVALID_SYMBOL:
    case ISAL_INVALID_LOOKBACK:
      return "invalid deflate data";
    case ISAL_INVALID_WRAPPER:
      return "invalid gzip header";
    case ISAL_UNSUPPORTED_METHOD:
      return "unsupported gzip compression method";
    case ISAL_INCORRECT_CHECKSUM:
      return "gzip CRC-32 or size does not match the data";
    default:
      return "inflate failed (ISA-L " + std::to_string(rc) + ")";
  }
}

class GzipInflater : public ByteSource {
 public:
  GzipInflater(std::vector<std::byte> head, ByteSource& input, InflateFallback fallback)
      : input_(input),
        fallback_(std::move(fallback)),
        buffer_(kInputSize),
        state_(std::make_unique<inflate_state>()) {
    std::copy(head.begin(), head.end(), buffer_.begin());
    filled_ = head.size();
    consumed_ = std::move(head);
    isal_inflate_init(state_.get());
    state_->crc_flag = ISAL_GZIP;
    state_->next_in = bytes(0);
    state_->avail_in = static_cast<std::uint32_t>(filled_);
  }

  std::size_t read(std::span<std::byte> buf) override {
    if (redirected_) return redirected_->read(buf);
    while (!done_ && !buf.empty()) {
      if (state_->avail_in == 0) refill();
      state_->next_out = reinterpret_cast<std::uint8_t*>(buf.data());
      state_->avail_out = static_cast<std::uint32_t>(
          std::min<std::size_t>(buf.size(), std::numeric_limits<std::uint32_t>::max()));
      const std::uint32_t room = state_->avail_out;
      const int rc = isal_inflate(state_.get());
      const std::size_t produced = room - state_->avail_out;
      if (rc < 0) {
        if (!any_output_ && fallback_ &&
            (rc == ISAL_INVALID_WRAPPER || rc == ISAL_UNSUPPORTED_METHOD)) {
          redirected_ = fallback_(std::move(consumed_));
          return redirected_->read(buf);
        }
        throw Error::bad_input(input_.name(), "cannot decompress: " + inflate_error(rc));
      }
      if (produced > 0 && !any_output_) {
        any_output_ = true;
        consumed_ = {};
      }
      if (state_->block_state == ISAL_BLOCK_FINISH) next_member();
      if (produced > 0) return produced;
      if (!done_ && state_->avail_in == 0 && input_ended_) {
        throw Error::bad_input(input_.name(),
                               "cannot decompress: truncated gzip data (the stream ends early)");
      }
    }
    return 0;
  }

  std::string name() const override { return input_.name(); }

 private:
  std::uint8_t* bytes(std::size_t offset) {
    return reinterpret_cast<std::uint8_t*>(buffer_.data() + offset);
  }

  /// Keeps the unread bytes at the front of the buffer and reads more after them.
  void refill() {
    const std::size_t left = state_->avail_in;
    if (left > 0 && state_->next_in != bytes(0)) std::memmove(bytes(0), state_->next_in, left);
    filled_ = left;
    if (input_ended_) return;
    const std::size_t n = input_.read(std::span(buffer_).subspan(filled_));
    if (n == 0) input_ended_ = true;
    if (!any_output_) {
      consumed_.insert(consumed_.end(), buffer_.begin() + static_cast<std::ptrdiff_t>(filled_),
                       buffer_.begin() + static_cast<std::ptrdiff_t>(filled_ + n));
    }
    filled_ += n;
    state_->next_in = bytes(0);
    state_->avail_in = static_cast<std::uint32_t>(filled_);
  }

  /// After a member: another member starts (1f 8b), or the stream is over and what follows is
  /// read to the end (so a hash over the compressed bytes sees all of them).
  void next_member() {
    while (state_->avail_in < 2 && !input_ended_) refill();
    if (state_->avail_in >= 2 && state_->next_in[0] == 0x1f && state_->next_in[1] == 0x8b) {
      std::uint8_t* next_in = state_->next_in;
      const std::uint32_t avail_in = state_->avail_in;
      isal_inflate_reset(state_.get());
      state_->crc_flag = ISAL_GZIP;
      state_->next_in = next_in;
      state_->avail_in = avail_in;
      return;
    }
    done_ = true;
    drain(input_);
  }

  ByteSource& input_;
  InflateFallback fallback_;
  std::vector<std::byte> buffer_;
  std::size_t filled_ = 0;
  std::unique_ptr<inflate_state> state_;
  std::vector<std::byte> consumed_;  ///< every byte read while nothing was inflated yet
  std::unique_ptr<ByteSource> redirected_;
  bool any_output_ = false;
  bool input_ended_ = false;
  bool done_ = false;
};

}  // namespace

std::unique_ptr<ByteSource> open_gzip_inflater(std::vector<std::byte> head, ByteSource& input,
                                               InflateFallback fallback) {
  return std::make_unique<GzipInflater>(std::move(head), input, std::move(fallback));
}

}  // namespace pare
