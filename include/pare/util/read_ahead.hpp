#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "pare/util/byte_source.hpp"

namespace pare {

/// Reads `inner` on a worker thread into a few bounded buffers, so the work that produces the
/// bytes (reading a file, hashing it, inflating it) runs on one core while the work that
/// consumes them (hashing the plain stream, parsing the tar) runs on another. Memory is
/// `buffers` x `buffer_size`, whatever the stream's length. An error of `inner` reaches the
/// reader at the point of the stream where it happened, as the same Error. The worker stops at
/// the end of `inner` or when this is destroyed; `inner` must outlive it and is touched by
/// nobody else meanwhile.
class ReadAheadSource : public ByteSource {
 public:
  static constexpr std::size_t kBufferSize = std::size_t{1} << 20U;
  static constexpr std::size_t kBuffers = 4;

  explicit ReadAheadSource(ByteSource& inner, std::size_t buffer_size = kBufferSize,
                           std::size_t buffers = kBuffers);
  ReadAheadSource(const ReadAheadSource&) = delete;
  ReadAheadSource& operator=(const ReadAheadSource&) = delete;
  ReadAheadSource(ReadAheadSource&&) = delete;
  ReadAheadSource& operator=(ReadAheadSource&&) = delete;
  ~ReadAheadSource() override;

  std::size_t read(std::span<std::byte> buf) override;
  std::string name() const override { return name_; }

  /// Stops the worker (it finishes the read it is in) and waits for it; afterwards `inner` is
  /// the caller's again, positioned after what the worker read.
  void stop();

 private:
  struct Buffer {
    std::vector<std::byte> bytes;
    std::size_t size = 0;
  };
  void produce();
  void join();

  ByteSource& inner_;
  std::string name_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Buffer> free_;   ///< empty buffers the worker may fill
  std::deque<Buffer> ready_;  ///< filled buffers, in stream order
  std::exception_ptr error_;  ///< what `inner` threw, after the bytes before it
  bool ended_ = false;        ///< the worker is done: end of stream or error
  bool stopping_ = false;     ///< the reader is gone
  Buffer current_;            ///< the buffer being read
  std::size_t position_ = 0;  ///< in current_
  std::thread worker_;
};

}  // namespace pare
