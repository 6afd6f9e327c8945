#include "pare/image/bundle.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <map>

#include "pare/archive/compression.hpp"
#include "pare/archive/tar_reader.hpp"
#include "pare/util/error.hpp"
#include "pare/util/file.hpp"
#include "pare/util/path.hpp"

namespace pare {

std::vector<std::byte> Bundle::read(const std::string& path, std::uint64_t limit) const {
  auto source = open(path);
  return read_all(*source, limit);
}

std::unique_ptr<ByteSource> Bundle::open_at(const std::string& path, std::uint64_t offset) const {
  auto source = open(path);
  source->skip(offset);
  return source;
}

namespace {

/// An uncompressed tar file indexed once (member -> offset and size), its members then read
/// by range. Symlinked and hardlinked members (podman's `<id>/layer.tar -> ../<diffid>.tar`)
/// are followed inside the archive.
class TarBundle : public Bundle {
 public:
  /// Indexes the tar at `file`; `display` names it in messages. `keep_alive` is held for the
  /// bundle's lifetime (the temporary file a spooled input lives in).
  TarBundle(const std::filesystem::path& file, std::string display,
            std::shared_ptr<void> keep_alive = nullptr);
  const std::string& describe() const override { return display_; }
  std::optional<std::uint64_t> size(const std::string& path) const override;
  std::unique_ptr<ByteSource> open(const std::string& path) const override;
  std::unique_ptr<ByteSource> open_at(const std::string& path, std::uint64_t offset) const override;

 private:
  enum class MemberType { kFile, kDir, kSymlink, kHardlink };
  struct Member {
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
    MemberType type = MemberType::kFile;
    std::string link;  ///< normalized target path of a symlink or hardlink
  };
  const Member* find_file(const std::string& path) const;

  std::string display_;
  std::shared_ptr<void> keep_alive_;
  std::shared_ptr<const UniqueFd> fd_;
  std::map<std::string, Member, std::less<>> members_;
};

/// An OCI image layout folder. Paths never leave it: ".." and absolute paths are refused, a
/// symlink inside resolves as in a chroot into the folder (never to a host file), and only
/// regular files are opened.
class DirBundle : public Bundle {
 public:
  DirBundle(const std::filesystem::path& root, std::string display);
  BundleKind kind() const override { return BundleKind::kFolder; }
  const std::string& describe() const override { return display_; }
  std::optional<std::uint64_t> size(const std::string& path) const override;
  std::unique_ptr<ByteSource> open(const std::string& path) const override;
  std::unique_ptr<ByteSource> open_at(const std::string& path, std::uint64_t offset) const override;

 private:
  /// The regular file at `path` and its size; an empty descriptor when there is none.
  std::pair<std::shared_ptr<const UniqueFd>, std::uint64_t> open_file(
      const std::string& path) const;
  UniqueFd root_;
  std::string display_;
};

TarBundle::TarBundle(const std::filesystem::path& file, std::string display,
                     std::shared_ptr<void> keep_alive)
    : display_(std::move(display)), keep_alive_(std::move(keep_alive)) {
  fd_ = std::make_shared<const UniqueFd>(open_read(file));
  struct stat st {};
  ::fstat(fd_->get(), &st);
  FileRangeSource whole(fd_, 0, static_cast<std::uint64_t>(st.st_size), display_);
  TarReader reader(whole);
  TarEntry entry;
  while (reader.next(entry)) {
    auto path = normalize_path(entry.path);
    if (!path || path->empty()) continue;  // "..": not a name any image format uses
    Member m;
    m.offset = reader.data_offset();
    m.size = entry.size;
    switch (entry.type) {
      case EntryType::kFile:
        m.type = MemberType::kFile;
        break;
      case EntryType::kDir:
        m.type = MemberType::kDir;
        break;
      case EntryType::kSymlink:
        m.type = MemberType::kSymlink;
        m.link = clamp_path(join_path(parent_path(*path), entry.link_target));
        break;
      case EntryType::kHardlink:
        m.type = MemberType::kHardlink;
        m.link = clamp_path(entry.link_target);
        break;
      default:
        continue;
    }
    members_[*path] = std::move(m);
  }
}

const TarBundle::Member* TarBundle::find_file(const std::string& path) const {
  auto normalized = normalize_path(path);
  if (!normalized) return nullptr;
  std::string current = *normalized;
  for (int hops = 0; hops < 16; ++hops) {
    auto it = members_.find(current);
    if (it == members_.end()) return nullptr;
    const Member& m = it->second;
    if (m.type == MemberType::kFile) return &m;
    if (m.type == MemberType::kDir) return nullptr;
    current = m.link;
  }
  return nullptr;
}

std::optional<std::uint64_t> TarBundle::size(const std::string& path) const {
  const Member* m = find_file(path);
  if (m == nullptr) return std::nullopt;
  return m->size;
}

std::unique_ptr<ByteSource> TarBundle::open(const std::string& path) const {
  const Member* m = find_file(path);
  if (m == nullptr) throw Error::bad_input(display_, "has no member " + path);
  return std::make_unique<FileRangeSource>(fd_, m->offset, m->size, display_ + ": " + path);
}

std::unique_ptr<ByteSource> TarBundle::open_at(const std::string& path,
                                               std::uint64_t offset) const {
  const Member* m = find_file(path);
  if (m == nullptr) throw Error::bad_input(display_, "has no member " + path);
  const std::uint64_t skip = std::min(offset, m->size);
  return std::make_unique<FileRangeSource>(fd_, m->offset + skip, m->size - skip,
                                           display_ + ": " + path);
}

DirBundle::DirBundle(const std::filesystem::path& root, std::string display)
    : root_(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)),
      display_(std::move(display)) {
  if (!root_) throw Error::system(display_, errno_message("cannot open folder"));
}

std::pair<std::shared_ptr<const UniqueFd>, std::uint64_t> DirBundle::open_file(
    const std::string& path) const {
  auto normalized = normalize_path(path);
  if (!normalized || normalized->empty()) return {};
  // O_NONBLOCK: a FIFO in the folder must not stall the open; it is refused below.
  auto fd = std::make_shared<const UniqueFd>(
      open_in_root(root_.get(), *normalized, O_RDONLY | O_NONBLOCK));
  struct stat st {};
  if (!*fd || ::fstat(fd->get(), &st) != 0 || !S_ISREG(st.st_mode)) return {};
  return {fd, static_cast<std::uint64_t>(st.st_size)};
}

std::optional<std::uint64_t> DirBundle::size(const std::string& path) const {
  const auto [fd, bytes] = open_file(path);
  if (!fd) return std::nullopt;
  return bytes;
}

std::unique_ptr<ByteSource> DirBundle::open(const std::string& path) const {
  return open_at(path, 0);
}

std::unique_ptr<ByteSource> DirBundle::open_at(const std::string& path,
                                               std::uint64_t offset) const {
  auto [fd, bytes] = open_file(path);
  if (!fd) throw Error::bad_input(display_, "has no file " + path);
  const std::uint64_t skip = std::min(offset, bytes);
  return std::make_unique<FileRangeSource>(std::move(fd), skip, bytes - skip,
                                           display_ + "/" + path);
}

std::array<std::byte, 512> read_head(int fd, std::size_t* got) {
  std::array<std::byte, 512> head{};
  const ssize_t n = ::pread(fd, head.data(), head.size(), 0);
  *got = n > 0 ? static_cast<std::size_t>(n) : 0;
  return head;
}

/// Explains what a file that is not a tar looks like, so the error says more than "not a tar".
std::string what_it_is(std::span<const std::byte> head) {
  for (std::byte b : head) {
    const char c = static_cast<char>(b);
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '{' || c == '[') return "a JSON document, not an image archive";
    break;
  }
  return "not an image: neither a tar archive nor an OCI layout folder";
}

bool looks_like_tar(std::span<const std::byte> head) {
  // ustar magic at offset 257 ("ustar\0" POSIX or "ustar  " GNU); v7 tars have none, but
  // no image producer writes those.
  static constexpr std::string_view kMagic = "ustar";
  if (head.size() < 262) return false;
  return to_string(head.subspan(257, 5)) == kMagic;
}

std::unique_ptr<Bundle> spool(ByteSource& input, const std::string& display,
                              const InputLimits& limits) {
  Compression kind = Compression::kNone;
  auto plain = open_decompressed(input, &kind);
  NamedSource named(std::move(plain), display);
  LimitedSource bounded(named, limits.max_image_bytes,
                        kind == Compression::kNone ? "the input" : "the decompressed archive",
                        "--max-image-bytes");
  auto temp = std::make_shared<TempFile>(TempFile::create("pare-input"));
  if (temp->append(bounded) == 0) throw Error::bad_input(display, "empty input");
  std::size_t got = 0;
  auto head = read_head(temp->fd(), &got);
  if (!looks_like_tar(std::span(head).first(got))) {
    throw Error::bad_input(display, what_it_is(std::span(head).first(got)));
  }
  auto path = temp->path();
  return std::make_unique<TarBundle>(path, display, temp);
}

}  // namespace

std::unique_ptr<Bundle> open_bundle(const std::string& path, const InputLimits& limits) {
  if (path == "-") {
    FileSource in(STDIN_FILENO, "<stdin>");
    return spool(in, "<stdin>", limits);
  }
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    throw Error::system(path, "no such file or folder");
  }
  if (std::filesystem::is_directory(status)) return std::make_unique<DirBundle>(path, path);
  const UniqueFd fd = open_read(path);
  std::size_t got = 0;
  auto head = read_head(fd.get(), &got);
  if (got == 0) throw Error::bad_input(path, "empty file");
  const auto bytes = std::span(head).first(got);
  if (detect_compression(bytes) != Compression::kNone) {
    FileSource in(path);
    return spool(in, path, limits);
  }
  if (!looks_like_tar(bytes)) throw Error::bad_input(path, what_it_is(bytes));
  return std::make_unique<TarBundle>(path, path);
}

}  // namespace pare
