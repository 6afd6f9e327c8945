#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "pare/archive/tar_entry.hpp"
#include "pare/util/byte_source.hpp"

struct archive;

namespace pare {

/// Reads the members of an uncompressed tar (ustar, PAX or GNU) from a ByteSource, following
/// libarchive's read loop. Decompression is a separate stage (see compression.hpp).
/// Errors (truncated or corrupt tar) are thrown as Error with exit code 3, naming the source.
class TarReader {
 public:
  /// Reads from `source`, which must outlive the reader.
  explicit TarReader(ByteSource& source);
  TarReader(const TarReader&) = delete;
  TarReader& operator=(const TarReader&) = delete;
  ~TarReader();

  /// Moves to the next member and fills `entry`; false at the end of the archive. The data of
  /// the previous member is skipped if it was not read.
  bool next(TarEntry& entry);
  /// Reads the current member's data; 0 at its end.
  std::size_t read_data(std::span<std::byte> buf);
  /// Offset in the stream of the current member's first data byte: exact for an uncompressed
  /// stream, which is what lets an outer tar be indexed once and read by ranges.
  std::uint64_t data_offset() const { return data_offset_; }
  /// Whether the current member is a sparse file, whose data in the stream is not its bytes
  /// in one piece (data_offset() then says where the packed pieces start).
  bool sparse() const { return sparse_; }
  /// Bytes of the stream consumed so far.
  std::uint64_t position() const;

 private:
  static long on_read(struct archive* a, void* self, const void** buffer);
  static std::int64_t on_skip(struct archive* a, void* self, std::int64_t request);
  void check(int rc, const char* during);

  ByteSource& source_;
  struct Free {
    void operator()(struct archive* a) const;
  };
  std::unique_ptr<struct archive, Free> archive_;
  std::vector<std::byte> buffer_;
  std::exception_ptr pending_;
  std::uint64_t data_offset_ = 0;
  bool saw_header_ = false;
  bool sparse_ = false;
};

/// Reads the current entry's data in full (up to `limit` bytes; more is an error).
std::vector<std::byte> read_entry_data(TarReader& reader, std::uint64_t limit);

}  // namespace pare
