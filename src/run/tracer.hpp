#pragma once

// Tracing a sandboxed run (RunRequest::trace), private to the run part: the child's half, run
// between clone and exec, and the parent's, the tracer that follows the process tree.

#include <linux/filter.h>
#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "pare/run/trace.hpp"
#include "pare/util/file.hpp"

namespace pare {

/// The seccomp program that stops the path system calls for the tracer (SECCOMP_RET_TRACE) and
/// lets every other call run untraced, for the host's architecture. Made before the clone, so
/// the child only points the kernel at it.
class SeccompFilter {
 public:
  SeccompFilter();
  SeccompFilter(const SeccompFilter&) = delete;  // fprog_ points into program_
  SeccompFilter& operator=(const SeccompFilter&) = delete;
  ~SeccompFilter() = default;
  const sock_fprog& fprog() const { return fprog_; }

 private:
  std::vector<sock_filter> program_;
  sock_fprog fprog_{};
};

/// Which step of start_traced failed.
enum class TraceStart { kStarted, kTraceMe, kStop, kSeccomp };

/// In the child, after the sandbox's setup and before setuid and exec: asks to be traced by
/// the parent (PTRACE_TRACEME), stops until the tracer has set its options, then installs the
/// filter. Makes no allocation (it runs between clone and exec); errno says why a step failed.
/// The filter is installed while the child still holds CAP_SYS_ADMIN, so no_new_privs (which
/// would void setuid programs) is set only where the kernel asks for it.
TraceStart start_traced(const SeccompFilter& filter) noexcept;

/// What the tracer needs to name paths.
struct TraceSettings {
  /// The rootfs as the host names it (canonical): stripped from a path the kernel gives in
  /// host terms (a sandbox that had to chroot instead of pivot_root).
  std::string host_rootfs;
  /// The program the sandbox execs: its first exec is recorded under this name, since what it
  /// execs for a foreign architecture is the host's qemu.
  std::string program;
  /// Under qemu-user: its interpreter prefix ("/etc/qemu-binfmt/aarch64"), under which qemu
  /// looks for every absolute path the guest names before it uses the path itself. Those
  /// look-ups are qemu's, not the program's, and are not recorded.
  std::string emulator_prefix;
  std::size_t max_accesses = 200'000;
};

/// Follows a process tree that start_traced made traceable and records the paths it uses.
/// Runs in the thread that cloned the first process (ptrace's tracer is a thread).
class Tracer {
 public:
  Tracer(pid_t first, TraceSettings settings);

  /// Follows every process until the first has been reaped; its wait status. Throws Error
  /// (exit 4) when ptrace itself fails.
  int run();

  /// Deduplicated by (path, call, error), in order of first occurrence.
  std::vector<FileAccess> take_accesses() { return std::move(accesses_); }
  /// More distinct records came than max_accesses; the later ones were dropped.
  bool truncated() const { return truncated_; }

 private:
  /// One traced thread.
  struct Tracee {
    int process = 0;       ///< FileAccess::process of its thread group
    bool started = false;  ///< its first stop (the SIGSTOP a new tracee starts with) was seen
    std::optional<FileAccess> pending;  ///< the call it stopped in, until its result is known
  };

  void on_stop(pid_t tid, int status);
  bool on_seccomp(pid_t tid, Tracee& tracee);
  void on_syscall_exit(pid_t tid, Tracee& tracee);
  void on_exec(pid_t tid);
  Tracee& tracee(pid_t tid);
  void record(FileAccess access);
  std::optional<std::string> image_path(std::string link) const;
  std::optional<std::string> cwd_path(pid_t tid) const;
  std::optional<std::string> fd_path(pid_t tid, int fd) const;
  std::optional<std::string> resolve(pid_t tid, int dirfd, const std::string& path,
                                     bool empty_is_dirfd, bool in_root) const;

  pid_t first_;
  TraceSettings settings_;
  std::unordered_map<pid_t, Tracee> tracees_;
  std::unordered_map<pid_t, int> groups_;  ///< thread group id -> FileAccess::process
  int processes_ = 1;                      ///< processes seen so far
  bool first_exec_done_ = false;
  UniqueFd image_root_;    ///< the sandbox's root (/proc/PID/root of the first process), O_PATH
  bool chrooted_ = false;  ///< a process chrooted: absolute paths need its root
  std::vector<FileAccess> accesses_;
  std::unordered_set<std::string> seen_;  ///< the (path, call, error) keys of accesses_
  bool truncated_ = false;
};

/// Kills the first traced process and reaps the tree, when a run ends by an exception: a
/// traced process's end waits for its tracer.
void kill_traced(pid_t first) noexcept;

}  // namespace pare
