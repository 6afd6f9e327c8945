#include "pare/archive/tar_writer.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <clocale>
#include <utility>
#include <vector>

#include "pare/util/error.hpp"
#include "pare/util/file.hpp"
#include "pare/util/path.hpp"

namespace pare {

namespace {

constexpr std::size_t kChunkSize = std::size_t{256} << 10U;
/// libarchive hands the sink whole blocks of this size (the last one shorter, never padded).
constexpr int kBlockSize = 64 << 10;

ByteSink fd_sink(int fd, std::string name) {
  return [fd, name = std::move(name)](std::span<const std::byte> bytes) {
    write_all(fd, bytes, name);
  };
}

unsigned filetype_of(EntryType type) {
  switch (type) {
    case EntryType::kDir:
      return AE_IFDIR;
    case EntryType::kSymlink:
      return AE_IFLNK;
    case EntryType::kCharDevice:
      return AE_IFCHR;
    case EntryType::kBlockDevice:
      return AE_IFBLK;
    case EntryType::kFifo:
      return AE_IFIFO;
    case EntryType::kFile:
    case EntryType::kHardlink:
      break;
  }
  return AE_IFREG;
}

/// Switches the calling thread to the "C" locale while it lives: libarchive converts names
/// from the current locale's charset, so the same entries must meet the same locale.
class CLocaleScope {
 public:
  explicit CLocaleScope(locale_t c) : previous_(::uselocale(c)) {}
  CLocaleScope(const CLocaleScope&) = delete;
  CLocaleScope& operator=(const CLocaleScope&) = delete;
  ~CLocaleScope() { ::uselocale(previous_); }

 private:
  locale_t previous_;
};

bool is_normalized(const std::string& path) {
  const auto normal = normalize_path(path);
  return !path.empty() && normal && *normal == path;
}

}  // namespace

void TarWriter::Free::operator()(struct archive* a) const {
  archive_write_free(a);
}

void TarWriter::Free::operator()(struct archive_entry* e) const {
  archive_entry_free(e);
}

void TarWriter::Free::operator()(locale_t l) const {
  ::freelocale(l);
}

TarWriter::TarWriter(int fd, std::string name_for_errors)
    : sink_(fd_sink(fd, name_for_errors)), name_(std::move(name_for_errors)) {
  open();
}

TarWriter::TarWriter(ByteSink sink, std::string name_for_errors)
    : sink_(std::move(sink)), name_(std::move(name_for_errors)) {
  open();
}

TarWriter::~TarWriter() {
  // Freeing an open archive closes it, which would write an end marker after whatever failed:
  // an unfinished writer's output is incomplete anyway, so nothing more reaches the sink.
  discard_ = true;
  const CLocaleScope c_locale(c_locale_.get());
  archive_.reset();
  entry_.reset();
}

void TarWriter::open() {
  c_locale_.reset(::newlocale(LC_ALL_MASK, "C", locale_t{}));
  if (!c_locale_) throw Error(ExitCode::kSystem, "cannot make the C locale");
  const CLocaleScope c_locale(c_locale_.get());
  archive_.reset(archive_write_new());
  entry_.reset(archive_entry_new());
  if (!archive_ || !entry_) throw Error(ExitCode::kSystem, "libarchive: out of memory");
  struct archive* a = archive_.get();
  // "Restricted" PAX: a ustar header, plus a PAX header only when ustar cannot hold a field.
  check(archive_write_set_format_pax_restricted(a), "choosing the tar format");
  // Xattrs only under the SCHILY key (libarchive would add LIBARCHIVE.xattr.* copies, which
  // GNU tar warns about).
  check(archive_write_set_format_option(a, "pax", "xattrheader", "SCHILY"), "setting options");
  check(archive_write_set_bytes_per_block(a, kBlockSize), "setting the block size");
  check(archive_write_set_bytes_in_last_block(a, 1), "setting the block size");
  check(archive_write_open(a, this, nullptr, &TarWriter::on_write, nullptr), "opening");
}

long TarWriter::on_write(struct archive* a, void* self, const void* buffer, std::size_t length) {
  auto* w = static_cast<TarWriter*>(self);
  if (w->discard_) return static_cast<long>(length);
  try {
    w->sink_(std::span(static_cast<const std::byte*>(buffer), length));
    w->written_ += length;
    return static_cast<long>(length);
  } catch (...) {
    // Exceptions must not cross libarchive's C frames: keep it and rethrow after it returns.
    w->pending_ = std::current_exception();
    archive_set_error(a, EIO, "write failed");
    return -1;
  }
}

void TarWriter::check(int rc, const char* during) {
  if (pending_) std::rethrow_exception(std::exchange(pending_, nullptr));
  if (rc == ARCHIVE_OK) return;
  const char* msg = archive_error_string(archive_.get());
  throw Error::system(name_, std::string("cannot write the tar (while ") + during +
                                 "): " + (msg != nullptr ? msg : "failed"));
}

void TarWriter::add(const TarEntry& entry, ByteSource* data) {
  if (finished_) throw Error(ExitCode::kSystem, name_ + ": tar member added after its end");
  auto bad = [&](const std::string& what) {
    return Error::bad_input(name_, "cannot write member '" + entry.path + "': " + what);
  };
  if (!is_normalized(entry.path)) throw bad("the path is not a normalized relative path");
  const bool is_file = entry.type == EntryType::kFile;
  if (is_file && data == nullptr) throw bad("no data for a regular file");
  if (!is_file && data != nullptr) throw bad("data given for a member that holds none");
  if (entry.type == EntryType::kHardlink && !is_normalized(entry.link_target)) {
    throw bad("the hardlink target '" + entry.link_target + "' is not a normalized path");
  }
  if (entry.type == EntryType::kSymlink && entry.link_target.empty()) {
    throw bad("the symlink has no target");
  }

  const CLocaleScope c_locale(c_locale_.get());
  struct archive_entry* e = entry_.get();
  archive_entry_clear(e);
  archive_entry_copy_pathname(e, entry.path.c_str());
  archive_entry_set_filetype(e, filetype_of(entry.type));
  archive_entry_set_perm(e, static_cast<mode_t>(entry.mode & 07777U));
  archive_entry_set_uid(e, entry.uid);
  archive_entry_set_gid(e, entry.gid);
  archive_entry_set_mtime(e, entry.mtime, 0);
  archive_entry_set_size(e, is_file ? static_cast<la_int64_t>(entry.size) : 0);
  if (entry.type == EntryType::kHardlink) {
    archive_entry_copy_hardlink(e, entry.link_target.c_str());
  } else if (entry.type == EntryType::kSymlink) {
    archive_entry_copy_symlink(e, entry.link_target.c_str());
  } else if (entry.type == EntryType::kCharDevice || entry.type == EntryType::kBlockDevice) {
    archive_entry_set_rdevmajor(e, entry.dev_major);
    archive_entry_set_rdevminor(e, entry.dev_minor);
  }
  for (const auto& [key, value] : entry.xattrs) {
    archive_entry_xattr_add_entry(e, key.c_str(), value.data(), value.size());
  }
  // In the C locale a non-ASCII name cannot be converted to UTF-8: libarchive warns and writes
  // it as bytes with hdrcharset=BINARY, which is what pare wants.
  const int rc = archive_write_header(archive_.get(), e);
  check(rc == ARCHIVE_WARN && pending_ == nullptr ? ARCHIVE_OK : rc, "writing a header");
  if (is_file) copy_data(entry, *data);
  check(archive_write_finish_entry(archive_.get()), "finishing a member");
}

void TarWriter::copy_data(const TarEntry& entry, ByteSource& data) {
  std::vector<std::byte> buf(static_cast<std::size_t>(
      std::min<std::uint64_t>(kChunkSize, std::max<std::uint64_t>(entry.size + 1, 1))));
  std::uint64_t total = 0;
  for (std::size_t n; (n = data.read(buf)) != 0;) {
    total += n;
    if (total > entry.size) break;
    std::span<const std::byte> chunk = std::span(buf).first(n);
    while (!chunk.empty()) {
      const la_ssize_t w = archive_write_data(archive_.get(), chunk.data(), chunk.size());
      if (w <= 0) check(w < 0 ? static_cast<int>(w) : ARCHIVE_FATAL, "writing member data");
      if (pending_) std::rethrow_exception(std::exchange(pending_, nullptr));
      chunk = chunk.subspan(static_cast<std::size_t>(w));
    }
  }
  if (total != entry.size) {
    throw Error::bad_input(
        data.name(), (total > entry.size ? "yields more than " : "yields only ") +
                         std::to_string(std::min(total, entry.size)) + " bytes where tar member '" +
                         entry.path + "' says " + std::to_string(entry.size));
  }
}

void TarWriter::finish() {
  if (finished_) return;
  finished_ = true;
  const CLocaleScope c_locale(c_locale_.get());
  check(archive_write_close(archive_.get()), "writing the end of the archive");
}

}  // namespace pare
