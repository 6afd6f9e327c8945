#include "pare/util/read_ahead.hpp"

#include <algorithm>
#include <cstring>

namespace pare {

ReadAheadSource::ReadAheadSource(ByteSource& inner, std::size_t buffer_size, std::size_t buffers)
    : inner_(inner), name_(inner.name()) {
  for (std::size_t i = 0; i < std::max<std::size_t>(buffers, 2); ++i) {
    free_.push_back({std::vector<std::byte>(buffer_size), 0});
  }
  worker_ = std::thread([this] { produce(); });
}

ReadAheadSource::~ReadAheadSource() {
  stop();
}

void ReadAheadSource::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  join();
}

void ReadAheadSource::join() {
  if (worker_.joinable()) worker_.join();
}

void ReadAheadSource::produce() {
  for (;;) {
    Buffer buffer;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || !free_.empty(); });
      if (stopping_) break;
      buffer = std::move(free_.front());
      free_.pop_front();
    }
    // Filled whole (but for the last), so the reader wakes once per buffer, not per inflate call.
    buffer.size = 0;
    std::exception_ptr error;
    bool end = false;
    try {
      while (buffer.size < buffer.bytes.size()) {
        const std::size_t n = inner_.read(std::span(buffer.bytes).subspan(buffer.size));
        if (n == 0) {
          end = true;
          break;
        }
        buffer.size += n;
      }
    } catch (...) {
      error = std::current_exception();
    }
    {
      const std::lock_guard lock(mutex_);
      if (buffer.size > 0) ready_.push_back(std::move(buffer));
      if (error || end) {
        error_ = error;
        ended_ = true;
      }
    }
    changed_.notify_all();
    if (error || end) break;
  }
}

std::size_t ReadAheadSource::read(std::span<std::byte> buf) {
  if (buf.empty()) return 0;
  if (position_ == current_.size) {
    std::unique_lock lock(mutex_);
    if (!current_.bytes.empty()) {
      free_.push_back(std::move(current_));
      current_ = {};
      changed_.notify_all();
    }
    position_ = 0;
    changed_.wait(lock, [&] { return !ready_.empty() || ended_; });
    if (ready_.empty()) {
      if (error_) std::rethrow_exception(error_);
      return 0;
    }
    current_ = std::move(ready_.front());
    ready_.pop_front();
  }
  const std::size_t n = std::min(buf.size(), current_.size - position_);
  std::memcpy(buf.data(), current_.bytes.data() + position_, n);
  position_ += n;
  return n;
}

}  // namespace pare
