#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "pare/run/trace.hpp"

namespace pare {

/// What to run, and in what, as a container runtime would be asked.
struct RunRequest {
  std::filesystem::path rootfs;   ///< an unpacked image (unpack_rootfs), which the run modifies
  std::string program;            ///< absolute path inside the rootfs of what to exec
  std::vector<std::string> argv;  ///< argv as the container gets it (argv[0] as configured)
  /// The config's Env (KEY=VALUE). As docker does, HOSTNAME is added, and PATH (Docker's
  /// default) and HOME (the user's home from /etc/passwd, else "/") when absent.
  std::vector<std::string> env;
  std::string working_dir;  ///< default "/"
  /// The config's User: "", "uid", "uid:gid", "name", "name:group" (any mix of names and
  /// numbers). Names come from the rootfs' /etc/passwd and /etc/group, read confined. A user
  /// given by name gets its supplementary groups from /etc/group, as runc gives them.
  std::string user;
  /// "amd64" or "arm64" ("" is the host's): when it differs from the host's, the program runs
  /// under the host's qemu-aarch64-static or qemu-x86_64-static.
  std::string architecture;
  std::chrono::milliseconds timeout{10000};
  /// At `timeout`, stop the program as `docker stop` stops a server: SIGTERM to pid 1, then
  /// SIGKILL after a grace of 2 s. Otherwise SIGKILL at once.
  bool terminate_at_timeout = false;
  std::string hostname = "pare-verify";
  std::size_t max_output = std::size_t{1} << 20U;  ///< bytes of output kept; the rest counted
  /// stdout and stderr on a pipe each, so RunResult::standard_output holds stdout alone.
  bool split_stderr = false;
  /// Record every path the program and its children use (RunResult::accesses).
  bool trace = false;
  std::size_t max_accesses = 200'000;  ///< distinct FileAccess records kept; the rest dropped
};

/// How the run ended.
struct RunResult {
  int exit_code = 0;  ///< the program's exit status; 128 + signal when a signal killed it
  int signal = 0;     ///< the signal that killed it, else 0
  bool timed_out = false;
  /// After the SIGTERM of terminate_at_timeout, pid 1 ended within the grace (a clean stop of
  /// a server when exit_code is 0), rather than by the SIGKILL that follows it.
  bool terminated = false;
  std::string output;           ///< stdout and stderr, interleaved as they arrived (two pipes)
  std::string standard_output;  ///< stdout alone (also at most max_output bytes)
  std::uint64_t dropped = 0;    ///< bytes of output past max_output, counted and dropped
  /// With trace: the paths used, deduplicated by (path, call, error) keeping the first, in
  /// order of first occurrence.
  std::vector<FileAccess> accesses;
  bool accesses_truncated = false;  ///< more than max_accesses distinct records came
};

/// Runs `request.program` in the unpacked image as `docker run` without `--init` would: the
/// program itself is pid 1 of new mount, pid, network, uts, ipc and cgroup namespaces (so,
/// as under docker, a signal it sends itself whose action is the default is ignored, and its
/// death kills every process it left behind).
///
/// Before exec: mounts are made private; the rootfs is bind-mounted and pivot_root'ed into
/// (the host's filesystem is then unreachable, not merely outside a chroot); proc at /proc,
/// with Docker's read-only (/proc/sys, /proc/sysrq-trigger, ...) and masked (/proc/kcore, ...)
/// paths; a
/// tmpfs /dev with null, zero, full, random, urandom and tty (mknod), /dev/fd, stdin, stdout and
/// stderr links, /dev/pts (a new devpts instance, ptmx linked) and a tmpfs /dev/shm;
/// /etc/hosts (localhost and the hostname at 127.0.0.1, localhost at ::1), /etc/hostname and
/// /etc/resolv.conf (`nameserver 127.0.0.1`: there is no network, and the loopback interface,
/// brought up, answers with a prompt refusal instead of a timeout) written into the rootfs
/// with write_rootfs_file; the hostname set; the capability bounding set reduced to Docker's
/// default set minus CAP_MKNOD (there is no device cgroup here); WorkingDir entered;
/// setgroups/setgid/setuid for User; umask 022; stdin /dev/null; stdout and stderr one pipe
/// (split_stderr: one each).
/// For a foreign architecture the host's qemu-*-static is exec'd from a descriptor opened on
/// the host (fexecve: nothing is copied into the rootfs) as `qemu -0 argv[0] program
/// argv[1..]`.
///
/// Output is read until the program and everything it started are gone, or until `timeout`,
/// when timed_out is set and pid 1 is killed with SIGKILL (which kills the namespace), or,
/// with terminate_at_timeout, sent SIGTERM and given 2 s to end before the SIGKILL.
///
/// Tracing (`trace`). The child, once set up and still privileged, asks to be traced
/// (PTRACE_TRACEME), stops for pare to set its options, and installs a seccomp filter that
/// stops only the path system calls (open*, exec*, *stat*, access*, readlink*, chdir, mkdir*,
/// getdents*, rename*, unlink*, symlink*, link*, chmod*, chown*, utime*, mknod*, truncate,
/// statfs) for pare; every other call runs at full speed. pare follows forks, clones and
/// execs (EXITKILL: the tree dies with pare), reads each path and its result, and names it
/// in image terms: relative paths and dirfds are joined with the cwd or the descriptor's path
/// as /proc names them, a descriptor from the host is never named, and /proc, /sys and /dev
/// are left out. The sandbox's own setup is not seen; its exec is recorded as an "execve" of
/// `program`, also under qemu, whose own host calls carry the guest's paths. Setuid programs
/// keep working (the filter is installed before setuid, so no_new_privs is not needed).
///
/// Errors. Throws Error exit 4: not privileged enough to make the namespaces or mounts
/// ("verify --run needs root (CAP_SYS_ADMIN) ..."), no qemu-*-static for a foreign architecture
/// (naming the binary and `apt install qemu-user-static`), or another system failure while
/// setting up (with trace: ptrace or seccomp refused). Throws Error exit 3, before the program
/// starts: a User not found in the image, a WorkingDir that does not exist or is not a folder, an
/// unknown architecture. When the program itself cannot be exec'd, the result is what docker
/// reports: exit_code 127 when it does not exist (ENOENT), 126 otherwise (EACCES, ENOEXEC, ...),
/// and output "pare: exec <program>: <strerror>".
RunResult run_in_sandbox(const RunRequest& request);

}  // namespace pare
