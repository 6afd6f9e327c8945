#pragma once

#include <clocale>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <type_traits>

#include "pare/archive/compressor.hpp"
#include "pare/archive/tar_entry.hpp"
#include "pare/util/byte_source.hpp"

struct archive;
struct archive_entry;

namespace pare {

/// Writes a deterministic, uncompressed tar through libarchive, entries in the order given.
///
/// The format is POSIX (ustar headers, `ustar\0` `00`), with a PAX extended header only where
/// ustar cannot hold a field: a path over 100 bytes or a non-ASCII one, a long link target, an
/// id over 2097151, a size of 8 GiB or more, an mtime before 1970 or after 2038, and
/// extended attributes (as `SCHILY.xattr.<name>` with the raw value, the key GNU tar, Go and
/// containerd read). Nothing else varies: no atime or ctime, empty uname and gname (ids are
/// numeric), folders with a trailing '/', and the end of the archive is two 512-byte zero
/// blocks with no padding to a 10 KiB record (as Go's archive/tar writes).
///
/// Names and link targets are stored as the bytes given. libarchive converts them from the
/// locale's charset, so the writer runs it in the "C" locale (uselocale, this thread only)
/// whatever the process uses: ASCII names are plain, and a non-ASCII one gets a PAX `path` (or
/// `linkpath`) record with `hdrcharset=BINARY`, the same bytes on every machine. Go, containerd,
/// libarchive and Python read that record; GNU tar reads it too, warning that it ignores the
/// hdrcharset keyword.
///
/// After any error the writer is unusable and its output incomplete.
class TarWriter {
 public:
  /// Writes to `fd` (not owned, left open). `name_for_errors` names the output in messages.
  TarWriter(int fd, std::string name_for_errors);
  /// Writes to `sink` (to hash or compress the stream as it is made).
  TarWriter(ByteSink sink, std::string name_for_errors);
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;
  ~TarWriter();

  /// Writes one member. `entry.path` is normalized (no leading '/', no "." or ".."
  /// components, no trailing '/', also for folders); a hardlink's `link_target` is the
  /// normalized path of a member written before it. For a regular file `data` must yield
  /// exactly `entry.size` bytes; for anything else it must be nullptr (and size is ignored).
  /// `entry.mtime` is written as given: clamping is the caller's choice.
  /// Throws Error: exit 3 for an entry that cannot be written (empty path, missing data,
  /// data of another size than the entry says, naming the source), exit 4 for a write failure.
  void add(const TarEntry& entry, ByteSource* data);
  /// Writes the end-of-archive marker. Must be called once, after the last add().
  void finish();
  /// Bytes written so far (the whole archive after finish()).
  std::uint64_t bytes_written() const { return written_; }

 private:
  static long on_write(struct archive* a, void* self, const void* buffer, std::size_t length);
  void open();
  void check(int rc, const char* during);
  void copy_data(const TarEntry& entry, ByteSource& data);

  ByteSink sink_;
  std::string name_;
  struct Free {
    void operator()(struct archive* a) const;
    void operator()(struct archive_entry* e) const;
    void operator()(locale_t l) const;
  };
  std::unique_ptr<std::remove_pointer_t<locale_t>, Free> c_locale_;  ///< outlives archive_
  std::unique_ptr<struct archive, Free> archive_;
  std::unique_ptr<struct archive_entry, Free> entry_;
  std::exception_ptr pending_;
  std::uint64_t written_ = 0;
  bool finished_ = false;
  bool discard_ = false;
};

}  // namespace pare
