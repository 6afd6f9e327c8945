#pragma once

#include <string>

namespace pare {

/// One path a traced process looked at (run_in_sandbox with RunRequest::trace).
struct FileAccess {
  /// Absolute inside the image root, lexically normalized ("." and ".." resolved against the
  /// cwd or dirfd; symlinks NOT resolved); never a host path. Paths under /proc, /sys and /dev
  /// are not recorded: the runtime provides them.
  std::string path;
  /// What was done, for a plan's reason: "open(O_RDONLY)", "open(O_WRONLY|O_CREAT)" (the access
  /// mode with O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_TMPFILE; "open(O_PATH)"), "execve", "stat",
  /// "lstat", "statx", "access", "readlink", "opendir" (getdents on an fd, or open with
  /// O_DIRECTORY), "chdir", "mkdir", "truncate", "rename" (the source), "unlink", "rmdir",
  /// "symlink" and "link" (the folder the new name is made in), "utime", "chmod", "chown", "mknod",
  /// "statfs", "uselib", "chroot" (after which the process's absolute paths are taken inside
  /// its new root).
  std::string call;
  int error = 0;    ///< errno of the call (ENOENT for a failed look-up), 0 on success
  int process = 0;  ///< 1 for the first process, 2.. for children in the order they appeared

  bool operator==(const FileAccess&) const = default;
};

}  // namespace pare
