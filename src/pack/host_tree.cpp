#include "pare/pack/host_tree.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "pare/util/error.hpp"
#include "pare/util/file.hpp"
#include "pare/util/path.hpp"

namespace pare {

namespace {

/// The entries of one host copy, collected depth-first with their host paths.
class HostWalk {
 public:
  explicit HostWalk(const HostCopy& copy) : copy_(copy) {}

  void run(std::vector<CapturedEntry>& entries) {
    entries_ = &entries;
    struct stat st {};
    if (::lstat(copy_.source.c_str(), &st) != 0) {
      if (errno == ENOENT && copy_.missing_ok) return;
      throw Error::usage(copy_.source.string() + ": " + errno_message("cannot read"));
    }
    visit(copy_.source, copy_.dest, st, true);
  }

 private:
  void visit(const std::filesystem::path& host, const std::string& dest, const struct stat& st,
             bool top) {
    TarEntry e;
    e.path = dest;
    e.mode = st.st_mode & 07777U;
    if (top && copy_.mode) e.mode = *copy_.mode;
    e.uid = copy_.root_owned ? 0 : st.st_uid;
    e.gid = copy_.root_owned ? 0 : st.st_gid;
    e.mtime = st.st_mtim.tv_sec;
    ByteOrigin origin;
    if (S_ISREG(st.st_mode)) {
      e.type = EntryType::kFile;
      e.size = static_cast<std::uint64_t>(st.st_size);
      origin = HostBytes{host.string()};
    } else if (S_ISDIR(st.st_mode)) {
      e.type = EntryType::kDir;
    } else if (S_ISLNK(st.st_mode)) {
      e.type = EntryType::kSymlink;
      std::error_code ec;
      e.link_target = std::filesystem::read_symlink(host, ec).string();
      if (ec) throw Error::system(host.string(), "cannot read the link: " + ec.message());
    } else if (S_ISFIFO(st.st_mode)) {
      e.type = EntryType::kFifo;
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
      e.type = S_ISCHR(st.st_mode) ? EntryType::kCharDevice : EntryType::kBlockDevice;
      e.dev_major = major(st.st_rdev);
      e.dev_minor = minor(st.st_rdev);
    } else {
      return;  // a socket: nothing an image can hold
    }
    const bool dir = e.type == EntryType::kDir;
    entries_->push_back({std::move(e), std::move(origin), {}, {}});
    if (!dir) return;
    std::error_code ec;
    std::vector<std::filesystem::path> children;
    for (std::filesystem::directory_iterator it(host, ec), end; !ec && it != end;
         it.increment(ec)) {
      children.push_back(it->path());
    }
    if (ec) throw Error::system(host.string(), "cannot list the folder: " + ec.message());
    std::sort(children.begin(), children.end());
    for (const auto& child : children) {
      struct stat cst {};
      if (::lstat(child.c_str(), &cst) != 0) continue;  // gone since the listing
      visit(child, join_path(dest, child.filename().string()), cst, false);
    }
  }

  const HostCopy& copy_;
  std::vector<CapturedEntry>* entries_ = nullptr;
};

}  // namespace

std::unique_ptr<ByteSource> HostFileReader::open(const std::string& path) const {
  return std::make_unique<FileSource>(path);
}

void add_host_copies(ImageTree& tree, std::span<const HostCopy> copies, int layer) {
  std::vector<CapturedEntry> entries;
  for (const auto& copy : copies) HostWalk(copy).run(entries);
  if (!tree.host_files) tree.host_files = std::make_shared<HostFileReader>();
  tree.rootfs.apply_layer(layer, entries, "host files");
  if (tree.layers.size() <= static_cast<std::size_t>(layer)) {
    tree.layers.resize(static_cast<std::size_t>(layer) + 1);
  }
}

}  // namespace pare
