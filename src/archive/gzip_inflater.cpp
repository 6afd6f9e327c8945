#include "gzip_inflater.hpp"

#include <isa-l/igzip_lib.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <limits>
#include <string>

#include "pare/archive/checkpoints.hpp"
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

/// The bytes of a state worth keeping: all but the unused end of tmp_out_buffer (past
/// tmp_out_valid nothing is read before it is written), which is a third of the struct.
std::span<const std::byte> kept_bytes(const inflate_state& state) {
  const std::size_t valid = std::clamp<std::int32_t>(
      state.tmp_out_valid, 0, static_cast<std::int32_t>(sizeof state.tmp_out_buffer));
  return std::as_bytes(std::span(&state, 1)).first(offsetof(inflate_state, tmp_out_buffer) + valid);
}

class GzipInflater : public ByteSource {
 public:
  /// From the start of the stream, recording into `index` when there is one.
  GzipInflater(std::vector<std::byte> head, ByteSource& input, InflateFallback fallback,
               Checkpoints* index)
      : input_(input),
        fallback_(std::move(fallback)),
        index_(index),
        buffer_(kInputSize),
        state_(std::make_unique<inflate_state>()) {
    std::copy(head.begin(), head.end(), buffer_.begin());
    filled_ = head.size();
    stored_read_ = head.size();
    consumed_ = std::move(head);
    isal_inflate_init(state_.get());
    state_->crc_flag = ISAL_GZIP;
    state_->next_in = bytes(0);
    state_->avail_in = static_cast<std::uint32_t>(filled_);
    if (index_ != nullptr) index_->clear(Compression::kGzip);
  }

  /// From a recorded state (empty: the start), `input` at that state's stored offset. Nothing
  /// falls back (the first pass's ISA-L took this stream) and nothing after the last member is
  /// read.
  GzipInflater(std::span<const std::byte> state, ByteSource& input)
      : input_(input),
        buffer_(kInputSize),
        state_(std::make_unique<inflate_state>()),
        any_output_(true),
        drain_trailer_(false) {
    isal_inflate_init(state_.get());
    state_->crc_flag = ISAL_GZIP;
    if (!state.empty()) {
      auto* raw = reinterpret_cast<std::byte*>(state_.get());
      if (state.size() < offsetof(inflate_state, tmp_out_buffer) ||
          state.size() > sizeof(inflate_state)) {
        throw Error(ExitCode::kSystem, "gzip checkpoint of " + std::to_string(state.size()) +
                                           " bytes is no ISA-L inflate state");
      }
      std::memset(raw, 0, sizeof(inflate_state));
      std::memcpy(raw, state.data(), state.size());
      if (kept_bytes(*state_).size() != state.size()) {
        throw Error(ExitCode::kSystem, "gzip checkpoint is damaged (its size does not match)");
      }
    }
    // The recorded pointers were into buffers long gone: the input starts empty, and each read
    // sets the output.
    state_->next_in = bytes(0);
    state_->avail_in = 0;
    state_->next_out = nullptr;
    state_->avail_out = 0;
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
          if (index_ != nullptr) index_->set_unusable();
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
      plain_out_ += produced;
      if (index_ != nullptr && !done_) maybe_checkpoint();
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
    stored_read_ += n;
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
    if (drain_trailer_) drain(input_);
  }

  /// Between two isal_inflate calls the state is all there is to resume from: the stored bytes
  /// it has taken in (bits in read_in and a partial header in tmp_in_buffer included) end at
  /// what was read minus avail_in, and its history is in tmp_out_buffer.
  void maybe_checkpoint() {
    if (plain_out_ - last_checkpoint_ < index_->spacing()) return;
    index_->add(plain_out_, stored_read_ - state_->avail_in, kept_bytes(*state_));
    last_checkpoint_ = plain_out_;
  }

  ByteSource& input_;
  InflateFallback fallback_;
  Checkpoints* index_ = nullptr;
  std::vector<std::byte> buffer_;
  std::size_t filled_ = 0;
  std::unique_ptr<inflate_state> state_;
  std::vector<std::byte> consumed_;  ///< every byte read while nothing was inflated yet
  std::unique_ptr<ByteSource> redirected_;
  std::uint64_t stored_read_ = 0;      ///< bytes read from the input, the head included
  std::uint64_t plain_out_ = 0;        ///< plain bytes given out
  std::uint64_t last_checkpoint_ = 0;  ///< plain offset of the last checkpoint recorded
  bool any_output_ = false;
  bool input_ended_ = false;
  bool done_ = false;
  bool drain_trailer_ = true;
};

}  // namespace

std::unique_ptr<ByteSource> open_gzip_inflater(std::vector<std::byte> head, ByteSource& input,
                                               InflateFallback fallback, Checkpoints* index) {
  return std::make_unique<GzipInflater>(std::move(head), input, std::move(fallback), index);
}

std::unique_ptr<ByteSource> open_gzip_resumed(std::span<const std::byte> state, ByteSource& input) {
  return std::make_unique<GzipInflater>(state, input);
}

}  // namespace pare
