#include "pare/archive/compression.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <array>
#include <atomic>
#include <cstring>
#include <exception>
#include <utility>
#include <vector>

#include "gzip_inflater.hpp"
#include "pare/archive/checkpoints.hpp"
#include "pare/util/error.hpp"
#include "zstd_inflater.hpp"

namespace pare {

std::string_view to_string(Compression c) {
  switch (c) {
    case Compression::kNone:
      return "none";
    case Compression::kGzip:
      return "gzip";
    case Compression::kZstd:
      return "zstd";
  }
  return "unknown";
}

std::optional<Compression> parse_compression(std::string_view name) {
  for (const Compression c : {Compression::kNone, Compression::kGzip, Compression::kZstd}) {
    if (to_string(c) == name) return c;
  }
  return std::nullopt;
}

Compression detect_compression(std::span<const std::byte> head) {
  auto at = [&](std::size_t i) { return std::to_integer<unsigned>(head[i]); };
  if (head.size() >= 2 && at(0) == 0x1f && at(1) == 0x8b) return Compression::kGzip;
  if (head.size() >= 4 && at(0) == 0x28 && at(1) == 0xb5 && at(2) == 0x2f && at(3) == 0xfd) {
    return Compression::kZstd;
  }
  return Compression::kNone;
}

namespace {

constexpr std::size_t kBufferSize = std::size_t{256} << 10U;

/// The first bytes of a stream, read to detect its kind, handed back before the rest.
class PrefixedSource : public ByteSource {
 public:
  PrefixedSource(std::vector<std::byte> prefix, ByteSource& rest)
      : prefix_(std::move(prefix)), rest_(rest) {}
  std::size_t read(std::span<std::byte> buf) override {
    if (pos_ < prefix_.size()) {
      const std::size_t n = std::min(buf.size(), prefix_.size() - pos_);
      std::memcpy(buf.data(), prefix_.data() + pos_, n);
      pos_ += n;
      return n;
    }
    return rest_.read(buf);
  }
  std::string name() const override { return rest_.name(); }

 private:
  std::vector<std::byte> prefix_;
  std::size_t pos_ = 0;
  ByteSource& rest_;
};

/// gzip inflated by libarchive's zlib filter (the reference engine, and the fallback for a
/// header ISA-L refuses), exposed through its raw format. After the
/// compressed stream ends, the rest of the input is drained so a hash over it is complete.
class Decompressor : public ByteSource {
 public:
  explicit Decompressor(std::unique_ptr<PrefixedSource> input)
      : input_(std::move(input)), archive_(archive_read_new()), buffer_(kBufferSize) {
    if (!archive_) throw Error(ExitCode::kSystem, "libarchive: out of memory");
    archive_read_support_filter_gzip(archive_.get());
    archive_read_support_format_raw(archive_.get());
    check(archive_read_open(archive_.get(), this, nullptr, &Decompressor::on_read, nullptr));
    struct archive_entry* entry = nullptr;
    check(archive_read_next_header(archive_.get(), &entry));
  }

  std::size_t read(std::span<std::byte> buf) override {
    if (done_) return 0;
    const la_ssize_t n = archive_read_data(archive_.get(), buf.data(), buf.size());
    if (n < 0) check(static_cast<int>(n));
    if (pending_) std::rethrow_exception(std::exchange(pending_, nullptr));
    if (n == 0) {
      done_ = true;
      drain(*input_);
    }
    return static_cast<std::size_t>(n);
  }
  std::string name() const override { return input_->name(); }

 private:
  static long on_read(struct archive* a, void* self, const void** buffer) {
    auto* d = static_cast<Decompressor*>(self);
    try {
      *buffer = d->buffer_.data();
      return static_cast<long>(d->input_->read(d->buffer_));
    } catch (...) {
      d->pending_ = std::current_exception();
      archive_set_error(a, EIO, "read failed");
      return -1;
    }
  }

  void check(int rc) {
    if (pending_) std::rethrow_exception(std::exchange(pending_, nullptr));
    if (rc == ARCHIVE_OK || rc == ARCHIVE_EOF || rc == ARCHIVE_WARN) return;
    const char* msg = archive_error_string(archive_.get());
    throw Error::bad_input(input_->name(), std::string("cannot decompress: ") +
                                               (msg != nullptr ? msg : "corrupt data"));
  }

  struct Free {
    void operator()(struct archive* a) const { archive_read_free(a); }
  };
  std::unique_ptr<PrefixedSource> input_;
  std::unique_ptr<struct archive, Free> archive_;
  std::vector<std::byte> buffer_;
  std::exception_ptr pending_;
  bool done_ = false;
};

std::atomic<GzipEngine> engine{GzipEngine::kIsal};

}  // namespace

void set_gzip_engine(GzipEngine e) {
  engine.store(e);
}

GzipEngine gzip_engine() {
  return engine.load();
}

std::unique_ptr<ByteSource> open_decompressed(ByteSource& compressed, Compression* detected,
                                              Checkpoints* index) {
  std::vector<std::byte> head(4);
  std::size_t got = 0;
  while (got < head.size()) {
    const std::size_t n = compressed.read(std::span(head).subspan(got));
    if (n == 0) break;
    got += n;
  }
  head.resize(got);
  const Compression kind = detect_compression(head);
  if (detected != nullptr) *detected = kind;
  if (kind == Compression::kGzip && gzip_engine() == GzipEngine::kIsal) {
    // ISA-L inflates gzip several times faster than zlib; zlib (libarchive) stays for a header
    // ISA-L refuses.
    return open_gzip_inflater(
        std::move(head), compressed,
        [&compressed](std::vector<std::byte> consumed) {
          return std::make_unique<Decompressor>(
              std::make_unique<PrefixedSource>(std::move(consumed), compressed));
        },
        index);
  }
  if (kind == Compression::kZstd) return open_zstd_inflater(std::move(head), compressed, index);
  // Only ISA-L's gzip and zstd resume at a checkpoint: any other stream is read from its start.
  if (index != nullptr) index->set_unusable();
  auto prefixed = std::make_unique<PrefixedSource>(std::move(head), compressed);
  if (kind == Compression::kNone) return prefixed;
  return std::make_unique<Decompressor>(std::move(prefixed));
}

}  // namespace pare
