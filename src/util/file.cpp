#include "pare/util/file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <vector>

#include "pare/util/error.hpp"
#include "pare/util/path.hpp"
#include "pare/util/signal_cleanup.hpp"

namespace pare {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  reset();
}

void UniqueFd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void write_all(int fd, std::span<const std::byte> bytes, const std::string& name) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error::system(name, errno_message("write failed"));
    }
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
}

UniqueFd open_read(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw Error::system(path.string(), errno_message("cannot open"));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw Error::system(path.string(), errno_message("cannot stat"));
  if (!S_ISREG(st.st_mode)) throw Error::bad_input(path.string(), "not a regular file");
  return fd;
}

int openat_beneath(int root, std::string_view path, int flags) {
  const auto parts = split_path(path);
  if (parts.empty()) return ::openat(root, ".", flags | O_CLOEXEC);
  constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  UniqueFd current;
  int at = root;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string name(parts[i]);
    if (name == "." || name == "..") {
      errno = EINVAL;
      return -1;
    }
    const bool last = i + 1 == parts.size();
    const int fd = ::openat(at, name.c_str(), (last ? flags | O_NOFOLLOW | O_CLOEXEC : kDirFlags));
    if (fd < 0 || last) return fd;
    current = UniqueFd(fd);
    at = current.get();
  }
  return -1;  // not reached: the last component returns above
}

int open_in_root(int root, const std::string& path, int flags) {
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  const long fd = ::syscall(SYS_openat2, root, path.empty() ? "." : path.c_str(), &how, sizeof how);
  if (fd >= 0 || errno != ENOSYS) return static_cast<int>(fd);
  return openat_beneath(root, path, flags);
}

namespace {

std::size_t read_fd(int fd, std::span<std::byte> buf, const std::string& name) {
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) throw Error::system(name, errno_message("read failed"));
  }
}

}  // namespace

std::size_t FileRangeSource::read(std::span<std::byte> buf) {
  const std::size_t want =
      static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), remaining_));
  if (want == 0) return 0;
  for (;;) {
    const ssize_t n = ::pread(fd_->get(), buf.data(), want, static_cast<off_t>(offset_));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error::system(name_, errno_message("read failed"));
    if (n == 0) throw Error::bad_input(name_, "ends early (the file is truncated)");
    offset_ += static_cast<std::uint64_t>(n);
    remaining_ -= static_cast<std::uint64_t>(n);
    return static_cast<std::size_t>(n);
  }
}

std::uint64_t FileRangeSource::skip(std::uint64_t count) {
  const std::uint64_t n = std::min(count, remaining_);
  offset_ += n;
  remaining_ -= n;
  return n;
}

FileSource::FileSource(const std::filesystem::path& path)
    : owned_(open_read(path)), borrowed_(owned_.get()), name_(path.string()) {}

std::size_t FileSource::read(std::span<std::byte> buf) {
  return read_fd(borrowed_, buf, name_);
}

TempFile TempFile::create(const std::string& prefix) {
  const char* dir = std::getenv("TMPDIR");
  std::string pattern =
      std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/" + prefix + ".XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  UniqueFd fd;
  auto path = track_temporary([&] {
    fd = UniqueFd(::mkostemp(name.data(), O_CLOEXEC));
    return fd ? std::filesystem::path(name.data()) : std::filesystem::path();
  });
  if (!fd) throw Error::system(pattern, errno_message("cannot create a temporary file"));
  return {std::move(path), std::move(fd)};
}

TempDir::TempDir(const std::string& prefix) {
  const char* dir = std::getenv("TMPDIR");
  std::string pattern =
      std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/" + prefix + ".XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  path_ = track_temporary([&] {
    return ::mkdtemp(name.data()) != nullptr ? std::filesystem::path(name.data())
                                             : std::filesystem::path();
  });
  if (path_.empty()) {
    throw Error::system(pattern, errno_message("cannot create a temporary folder"));
  }
}

namespace {

/// The mount `name` (below `dir`) is on: its mount id where statx says it (Linux 5.8), else its
/// device. A bind mount of a folder of the same filesystem has the same device but not the id.
std::optional<std::uint64_t> mount_of(int dir, const char* name) {
  struct statx sx {};
  if (::statx(dir, name, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH, STATX_MNT_ID, &sx) != 0) {
    return std::nullopt;
  }
  if ((sx.stx_mask & STATX_MNT_ID) != 0U) return sx.stx_mnt_id;
  return (std::uint64_t{sx.stx_dev_major} << 32U) | sx.stx_dev_minor;
}

/// Empties the folder open as `dir` (on mount `mount`).
void empty_folder(const UniqueFd& dir, std::uint64_t mount, const std::filesystem::path& shown) {
  const int fd = dir.get();
  std::vector<std::string> names;
  {
    UniqueFd listed(::fcntl(fd, F_DUPFD_CLOEXEC, 0));  // the stream owns (and closes) its own
    const std::unique_ptr<DIR, int (*)(DIR*)> stream(listed ? ::fdopendir(listed.get()) : nullptr,
                                                     &::closedir);
    if (!stream) return;
    (void)listed.release();
    while (const dirent* e = ::readdir(stream.get())) {
      const std::string_view name = e->d_name;
      if (name != "." && name != "..") names.emplace_back(name);
    }
  }
  for (const auto& name : names) {
    auto here = mount_of(fd, name.c_str());
    if (here && *here != mount) {
      // A mount below a temporary folder (a sandbox's, seen from here): detached, never entered.
      (void)::umount2((shown / name).c_str(), MNT_DETACH | UMOUNT_NOFOLLOW);
      here = mount_of(fd, name.c_str());
      if (!here || *here != mount) continue;
    }
    if (::unlinkat(fd, name.c_str(), 0) == 0) continue;
    UniqueFd child(::openat(fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!child) continue;
    empty_folder(child, mount, shown / name);
    (void)::unlinkat(fd, name.c_str(), AT_REMOVEDIR);
  }
}

}  // namespace

void remove_tree(const std::filesystem::path& path) noexcept {
  try {
    if (::unlink(path.c_str()) == 0 || errno == ENOENT) return;
    UniqueFd dir(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir) return;
    const auto mount = mount_of(dir.get(), "");
    if (!mount) return;
    empty_folder(dir, *mount, path);
    (void)::rmdir(path.c_str());
  } catch (...) {  // std::bad_alloc from a name: what is left stays
  }
}

TempDir::~TempDir() {
  remove_tree(path_);  // best effort: a destructor must not throw
  untrack_temporary(path_);
}

TempFile::TempFile(TempFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::move(other.fd_)) {
  other.path_.clear();
}

TempFile::~TempFile() {
  if (path_.empty()) return;
  ::unlink(path_.c_str());
  untrack_temporary(path_);
}

void TempFile::append(std::span<const std::byte> bytes) {
  write_all(fd_.get(), bytes, path_.string());
}

void TempFile::write_at(std::uint64_t offset, std::span<const std::byte> bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pwrite(fd_.get(), bytes.data() + done, bytes.size() - done,
                               static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error::system(path_.string(), errno_message("write failed"));
    done += static_cast<std::size_t>(n);
  }
}

std::vector<std::byte> TempFile::read_at(std::uint64_t offset, std::uint64_t size) const {
  std::vector<std::byte> out(size);
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n =
        ::pread(fd_.get(), out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error::system(path_.string(), errno_message("read failed"));
    if (n == 0) throw Error::system(path_.string(), "ends before what was written to it");
    done += static_cast<std::size_t>(n);
  }
  return out;
}

std::uint64_t TempFile::append(ByteSource& source) {
  std::vector<std::byte> buf(1 << 20);
  std::uint64_t total = 0;
  for (std::size_t n; (n = source.read(buf)) != 0;) {
    write_all(fd_.get(), std::span(buf).first(n), path_.string());
    total += n;
  }
  return total;
}

AtomicFile::AtomicFile(std::filesystem::path path) : path_(std::move(path)) {
  const auto dir = path_.has_parent_path() ? path_.parent_path() : std::filesystem::path(".");
  std::string pattern =
      (dir / std::string(".").append(path_.filename().string()).append(".tmp.XXXXXX")).string();
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  temp_path_ = track_temporary([&] {
    fd_ = UniqueFd(::mkostemp(name.data(), O_CLOEXEC));
    return fd_ ? std::filesystem::path(name.data()) : std::filesystem::path();
  });
  if (!fd_) throw Error::system(path_.string(), errno_message("cannot create the output"));
  ::fchmod(fd_.get(), 0644);
}

AtomicFile::~AtomicFile() {
  if (temp_path_.empty()) return;
  if (!committed_) ::unlink(temp_path_.c_str());
  untrack_temporary(temp_path_);
}

void AtomicFile::write(std::span<const std::byte> bytes) {
  write_all(fd_.get(), bytes, path_.string());
}

void AtomicFile::write(std::string_view text) {
  write(std::as_bytes(std::span(text.data(), text.size())));
}

void AtomicFile::commit() {
  if (::fsync(fd_.get()) != 0) throw Error::system(path_.string(), errno_message("fsync failed"));
  fd_.reset();
  // A signal after the rename removes a path that is no longer there: the output stays.
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    throw Error::system(path_.string(), errno_message("cannot rename the output into place"));
  }
  committed_ = true;
}

void refuse_output_over_input(const std::filesystem::path& output,
                              const std::vector<std::filesystem::path>& inputs) {
  struct stat out {};
  const bool exists = ::stat(output.c_str(), &out) == 0;
  std::error_code ec;
  // The folder the output will be in, resolved: a new file there is inside an input folder when
  // that folder or one of its parents is one.
  const std::filesystem::path parent =
      std::filesystem::weakly_canonical(std::filesystem::absolute(output, ec).parent_path(), ec);
  for (const auto& input : inputs) {
    struct stat in {};
    if (::stat(input.c_str(), &in) != 0) continue;
    if (exists && in.st_dev == out.st_dev && in.st_ino == out.st_ino) {
      throw Error::usage(output.string() + " is the input " + input.string() +
                         ": write the output to another path");
    }
    if (!S_ISDIR(in.st_mode)) continue;
    for (std::filesystem::path p = parent; !p.empty(); p = p.parent_path()) {
      struct stat dir {};
      if (::stat(p.c_str(), &dir) == 0 && dir.st_dev == in.st_dev && dir.st_ino == in.st_ino) {
        throw Error::usage(output.string() + " is inside the input folder " + input.string() +
                           ": write the output outside it");
      }
      if (p == p.root_path()) break;
    }
  }
}

}  // namespace pare
