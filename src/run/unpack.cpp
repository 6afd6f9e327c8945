#include "pare/run/unpack.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "pare/util/error.hpp"
#include "pare/util/file.hpp"
#include "pare/util/path.hpp"

namespace pare {

namespace {

namespace fs = std::filesystem;

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
constexpr const char* kCapabilityXattr = "security.capability";

/// "<what>: <host path>: <strerror(errno)>", exit 4.
Error io_error(const std::string& what, const fs::path& root, std::string_view path) {
  const std::string where = path.empty() ? root.string() : (root / path).string();
  return {ExitCode::kSystem, what + ": " + errno_message(where)};
}

/// A name from the tree is one component; anything else would let a path climb.
void check_name(std::string_view name, const fs::path& root) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos) {
    throw Error(ExitCode::kBadInput, "bad file name in image: " + (root / name).string());
  }
}

/// Opens the folder at a normalized path below `root` (see openat_beneath); throws Error.
UniqueFd open_dir_beneath(int root, std::string_view dir, const fs::path& display) {
  for (const auto part : split_path(dir)) check_name(part, display);
  UniqueFd fd(openat_beneath(root, dir, kDirFlags));
  if (!fd) throw io_error("cannot open folder", display, dir);
  return fd;
}

/// Folders below a root, opened by open_dir_beneath; the last one stays open, since a tree walk
/// visits the entries of one folder one after another.
class BeneathDirs {
 public:
  BeneathDirs(int root, fs::path display) : root_(root), display_(std::move(display)) {}

  /// A descriptor of the folder, valid until the next call.
  int open(std::string_view dir) {
    if (dir.empty()) return root_;
    if (!cached_ || dir != cached_path_) {
      cached_ = open_dir_beneath(root_, dir, display_);
      cached_path_ = dir;
    }
    return cached_.get();
  }

 private:
  int root_;
  fs::path display_;
  std::string cached_path_;
  UniqueFd cached_;
};

/// Sets owner (when root), mode, file capabilities and times on an open file or folder, in
/// that order: chown clears setuid bits and capabilities, so they come after it.
void apply_attributes(int fd, const Node& node, bool restore_owners, const fs::path& root,
                      std::string_view path) {
  if (restore_owners && ::fchown(fd, node.uid, node.gid) != 0) {
    throw io_error("cannot set owner", root, path);
  }
  if (::fchmod(fd, node.mode & 07777U) != 0) throw io_error("cannot set mode", root, path);
  if (const auto cap = node.xattrs.find(kCapabilityXattr);
      cap != node.xattrs.end() && restore_owners) {
    if (::fsetxattr(fd, kCapabilityXattr, cap->second.data(), cap->second.size(), 0) != 0 &&
        errno != ENOTSUP) {
      throw io_error("cannot set file capabilities", root, path);
    }
  }
  const timespec times[2] = {{node.mtime, 0}, {node.mtime, 0}};
  if (::futimens(fd, times) != 0) throw io_error("cannot set times", root, path);
}

/// Where a file's bytes are in the image: the layer, offset and normalized tar path of the entry
/// carrying them (Node::origin: a hardlink has its target's), so files are written in each
/// layer's order.
using DataKey = std::tuple<int, std::uint64_t, std::string>;

/// The paths that share one inode, and the bytes they get.
struct Inode {
  std::vector<std::string> paths;  ///< the first carries the bytes, the others link to it
  const Node* node = nullptr;
};

/// The offset of what is not in a layer, which sorts after what is.
constexpr std::uint64_t kNotInLayer = ~std::uint64_t{0};

bool captured_whole(const Node& node) {
  return node.captured && node.captured->size == node.size;
}

/// Creates (or truncates: a layer may hold the same path twice, the last one wins) a file for
/// writing (and reading back), never through a symlink.
UniqueFd create_file(BeneathDirs& dirs, const std::string& path, const fs::path& root) {
  const int dir = dirs.open(parent_path(path));
  const std::string name = base_name(path);
  check_name(name, root);
  UniqueFd fd(
      ::openat(dir, name.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) throw io_error("cannot create file", root, path);
  return fd;
}

/// The rootfs folder itself, which the caller names (its own symlinks are the caller's).
UniqueFd open_rootfs(const fs::path& rootfs) {
  return UniqueFd(::open(rootfs.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

}  // namespace

void unpack_rootfs(const Bundle& bundle, const ImageTree& tree, const fs::path& dest) {
  const UniqueFd root = open_rootfs(dest);
  if (!root) throw io_error("cannot open folder", dest, "");
  std::error_code error;
  if (fs::directory_iterator(dest, error) != fs::directory_iterator()) {
    throw Error(ExitCode::kBadInput,
                "cannot unpack into a folder that is not empty: " + dest.string());
  }
  const bool restore_owners = ::geteuid() == 0;
  BeneathDirs dirs(root.get(), dest);

  // Pass 1: the tree's shape. Folders are made 0700 so they stay writable until their own
  // attributes are applied, last.
  std::vector<std::pair<std::string, const Node*>> folders;
  std::vector<std::pair<std::string, const Node*>> others;  // symlinks and fifos
  std::map<DataKey, Inode> inodes;
  tree.rootfs.walk([&](const std::string& slash_path, const Node& node) {
    const std::string path = slash_path.substr(1);
    const std::string name = base_name(path);
    check_name(name, dest);
    switch (node.type) {
      case EntryType::kDir:
        if (::mkdirat(dirs.open(parent_path(path)), name.c_str(), 0700) != 0) {
          throw io_error("cannot create folder", dest, path);
        }
        folders.emplace_back(path, &node);
        break;
      case EntryType::kSymlink:
        if (node.link_target.empty()) {
          throw Error(ExitCode::kBadInput,
                      bundle.describe() + ": /" + path + ": symlink with an empty target");
        }
        if (::symlinkat(node.link_target.c_str(), dirs.open(parent_path(path)), name.c_str()) !=
            0) {
          throw io_error("cannot create symlink", dest, path);
        }
        others.emplace_back(path, &node);
        break;
      case EntryType::kFifo:
        if (::mknodat(dirs.open(parent_path(path)), name.c_str(), S_IFIFO | 0600, 0) != 0) {
          throw io_error("cannot create fifo", dest, path);
        }
        others.emplace_back(path, &node);
        break;
      case EntryType::kFile:
      case EntryType::kHardlink: {
        const auto* at = std::get_if<LayerBytes>(&node.origin);
        const DataKey key = at != nullptr ? DataKey{at->layer, at->offset, at->path}
                                          : DataKey{node.layer, kNotInLayer, path};
        Inode& inode = inodes[key];
        // The regular file, when it is still there, carries the bytes; else the first link.
        if (node.type == EntryType::kFile) {
          inode.paths.insert(inode.paths.begin(), path);
          inode.node = &node;
        } else {
          inode.paths.push_back(path);
          if (inode.node == nullptr) inode.node = &node;
        }
        break;
      }
      case EntryType::kCharDevice:
      case EntryType::kBlockDevice:
        break;  // the runtime provides /dev
    }
  });

  // Pass 2: bytes. Captured ones from the content store, the rest from their layers, by
  // offset and in each layer's order.
  for (auto& [key, inode] : inodes) {
    const Node& node = *inode.node;
    const std::string& carrier = inode.paths.front();
    const UniqueFd fd = create_file(dirs, carrier, dest);
    const std::string host = (dest / carrier).string();
    const auto* at = std::get_if<LayerBytes>(&node.origin);
    if (node.size == 0) continue;
    if (captured_whole(node) || at == nullptr || !tree.layer_files) {
      const auto bytes = tree.read(node);
      if (!bytes) {
        throw Error(ExitCode::kBadInput,
                    bundle.describe() + ": /" + carrier + ": its bytes are not in the tree");
      }
      write_all(fd.get(), *bytes, host);
      continue;
    }
    copy_layer_bytes(*tree.layer_files, *at, node.size,
                     [&](std::span<const std::byte> bytes) { write_all(fd.get(), bytes, host); });
  }

  // Pass 3: hardlinks, then the attributes of everything but folders.
  for (const auto& [key, inode] : inodes) {
    const std::string& carrier = inode.paths.front();
    const UniqueFd carrier_dir = open_dir_beneath(root.get(), parent_path(carrier), dest);
    const std::string carrier_name = base_name(carrier);
    for (std::size_t i = 1; i < inode.paths.size(); ++i) {
      const std::string& link = inode.paths[i];
      // linkat without AT_SYMLINK_FOLLOW never follows the carrier.
      if (::linkat(carrier_dir.get(), carrier_name.c_str(), dirs.open(parent_path(link)),
                   base_name(link).c_str(), 0) != 0) {
        throw io_error("cannot create hardlink", dest, link);
      }
    }
    const UniqueFd fd(::openat(carrier_dir.get(), carrier_name.c_str(),
                               O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!fd) throw io_error("cannot open file", dest, carrier);
    apply_attributes(fd.get(), *inode.node, restore_owners, dest, carrier);
  }
  for (const auto& [path, node] : others) {
    const int dir = dirs.open(parent_path(path));
    const std::string name = base_name(path);
    if (node->type == EntryType::kSymlink) {
      if (restore_owners &&
          ::fchownat(dir, name.c_str(), node->uid, node->gid, AT_SYMLINK_NOFOLLOW) != 0) {
        throw io_error("cannot set owner", dest, path);
      }
      const timespec times[2] = {{node->mtime, 0}, {node->mtime, 0}};
      if (::utimensat(dir, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
        throw io_error("cannot set times", dest, path);
      }
      continue;
    }
    // A fifo opened for reading without blocking: no writer is needed.
    const UniqueFd fd(::openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!fd) throw io_error("cannot open fifo", dest, path);
    apply_attributes(fd.get(), *node, restore_owners, dest, path);
  }

  // Pass 4: folders, deepest first, so setting a child's attributes never disturbs a parent's
  // mtime afterwards and a read-only folder is not entered again.
  std::reverse(folders.begin(), folders.end());
  for (const auto& [path, node] : folders) {
    const UniqueFd fd(::openat(dirs.open(parent_path(path)), base_name(path).c_str(), kDirFlags));
    if (!fd) throw io_error("cannot open folder", dest, path);
    apply_attributes(fd.get(), *node, restore_owners, dest, path);
  }
  apply_attributes(root.get(), tree.rootfs.root(), restore_owners, dest, "");
}

std::optional<std::string> read_rootfs_file(const fs::path& rootfs, std::string_view path,
                                            std::size_t limit) {
  const UniqueFd root = open_rootfs(rootfs);
  if (!root) return std::nullopt;
  const UniqueFd fd(open_in_root(root.get(), clamp_path(path), O_RDONLY | O_NONBLOCK));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  if (static_cast<std::uint64_t>(st.st_size) > limit) {
    throw Error(ExitCode::kBadInput, (rootfs / clamp_path(path)).string() + ": more than " +
                                         std::to_string(limit) + " bytes");
  }
  std::string content(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < content.size()) {
    const ssize_t n = ::read(fd.get(), content.data() + got, content.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw io_error("cannot read", rootfs, clamp_path(path));
    if (n == 0) break;  // it shrank while being read
    got += static_cast<std::size_t>(n);
  }
  content.resize(got);
  return content;
}

void write_rootfs_file(const fs::path& rootfs, std::string_view path, std::string_view content,
                       std::uint32_t mode) {
  const std::string normalized = clamp_path(path);
  if (normalized.empty())
    throw Error(ExitCode::kBadInput, "cannot write the root folder as a file");
  const UniqueFd root = open_rootfs(rootfs);
  if (!root) throw io_error("cannot open folder", rootfs, "");

  // Each folder on the way is resolved inside the root, and made when missing.
  UniqueFd dir(::fcntl(root.get(), F_DUPFD_CLOEXEC, 0));
  if (!dir) throw io_error("cannot open folder", rootfs, "");
  std::string prefix;
  // split_path's views point into `parent`, which must outlive the loop (a temporary inside the
  // range expression dies before the body runs: a Release build read freed bytes).
  const std::string parent = parent_path(normalized);
  for (const auto part : split_path(parent)) {
    const std::string name(part);
    prefix = join_path(prefix, name);
    UniqueFd next(open_in_root(root.get(), prefix, O_RDONLY | O_DIRECTORY));
    if (!next && errno == ENOENT) {
      if (::mkdirat(dir.get(), name.c_str(), 0755) != 0 && errno != EEXIST) {
        throw io_error("cannot create folder", rootfs, prefix);
      }
      next = UniqueFd(open_in_root(root.get(), prefix, O_RDONLY | O_DIRECTORY));
      if (!next && errno == ENOENT) {
        throw Error(ExitCode::kBadInput,
                    "/" + prefix + " is a symlink to a missing folder in the image");
      }
    }
    if (!next && errno == ENOTDIR) {
      throw Error(ExitCode::kBadInput, "/" + prefix + " is not a folder in the image");
    }
    if (!next) throw io_error("cannot open folder", rootfs, prefix);
    dir = std::move(next);
  }

  // What is at the path is replaced, never followed: a symlink there could point anywhere.
  const std::string name = base_name(normalized);
  struct stat st {};
  if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISDIR(st.st_mode)) {
      throw Error(ExitCode::kBadInput, "/" + normalized + " is a folder in the image");
    }
    if (!S_ISREG(st.st_mode) && ::unlinkat(dir.get(), name.c_str(), 0) != 0) {
      throw io_error("cannot replace", rootfs, normalized);
    }
  }
  const UniqueFd fd(::openat(dir.get(), name.c_str(),
                             O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode & 07777U));
  if (!fd) throw io_error("cannot write", rootfs, normalized);
  write_all(fd.get(), std::as_bytes(std::span(content)), (rootfs / normalized).string());
  if (::geteuid() == 0 && ::fchown(fd.get(), 0, 0) != 0) {
    throw io_error("cannot set owner", rootfs, normalized);
  }
  if (::fchmod(fd.get(), mode & 07777U) != 0) throw io_error("cannot set mode", rootfs, normalized);
}

}  // namespace pare
