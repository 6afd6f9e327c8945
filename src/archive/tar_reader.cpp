#include "pare/archive/tar_reader.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <sys/stat.h>

#include "pare/util/error.hpp"

namespace pare {

namespace {
constexpr std::size_t kBufferSize = std::size_t{256} << 10U;
constexpr std::size_t kChunkSize = std::size_t{64} << 10U;
}  // namespace

void TarReader::Free::operator()(struct archive* a) const {
  archive_read_free(a);
}

TarReader::TarReader(ByteSource& source)
    : source_(source), archive_(archive_read_new()), buffer_(kBufferSize) {
  if (!archive_) throw Error(ExitCode::kSystem, "libarchive: out of memory");
  archive_read_support_format_tar(archive_.get());
  archive_read_support_filter_none(archive_.get());
  archive_read_set_callback_data(archive_.get(), this);
  archive_read_set_read_callback(archive_.get(), &TarReader::on_read);
  archive_read_set_skip_callback(archive_.get(), &TarReader::on_skip);
  check(archive_read_open1(archive_.get()), "opening");
}

TarReader::~TarReader() = default;

long TarReader::on_read(struct archive* a, void* self, const void** buffer) {
  auto* reader = static_cast<TarReader*>(self);
  if (reader->pending_) {  // a skip failed: libarchive reads on, the stream must stop
    archive_set_error(a, EIO, "read failed");
    return -1;
  }
  try {
    *buffer = reader->buffer_.data();
    return static_cast<long>(reader->source_.read(reader->buffer_));
  } catch (...) {
    // Exceptions must not cross libarchive's C frames: keep it and rethrow after it returns.
    reader->pending_ = std::current_exception();
    archive_set_error(a, EIO, "read failed");
    return -1;
  }
}

std::int64_t TarReader::on_skip(struct archive* a, void* self, std::int64_t request) {
  auto* reader = static_cast<TarReader*>(self);
  try {
    // A member's data not read: a file range seeks past it, a stream reads through it.
    return static_cast<std::int64_t>(reader->source_.skip(static_cast<std::uint64_t>(request)));
  } catch (...) {
    // Not -1: libarchive's skip loop takes a negative result from what is left to skip and
    // asks again, forever. Nothing skipped makes it read instead, and on_read fails the stream.
    reader->pending_ = std::current_exception();
    archive_set_error(a, EIO, "read failed");
    return 0;
  }
}

void TarReader::check(int rc, const char* during) {
  if (pending_) std::rethrow_exception(std::exchange(pending_, nullptr));
  // Not ARCHIVE_RETRY: a damaged header, after which libarchive refuses to read data.
  if (rc == ARCHIVE_OK || rc == ARCHIVE_EOF || rc == ARCHIVE_WARN) return;
  const char* msg = archive_error_string(archive_.get());
  std::string what = msg != nullptr ? msg : "unreadable tar";
  if (!saw_header_ && what.find("Unrecognized archive format") != std::string::npos) {
    what = "not a tar archive";
  }
  throw Error::bad_input(source_.name(), std::string(what) + " (while " + during + ")");
}

namespace {

EntryType type_of(struct archive_entry* e) {
  if (archive_entry_hardlink(e) != nullptr) return EntryType::kHardlink;
  switch (archive_entry_filetype(e)) {
    case AE_IFDIR:
      return EntryType::kDir;
    case AE_IFLNK:
      return EntryType::kSymlink;
    case AE_IFCHR:
      return EntryType::kCharDevice;
    case AE_IFBLK:
      return EntryType::kBlockDevice;
    case AE_IFIFO:
      return EntryType::kFifo;
    default:
      return EntryType::kFile;
  }
}

}  // namespace

bool TarReader::next(TarEntry& entry) {
  struct archive_entry* e = nullptr;
  int rc = archive_read_next_header(archive_.get(), &e);
  if (rc == ARCHIVE_EOF && pending_ == nullptr) return false;
  check(rc, saw_header_ ? "reading a header" : "reading the first header");
  saw_header_ = true;
  data_offset_ = static_cast<std::uint64_t>(archive_filter_bytes(archive_.get(), 0));
  sparse_ = archive_entry_sparse_count(e) > 0;

  const char* path = archive_entry_pathname(e);
  entry = TarEntry{};
  entry.path = path != nullptr ? path : "";
  entry.type = type_of(e);
  entry.mode = static_cast<std::uint32_t>(archive_entry_perm(e)) & 07777U;
  entry.uid = static_cast<std::uint32_t>(archive_entry_uid(e));
  entry.gid = static_cast<std::uint32_t>(archive_entry_gid(e));
  entry.mtime = archive_entry_mtime(e);
  if (entry.type == EntryType::kFile)
    entry.size = static_cast<std::uint64_t>(archive_entry_size(e));
  if (entry.type == EntryType::kHardlink) {
    entry.link_target = archive_entry_hardlink(e);
  } else if (entry.type == EntryType::kSymlink) {
    const char* target = archive_entry_symlink(e);
    entry.link_target = target != nullptr ? target : "";
  }
  if (entry.type == EntryType::kCharDevice || entry.type == EntryType::kBlockDevice) {
    entry.dev_major = static_cast<std::uint32_t>(archive_entry_rdevmajor(e));
    entry.dev_minor = static_cast<std::uint32_t>(archive_entry_rdevminor(e));
  }
  archive_entry_xattr_reset(e);
  const char* name = nullptr;
  const void* value = nullptr;
  std::size_t size = 0;
  while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
    entry.xattrs[name] = std::string(static_cast<const char*>(value), size);
  }
  return true;
}

std::size_t TarReader::read_data(std::span<std::byte> buf) {
  const la_ssize_t n = archive_read_data(archive_.get(), buf.data(), buf.size());
  if (n < 0) check(static_cast<int>(n), "reading member data");
  if (pending_) std::rethrow_exception(std::exchange(pending_, nullptr));
  return static_cast<std::size_t>(n < 0 ? 0 : n);
}

std::uint64_t TarReader::position() const {
  return static_cast<std::uint64_t>(archive_filter_bytes(archive_.get(), 0));
}

std::vector<std::byte> read_entry_data(TarReader& reader, std::uint64_t limit) {
  std::vector<std::byte> out;
  std::vector<std::byte> buf(kChunkSize);
  for (std::size_t n; (n = reader.read_data(buf)) != 0;) {
    if (out.size() + n > limit) {
      throw Error(ExitCode::kBadInput,
                  "a member is larger than the " + std::to_string(limit) + " bytes expected");
    }
    out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
  }
  return out;
}

}  // namespace pare
