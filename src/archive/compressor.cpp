#include "pare/archive/compressor.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>
#include <utility>

#include "pare/util/error.hpp"

namespace pare {

void Compressor::Free::operator()(struct archive* a) const {
  archive_write_free(a);
}

Compressor::Compressor(Compression compression, ByteSink sink, std::string name_for_errors)
    : compression_(compression), sink_(std::move(sink)), name_(std::move(name_for_errors)) {
  if (compression_ == Compression::kNone) return;
  archive_.reset(archive_write_new());
  if (!archive_) throw Error(ExitCode::kSystem, "libarchive: out of memory");
  struct archive* a = archive_.get();
  check(archive_write_set_format_raw(a), "choosing the raw format");
  std::string options;
  if (compression_ == Compression::kGzip) {
    check(archive_write_add_filter_gzip(a), "adding the gzip filter");
    options = "gzip:!timestamp,gzip:compression-level=" + std::to_string(kGzipLevel);
  } else {
    check(archive_write_add_filter_zstd(a), "adding the zstd filter");
    options = "zstd:compression-level=" + std::to_string(kZstdLevel);
  }
  check(archive_write_set_options(a, options.c_str()), "setting the compression options");
  // Unblocked: every compressed block goes to the sink as it is made, and nothing pads the end.
  check(archive_write_set_bytes_per_block(a, 0), "setting the block size");
  check(archive_write_set_bytes_in_last_block(a, 1), "setting the block size");
  check(archive_write_open(a, this, nullptr, &Compressor::on_write, nullptr), "opening");

  struct EntryFree {
    void operator()(struct archive_entry* e) const { archive_entry_free(e); }
  };
  const std::unique_ptr<struct archive_entry, EntryFree> entry(archive_entry_new());
  if (!entry) throw Error(ExitCode::kSystem, "libarchive: out of memory");
  archive_entry_set_pathname(entry.get(), "data");
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  check(archive_write_header(a, entry.get()), "starting the stream");
}

Compressor::~Compressor() {
  // Freeing an open archive flushes it into the sink; an unfinished stream is abandoned.
  discard_ = true;
}

long Compressor::on_write(struct archive* a, void* self, const void* buffer, std::size_t length) {
  auto* c = static_cast<Compressor*>(self);
  if (c->discard_) return static_cast<long>(length);
  try {
    c->sink_(std::span(static_cast<const std::byte*>(buffer), length));
    return static_cast<long>(length);
  } catch (...) {
    // Exceptions must not cross libarchive's C frames: keep it and rethrow after it returns.
    c->pending_ = std::current_exception();
    archive_set_error(a, EIO, "write failed");
    return -1;
  }
}

void Compressor::check(int rc, const char* during) {
  if (pending_) std::rethrow_exception(std::exchange(pending_, nullptr));
  if (rc == ARCHIVE_OK) return;
  const char* msg = archive_error_string(archive_.get());
  throw Error::system(name_, std::string("cannot compress (") +
                                 std::string(to_string(compression_)) + ", while " + during +
                                 "): " + (msg != nullptr ? msg : "failed"));
}

void Compressor::write(std::span<const std::byte> bytes) {
  if (finished_) throw Error(ExitCode::kSystem, name_ + ": written after the end of the stream");
  if (compression_ == Compression::kNone) {
    if (!bytes.empty()) sink_(bytes);
    return;
  }
  while (!bytes.empty()) {
    const la_ssize_t n = archive_write_data(archive_.get(), bytes.data(), bytes.size());
    if (n <= 0) check(n < 0 ? static_cast<int>(n) : ARCHIVE_FATAL, "compressing");
    if (pending_) std::rethrow_exception(std::exchange(pending_, nullptr));
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
}

void Compressor::finish() {
  if (finished_) return;
  finished_ = true;
  if (compression_ == Compression::kNone) return;
  check(archive_write_close(archive_.get()), "finishing the stream");
}

}  // namespace pare
