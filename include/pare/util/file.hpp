#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "pare/util/byte_source.hpp"

namespace pare {

/// An owned file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset();
  /// Gives the descriptor up, to an owner that closes it (a DIR stream).
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

/// Writes every byte to `fd`, retrying short writes; throws Error (exit 4) naming `name`.
void write_all(int fd, std::span<const std::byte> bytes, const std::string& name);

/// Opens a file read-only; throws Error (exit 4, or 3 when it is not a regular file).
UniqueFd open_read(const std::filesystem::path& path);

/// Opens a normalized path below the folder `root`, one component at a time, never following a
/// symlink: the folders with O_NOFOLLOW | O_DIRECTORY, the last with `flags` | O_NOFOLLOW. A
/// symlink on the way fails with ELOOP or ENOTDIR. Returns the descriptor, or -1 with errno set.
int openat_beneath(int root, std::string_view path, int flags);

/// Opens a normalized path below the folder `root` as a chroot into it would resolve it:
/// openat2 with RESOLVE_IN_ROOT (symlinks followed, but never above `root`). Where the kernel
/// has no openat2 (before 5.6), no symlink is followed at all. -1 with errno set on failure.
int open_in_root(int root, const std::string& path, int flags);

/// A byte range of an open file, read with pread so several may share one descriptor.
class FileRangeSource : public ByteSource {
 public:
  FileRangeSource(std::shared_ptr<const UniqueFd> fd, std::uint64_t offset, std::uint64_t length,
                  std::string name)
      : fd_(std::move(fd)), offset_(offset), remaining_(length), name_(std::move(name)) {}
  std::size_t read(std::span<std::byte> buf) override;
  std::string name() const override { return name_; }
  /// Moves the offset: no byte is read (a range past the file's end fails at the next read).
  std::uint64_t skip(std::uint64_t count) override;

 private:
  std::shared_ptr<const UniqueFd> fd_;
  std::uint64_t offset_;
  std::uint64_t remaining_;
  std::string name_;
};

/// A whole file, or standard input, read sequentially.
class FileSource : public ByteSource {
 public:
  /// Opens `path`; throws Error on failure.
  explicit FileSource(const std::filesystem::path& path);
  /// Reads from an already-open descriptor it does not own (standard input).
  FileSource(int fd, std::string name) : borrowed_(fd), name_(std::move(name)) {}
  std::size_t read(std::span<std::byte> buf) override;
  std::string name() const override { return name_; }

 private:
  UniqueFd owned_;
  int borrowed_ = -1;
  std::string name_;
};

/// A temporary file that is removed when this object goes away.
class TempFile {
 public:
  /// Creates an empty file in $TMPDIR (or /tmp); throws Error on failure.
  static TempFile create(const std::string& prefix);
  TempFile(TempFile&& other) noexcept;
  TempFile& operator=(TempFile&&) = delete;
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile();

  const std::filesystem::path& path() const { return path_; }
  int fd() const { return fd_.get(); }
  /// Appends every byte of `source`; returns the count. Throws Error on a write failure.
  std::uint64_t append(ByteSource& source);
  /// Appends bytes; throws Error on a write failure.
  void append(std::span<const std::byte> bytes);
  /// Writes bytes at `offset` (past the end leaves a hole); safe to call from several threads
  /// for ranges that do not overlap. Throws Error on a write failure.
  void write_at(std::uint64_t offset, std::span<const std::byte> bytes);
  /// `size` bytes written earlier, from `offset`; throws Error (exit 4) on a read failure or
  /// when the file holds fewer.
  std::vector<std::byte> read_at(std::uint64_t offset, std::uint64_t size) const;

 private:
  TempFile(std::filesystem::path path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
  std::filesystem::path path_;
  UniqueFd fd_;
};

/// Removes `path` and everything below it, never following a link and never descending into a
/// mount: one found below is detached (umount2 MNT_DETACH, which leaves its source as it was)
/// and, if that fails, left in place with the folders holding it. Best effort, no exceptions.
void remove_tree(const std::filesystem::path& path) noexcept;

/// A temporary folder, removed with everything in it (remove_tree: links not followed, mounts
/// not entered) when this object goes away.
class TempDir {
 public:
  /// Creates an empty folder in $TMPDIR (or /tmp); throws Error on failure.
  explicit TempDir(const std::string& prefix = "pare");
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Refuses (Error exit 2) an output path that would overwrite or write into an input: the same
/// file (by device and inode: another spelling, a symlink or a hard link of it), or a path inside
/// an input folder. An output that does not exist yet is only checked against the folders.
void refuse_output_over_input(const std::filesystem::path& output,
                              const std::vector<std::filesystem::path>& inputs);

/// An output file that appears at its path only when commit() succeeds: written to a temporary
/// file in the same folder, fsynced, then renamed over the path. Removed if never committed.
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path path);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();

  int fd() const { return fd_.get(); }
  void write(std::span<const std::byte> bytes);
  void write(std::string_view text);
  /// fsync, close and rename into place; throws Error on failure.
  void commit();

 private:
  std::filesystem::path path_;
  std::filesystem::path temp_path_;
  UniqueFd fd_;
  bool committed_ = false;
};

}  // namespace pare
