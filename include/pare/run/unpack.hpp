#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "pare/fs/image_tree.hpp"
#include "pare/image/bundle.hpp"
#include "pare/image/image.hpp"
#include "pare/image/layer_reader.hpp"

namespace pare {

/// Writes the merged file tree of `image` into `dest`, an existing empty folder, so that it can
/// be run (see sandbox.hpp). `tree` is build_tree(bundle, image, limits) of the same image:
/// whiteouts and opaque folders are already applied, and every path in it is where the image's
/// own resolution put it (an entry under a symlinked folder lands at the link's target inside
/// the image root).
///
/// Folders, regular files, symlinks (targets as written, never followed), hardlinks (linked to
/// the path carrying the bytes) and fifos are made; character and block devices are skipped,
/// as the runtime provides /dev. File bytes come from what build_tree captured whole, else from
/// the layer each final file came from, read again by offset (ImageTree::layer_files) in each
/// layer's order; a layer holding no such file is not read at all. Modes (setuid, setgid and sticky
/// bits included), owners, mtimes and the `security.capability` xattr (file capabilities) are kept;
/// folders get theirs last. Owners are restored only when running as root (tar's rule); `dest`
/// itself takes the attributes of the image root (0755 root:root unless a layer says otherwise).
///
/// Confinement: every host operation is an *at() call relative to a descriptor of `dest`, one
/// path component at a time with O_NOFOLLOW / AT_SYMLINK_NOFOLLOW, so a symlink of the image is
/// never followed on the host and nothing is written outside `dest`.
///
/// Throws Error: exit 3 for bad image data (a layer whose bytes are no longer what the first
/// read summed, an empty symlink target, `dest` not empty) and the errors of LayerFiles (names
/// `bundle` in messages); exit 4 for I/O
/// errors, as `<what>: <host path>: <strerror>`. On failure `dest` holds a partial tree the
/// caller removes.
void unpack_rootfs(const Bundle& bundle, const ImageTree& tree, const std::filesystem::path& dest);

/// Reads the regular file at image path `path` of an unpacked rootfs, resolving symlinks as a
/// chroot into `rootfs` would (openat2 RESOLVE_IN_ROOT: an absolute target or ".." never
/// leaves it; where openat2 is missing, no symlink is followed at all). nullopt when the file
/// is absent, unreadable or not a regular file. Throws Error (exit 3) when it holds more than
/// `limit` bytes, exit 4 on a read error.
std::optional<std::string> read_rootfs_file(const std::filesystem::path& rootfs,
                                            std::string_view path, std::size_t limit);

/// Writes `content` as the regular file at image path `path` of an unpacked rootfs (a temporary
/// copy the caller owns, such as /etc/hosts before a run). Its folders are resolved inside
/// `rootfs` as read_rootfs_file does (a symlinked /etc is followed inside the image, never on
/// the host) and made (0755) when missing. Whatever is at the path that is not a folder (a
/// symlink, a fifo) is replaced, not followed. The file gets `mode`, root:root. Throws Error:
/// exit 3 when the path is a folder or a folder on the way is not one, exit 4 on I/O errors.
void write_rootfs_file(const std::filesystem::path& rootfs, std::string_view path,
                       std::string_view content, std::uint32_t mode = 0644);

}  // namespace pare
