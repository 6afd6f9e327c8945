#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "pare/util/error.hpp"
#include "pare/util/read_ahead.hpp"

using namespace pare;

namespace {

/// A stream of `size` bytes (byte i is i mod 251) that fails at `fail_at`, in small reads.
class Pattern : public ByteSource {
 public:
  Pattern(std::size_t size, std::size_t fail_at) : size_(size), fail_at_(fail_at) {}
  std::size_t read(std::span<std::byte> buf) override {
    if (pos_ >= fail_at_) throw Error::bad_input("pattern", "broken at " + std::to_string(pos_));
    const std::size_t n = std::min({buf.size(), std::size_t{777}, size_ - pos_, fail_at_ - pos_});
    for (std::size_t i = 0; i < n; ++i) buf[i] = static_cast<std::byte>((pos_ + i) % 251);
    pos_ += n;
    return n;
  }
  std::string name() const override { return "pattern"; }

 private:
  std::size_t size_;
  std::size_t fail_at_;
  std::size_t pos_ = 0;
};

/// Reads everything in `chunk`-byte steps; checks the pattern as it goes.
std::size_t read_checked(ByteSource& source, std::size_t chunk) {
  std::vector<std::byte> buf(chunk);
  std::size_t total = 0;
  bool in_order = true;
  for (std::size_t n; (n = source.read(buf)) != 0;) {
    for (std::size_t i = 0; i < n; ++i) {
      in_order = in_order && buf[i] == static_cast<std::byte>((total + i) % 251);
    }
    total += n;
  }
  CHECK(in_order);
  return total;
}

}  // namespace

TEST_CASE("read ahead: the inner stream's bytes in order, whatever the read and buffer sizes") {
  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{4096},
                                 std::size_t{1} << 20U, (std::size_t{3} << 20U) + 5}) {
    for (const std::size_t chunk : {std::size_t{1}, std::size_t{1000}, std::size_t{1} << 16U}) {
      if (chunk == 1 && size > 4096) continue;
      Pattern inner(size, std::string::npos);
      ReadAheadSource ahead(inner, 64 << 10U, 3);
      CHECK(ahead.name() == "pattern");
      CHECK(read_checked(ahead, chunk) == size);
      CHECK(ahead.read(std::span<std::byte>()) == 0);
    }
  }
}

TEST_CASE("read ahead: an error reaches the reader after the bytes before it, as the same Error") {
  Pattern inner(1 << 20U, 300000);
  ReadAheadSource ahead(inner, 64 << 10U, 2);
  std::vector<std::byte> buf(4096);
  std::size_t total = 0;
  try {
    for (std::size_t n; (n = ahead.read(buf)) != 0;) total += n;
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kBadInput);
    CHECK(std::string(e.what()).find("broken at 300000") != std::string::npos);
  }
  CHECK(total == 300000);
}

TEST_CASE("read ahead: destroyed before the end, the worker stops without reading it all") {
  // 1 GiB would take a while to produce: stopping must not wait for it.
  Pattern inner(std::size_t{1} << 30U, std::string::npos);
  {
    ReadAheadSource ahead(inner, 64 << 10U, 2);
    std::vector<std::byte> buf(100);
    CHECK(ahead.read(buf) == 100);
  }
  std::vector<std::byte> rest(1);
  CHECK(inner.read(rest) == 1);  // the caller's again, and far from its end
}
