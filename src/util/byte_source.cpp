#include "pare/util/byte_source.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "pare/util/error.hpp"

namespace pare {

namespace {
constexpr std::size_t kChunkSize = std::size_t{64} << 10U;
}  // namespace

std::size_t MemorySource::read(std::span<std::byte> buf) {
  const std::size_t n = std::min(buf.size(), bytes_.size() - pos_);
  if (n == 0) return 0;  // an empty source's data() may be null, which memcpy must not get
  std::memcpy(buf.data(), bytes_.data() + pos_, n);
  pos_ += n;
  return n;
}

std::uint64_t MemorySource::skip(std::uint64_t count) {
  const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(count, bytes_.size() - pos_));
  pos_ += n;
  return n;
}

std::size_t LimitedSource::read(std::span<std::byte> buf) {
  const std::size_t n = inner_.read(buf);
  count_ += n;
  if (count_ > limit_) {
    throw Error::bad_input(inner_.name(), what_ + " exceeds the limit of " +
                                              std::to_string(limit_) + " bytes" +
                                              (flag_.empty() ? "" : " (" + flag_ + ")"));
  }
  return n;
}

std::vector<std::byte> read_all(ByteSource& source, std::uint64_t limit) {
  std::vector<std::byte> out;
  std::array<std::byte, kChunkSize> buf{};
  for (;;) {
    const std::size_t n = source.read(buf);
    if (n == 0) break;
    if (out.size() + n > limit) {
      throw Error::bad_input(source.name(),
                             "larger than the " + std::to_string(limit) + " bytes expected");
    }
    out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
  }
  return out;
}

std::uint64_t drain(ByteSource& source) {
  std::array<std::byte, kChunkSize> buf{};
  std::uint64_t total = 0;
  for (std::size_t n; (n = source.read(buf)) != 0;) total += n;
  return total;
}

std::uint64_t ByteSource::skip(std::uint64_t count) {
  std::array<std::byte, kChunkSize> buf{};
  std::uint64_t total = 0;
  while (total < count) {
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), count - total));
    const std::size_t n = read(std::span(buf).first(want));
    if (n == 0) break;
    total += n;
  }
  return total;
}

std::string to_string(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace pare
