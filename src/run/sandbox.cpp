#include "pare/run/sandbox.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <exception>
#include <optional>
#include <string_view>
#include <thread>

#include "pare/fs/users.hpp"
#include "pare/run/unpack.hpp"
#include "pare/util/error.hpp"
#include "pare/util/file.hpp"
#include "pare/util/signal_cleanup.hpp"
#include "tracer.hpp"

namespace pare {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kDefaultPath =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
constexpr std::size_t kPasswdLimit = 16U << 20U;
constexpr std::string_view kPrivilegeMessage = "verify --run needs root (CAP_SYS_ADMIN) to ";

// ---------------------------------------------------------------------------------------------
// User and group lookup in the image

/// Resolves User as runc does (look_up_user) against the rootfs' own files, read confined.
Identity resolve_user(const fs::path& rootfs, const std::string& user) {
  const UserLookup lookup =
      look_up_user(user, read_rootfs_file(rootfs, "/etc/passwd", kPasswdLimit),
                   read_rootfs_file(rootfs, "/etc/group", kPasswdLimit));
  switch (lookup.error) {
    case UserError::kNone:
      return lookup.identity;
    case UserError::kNoPasswdFile:
    case UserError::kUnknownUser:
      throw Error(ExitCode::kBadInput, "User " + user + ": no user \"" + lookup.missing +
                                           "\" in the image's /etc/passwd");
    case UserError::kNoGroupFile:
    case UserError::kUnknownGroup:
      break;
  }
  throw Error(ExitCode::kBadInput,
              "User " + user + ": no group \"" + lookup.missing + "\" in the image's /etc/group");
}

// ---------------------------------------------------------------------------------------------
// Architecture

std::string host_architecture() {
  utsname host{};
  ::uname(&host);
  const std::string_view machine(static_cast<const char*>(host.machine));
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64") return "arm64";
  return std::string(machine);
}

/// The host's qemu-user binary for `architecture`, opened for fexecve; an empty descriptor
/// when the host runs it natively. Throws Error when it is needed and missing.
UniqueFd open_emulator(const std::string& architecture) {
  const std::string host = host_architecture();
  if (architecture.empty() || architecture == host) return {};
  std::string name;
  if (architecture == "arm64") {
    name = "qemu-aarch64-static";
  } else if (architecture == "amd64") {
    name = "qemu-x86_64-static";
  } else {
    throw Error(ExitCode::kBadInput,
                "cannot run a " + architecture + " image: only amd64 and arm64 are supported");
  }
  for (const char* dir : {"/usr/bin", "/usr/local/bin", "/bin"}) {
    UniqueFd fd(::open((fs::path(dir) / name).c_str(), O_RDONLY | O_CLOEXEC));
    if (fd) return fd;
  }
  throw Error(ExitCode::kSystem, "cannot run a " + architecture + " image on this " + host +
                                     " machine: " + name +
                                     " not found in /usr/bin (apt install qemu-user-static)");
}

/// Where qemu-user looks first for every absolute path the guest names (Debian's
/// CONFIG_QEMU_INTERP_PREFIX, "/etc/qemu-binfmt/%M"), also when binfmt_misc starts it.
std::string emulator_prefix(const std::string& architecture) {
  return architecture == "arm64" ? "/etc/qemu-binfmt/aarch64" : "/etc/qemu-binfmt/x86_64";
}

// ---------------------------------------------------------------------------------------------
// The child: everything from here to execve runs between clone and exec, so it only makes
// system calls on memory prepared before the clone (no allocation, no locks, no exceptions).

/// The setup steps the child reports a failure of, with errno.
enum class Step : int {
  kPrivateMounts,
  kBindRoot,
  kPivotRoot,
  kMountProc,
  kMountDev,
  kDevices,
  kMountShm,
  kProtectProc,
  kStdin,
  kHostname,
  kWorkingDir,
  kCapabilities,
  kTraceMe,
  kSeccomp,
  kGroups,
  kGid,
  kUid,
  kExec,
};

struct ChildFailure {
  Step step = Step::kExec;
  int error = 0;
};

/// Everything the child needs, made before the clone.
struct ChildPlan {
  std::string rootfs;
  std::string working_dir;
  std::string hostname;
  std::string exec_path;  ///< the program, or qemu's name for its argv
  std::vector<std::string> argv_storage;
  std::vector<std::string> env_storage;
  std::vector<char*> argv;  ///< into argv_storage, null-terminated
  std::vector<char*> envp;
  Identity id;
  int emulator_fd = -1;
  int output_fd = -1;  ///< the write end of the stdout pipe
  int error_fd = -1;   ///< the write end of the stderr pipe
  int failure_fd = -1;
  int go_fd = -1;
  const SeccompFilter* trace_filter = nullptr;  ///< set when the run is traced
};

/// Docker's default capability set, minus CAP_MKNOD: Docker relies on a device cgroup to make
/// mknod harmless, and there is none here.
constexpr std::array<int, 13> kKeptCapabilities = {
    CAP_CHOWN,      CAP_DAC_OVERRIDE, CAP_FOWNER,  CAP_FSETID,           CAP_KILL,
    CAP_SETGID,     CAP_SETUID,       CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_NET_RAW,
    CAP_SYS_CHROOT, CAP_AUDIT_WRITE,  CAP_SETFCAP};

bool capability_kept(int cap) {
  return std::ranges::find(kKeptCapabilities, cap) != kKeptCapabilities.end();
}

[[noreturn]] void child_fail(const ChildPlan& plan, Step step, int exit_status = 125) {
  const ChildFailure failure{step, errno};
  // Best effort: if the parent is gone there is nobody to tell.
  (void)!::write(plan.failure_fd, &failure, sizeof failure);
  ::_exit(exit_status);
}

bool made_dir(const char* path, mode_t mode) {
  return ::mkdir(path, mode) == 0 || errno == EEXIST;
}

/// Brings the loopback interface up; a bonus, so failures are ignored.
void loopback_up() {
  const int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return;
  ifreq request{};
  std::memcpy(static_cast<char*>(request.ifr_name), "lo", 3);
  if (::ioctl(sock, SIOCGIFFLAGS, &request) == 0) {
    request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP | IFF_RUNNING);
    (void)::ioctl(sock, SIOCSIFFLAGS, &request);
  }
  ::close(sock);
}

/// Reduces the bounding set (what an exec can gain) and the inheritable set to the kept
/// capabilities, and clears the ambient set.
bool drop_capabilities() {
  for (int cap = 0; cap <= 63; ++cap) {
    if (capability_kept(cap)) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      if (errno == EINVAL) break;  // past the kernel's last capability
      return false;
    }
  }
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  std::array<__user_cap_data_struct, 2> data{};
  if (::syscall(SYS_capget, &header, data.data()) != 0) return false;
  std::array<std::uint32_t, 2> keep{};
  for (const int cap : kKeptCapabilities) {
    keep.at(static_cast<std::size_t>(cap) / 32) |= 1U << (static_cast<unsigned>(cap) % 32);
  }
  for (std::size_t i = 0; i < data.size(); ++i) data.at(i).inheritable &= keep.at(i);
  if (::syscall(SYS_capset, &header, data.data()) != 0) return false;
  return ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == 0;
}

/// Makes /dev: a tmpfs with the nodes a container runtime provides.
bool make_dev() {
  struct Device {
    const char* path;
    unsigned major;
    unsigned minor;
  };
  constexpr std::array<Device, 6> kDevices = {{{"/dev/null", 1, 3},
                                               {"/dev/zero", 1, 5},
                                               {"/dev/full", 1, 7},
                                               {"/dev/random", 1, 8},
                                               {"/dev/urandom", 1, 9},
                                               {"/dev/tty", 5, 0}}};
  for (const Device& d : kDevices) {
    if (::mknod(d.path, S_IFCHR | 0666, makedev(d.major, d.minor)) != 0) return false;
  }
  struct Link {
    const char* target;
    const char* path;
  };
  constexpr std::array<Link, 5> kLinks = {{{"/proc/self/fd", "/dev/fd"},
                                           {"/proc/self/fd/0", "/dev/stdin"},
                                           {"/proc/self/fd/1", "/dev/stdout"},
                                           {"/proc/self/fd/2", "/dev/stderr"},
                                           {"pts/ptmx", "/dev/ptmx"}}};
  for (const Link& l : kLinks) {
    if (::symlink(l.target, l.path) != 0) return false;
  }
  // A private devpts instance, for programs that want a terminal; optional.
  if (made_dir("/dev/pts", 0755)) {
    (void)::mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                  "newinstance,ptmxmode=0666,mode=0620");
  }
  return true;
}

/// Docker's read-only and masked /proc paths: a root program in the sandbox must not reach the
/// host's kernel through them (/proc/sysrq-trigger reboots it, /proc/sys tunes it).
bool protect_proc() {
  constexpr std::array<const char*, 5> kReadOnly = {"/proc/bus", "/proc/fs", "/proc/irq",
                                                    "/proc/sys", "/proc/sysrq-trigger"};
  for (const char* path : kReadOnly) {
    if (::mount(path, path, nullptr, MS_BIND | MS_REC, nullptr) != 0) {
      if (errno == ENOENT) continue;
      return false;
    }
    if (::mount(path, path, nullptr,
                MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                nullptr) != 0) {
      return false;
    }
  }
  constexpr std::array<const char*, 8> kMasked = {
      "/proc/acpi",       "/proc/kcore",       "/proc/keys",        "/proc/latency_stats",
      "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi"};
  for (const char* path : kMasked) {
    struct stat st {};
    if (::lstat(path, &st) != 0) continue;
    const int rc = S_ISDIR(st.st_mode) ? ::mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0")
                                       : ::mount("/dev/null", path, nullptr, MS_BIND, nullptr);
    if (rc != 0) return false;
  }
  return true;
}

[[noreturn]] void child_main(const ChildPlan& plan) {
  // Die with pare; and wait until the parent has written /etc into the rootfs.
  (void)::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  char go = 0;
  if (::read(plan.go_fd, &go, 1) != 1) ::_exit(125);
  if (::dup2(plan.output_fd, STDOUT_FILENO) < 0 || ::dup2(plan.error_fd, STDERR_FILENO) < 0) {
    child_fail(plan, Step::kStdin);
  }
  // Nothing of pare's but the failure pipe and the emulator reaches the program.
  (void)::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  ::umask(0);

  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    child_fail(plan, Step::kPrivateMounts);
  }
  if (::mount(plan.rootfs.c_str(), plan.rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0 ||
      ::chdir(plan.rootfs.c_str()) != 0) {
    child_fail(plan, Step::kBindRoot);
  }
  // pivot_root(".", ".") stacks the old root under the new one, then detaching it leaves the
  // host's filesystem unreachable. Where pivot_root is refused (an initramfs root), move the
  // mount over / and chroot, as runc's no-pivot mode does.
  if (::syscall(SYS_pivot_root, ".", ".") == 0) {
    if (::umount2(".", MNT_DETACH) != 0) child_fail(plan, Step::kPivotRoot);
  } else if (::mount(".", "/", nullptr, MS_MOVE, nullptr) != 0 || ::chroot(".") != 0) {
    child_fail(plan, Step::kPivotRoot);
  }
  if (::chdir("/") != 0) child_fail(plan, Step::kPivotRoot);

  if (!made_dir("/proc", 0555) ||
      ::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    child_fail(plan, Step::kMountProc);
  }
  if (!made_dir("/dev", 0755) ||
      ::mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k") != 0) {
    child_fail(plan, Step::kMountDev);
  }
  if (!make_dev()) child_fail(plan, Step::kDevices);
  if (!made_dir("/dev/shm", 01777) ||
      ::mount("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=65536k") != 0) {
    child_fail(plan, Step::kMountShm);
  }
  if (!protect_proc()) child_fail(plan, Step::kProtectProc);
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd < 0 || ::dup2(null_fd, STDIN_FILENO) < 0) child_fail(plan, Step::kStdin);
  ::close(null_fd);

  if (::sethostname(plan.hostname.data(), plan.hostname.size()) != 0) {
    child_fail(plan, Step::kHostname);
  }
  loopback_up();
  if (::chdir(plan.working_dir.c_str()) != 0) child_fail(plan, Step::kWorkingDir);
  if (!drop_capabilities()) child_fail(plan, Step::kCapabilities);
  if (plan.trace_filter != nullptr) {
    // Before setuid: the filter goes in while CAP_SYS_ADMIN is still held.
    switch (start_traced(*plan.trace_filter)) {
      case TraceStart::kStarted:
        break;
      case TraceStart::kTraceMe:
      case TraceStart::kStop:
        child_fail(plan, Step::kTraceMe);
      case TraceStart::kSeccomp:
        child_fail(plan, Step::kSeccomp);
    }
  }
  // Raw system calls: glibc's wrappers would try to reach threads this copy does not have.
  if (::syscall(SYS_setgroups, plan.id.groups.size(), plan.id.groups.data()) != 0) {
    child_fail(plan, Step::kGroups);
  }
  if (::syscall(SYS_setresgid, plan.id.gid, plan.id.gid, plan.id.gid) != 0) {
    child_fail(plan, Step::kGid);
  }
  if (::syscall(SYS_setresuid, plan.id.uid, plan.id.uid, plan.id.uid) != 0) {
    child_fail(plan, Step::kUid);
  }
  ::umask(022);
  unblock_cleanup_signals();  // the program gets SIGTERM at its timeout, as it would under runc
  if (plan.emulator_fd >= 0) {
    ::fexecve(plan.emulator_fd, plan.argv.data(), plan.envp.data());
  } else {
    ::execve(plan.exec_path.c_str(), plan.argv.data(), plan.envp.data());
  }
  child_fail(plan, Step::kExec, errno == ENOENT ? 127 : 126);
}

// ---------------------------------------------------------------------------------------------
// The parent

/// Kills and reaps the child unless the run reached its end (an exception on the way).
class ChildGuard {
 public:
  ChildGuard(pid_t pid, bool traced) : pid_(pid), traced_(traced) {}
  ChildGuard(const ChildGuard&) = delete;
  ChildGuard& operator=(const ChildGuard&) = delete;
  ~ChildGuard() {
    if (pid_ <= 0) return;
    if (traced_) {
      kill_traced(pid_);
      return;
    }
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  /// Waits for the child; its wait status.
  int wait() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0) {
      if (errno != EINTR) throw Error(ExitCode::kSystem, errno_message("waitpid"));
    }
    pid_ = -1;
    return status;
  }
  /// The child was reaped elsewhere (the tracer).
  void release() { pid_ = -1; }

 private:
  pid_t pid_;
  bool traced_;
};

/// Signals pid 1 through a pidfd where the kernel has them, so a signal sent after the tracer
/// reaped it cannot reach a process that took its number.
class Signaller {
 public:
  explicit Signaller(pid_t pid)
      : pid_(pid), pidfd_(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))) {}
  void send(int signal) const {
    if (pidfd_) {
      (void)::syscall(SYS_pidfd_send_signal, pidfd_.get(), signal, nullptr, 0);
    } else {
      ::kill(pid_, signal);
    }
  }
  bool safe() const { return static_cast<bool>(pidfd_); }

 private:
  pid_t pid_;
  UniqueFd pidfd_;
};

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

Pipe make_pipe() {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) throw Error(ExitCode::kSystem, errno_message("pipe"));
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

std::string step_words(Step step) {
  switch (step) {
    case Step::kPrivateMounts:
      return "make the mounts private";
    case Step::kBindRoot:
      return "bind-mount the rootfs";
    case Step::kPivotRoot:
      return "pivot_root into the rootfs";
    case Step::kMountProc:
      return "mount /proc";
    case Step::kMountDev:
      return "mount /dev";
    case Step::kDevices:
      return "make the /dev nodes";
    case Step::kMountShm:
      return "mount /dev/shm";
    case Step::kProtectProc:
      return "make /proc's kernel knobs read-only";
    case Step::kStdin:
      return "set up standard input and output";
    case Step::kHostname:
      return "set the hostname";
    case Step::kWorkingDir:
      return "enter the WorkingDir";
    case Step::kCapabilities:
      return "drop capabilities";
    case Step::kTraceMe:
      return "be traced (ptrace PTRACE_TRACEME)";
    case Step::kSeccomp:
      return "install the seccomp filter that traces the run";
    case Step::kGroups:
      return "set the supplementary groups";
    case Step::kGid:
      return "set the group id";
    case Step::kUid:
      return "set the user id";
    case Step::kExec:
      return "exec the program";
  }
  return "set up the sandbox";
}

/// The Error for a setup step that failed in the child (never kExec).
Error setup_error(const RunRequest& request, const ChildFailure& failure) {
  const std::string reason = std::strerror(failure.error);
  if (failure.step == Step::kWorkingDir) {
    if (failure.error == ENOENT) {
      return {ExitCode::kBadInput,
              "WorkingDir " + request.working_dir + " does not exist in the image"};
    }
    if (failure.error == ENOTDIR) {
      return {ExitCode::kBadInput,
              "WorkingDir " + request.working_dir + " is not a folder in the image"};
    }
    return {ExitCode::kBadInput, "WorkingDir " + request.working_dir + ": " + reason};
  }
  if (failure.error == EPERM && failure.step <= Step::kProtectProc) {
    return {ExitCode::kSystem,
            std::string(kPrivilegeMessage) + step_words(failure.step) + ": " + reason};
  }
  return {ExitCode::kSystem, "cannot " + step_words(failure.step) + " in the sandbox: " + reason};
}

/// The config's Env with what docker adds when absent.
std::vector<std::string> container_env(const RunRequest& request, const Identity& id) {
  std::vector<std::string> env = request.env;
  auto has = [&](std::string_view key) {
    return std::ranges::any_of(env, [&](const std::string& e) {
      return e.size() > key.size() && e.starts_with(key) && e[key.size()] == '=';
    });
  };
  if (!has("PATH")) env.emplace_back(kDefaultPath);
  if (!has("HOSTNAME")) env.push_back("HOSTNAME=" + request.hostname);
  if (!has("HOME")) env.push_back("HOME=" + id.home);
  return env;
}

/// Appends output up to the limit and counts the rest; stdout is also kept on its own.
void keep_output(RunResult& result, std::span<const char> bytes, std::size_t limit,
                 bool is_stdout) {
  const std::size_t room = limit > result.output.size() ? limit - result.output.size() : 0;
  const std::size_t kept = std::min(room, bytes.size());
  result.output.append(bytes.data(), kept);
  result.dropped += bytes.size() - kept;
  if (!is_stdout) return;
  const std::size_t own = limit > result.standard_output.size()
                              ? std::min(limit - result.standard_output.size(), bytes.size())
                              : 0;
  result.standard_output.append(bytes.data(), own);
}

/// What reading the pipes learned.
struct Pumped {
  RunResult result;  ///< output, dropped, timed_out
  ChildFailure failed;
  std::size_t failure_bytes = 0;
  bool terminating = false;  ///< SIGTERM was sent at the timeout
};

constexpr auto kGrace = std::chrono::seconds(2);

/// The read ends of the pipes a run's output comes through.
struct OutputPipes {
  int stdout_fd = -1;
  int stderr_fd = -1;
  int failure_fd = -1;  ///< the child's setup failure, if any
};

/// Reads the output and failure pipes until all are closed (every process that held them is
/// gone), stopping pid 1 at the deadline: SIGKILL, or SIGTERM and SIGKILL after the grace.
void pump_output(const RunRequest& request, const OutputPipes& pipes, const Signaller& signaller,
                 Clock::time_point start, Pumped& out) {
  std::array<char, 65536> buffer{};
  std::array<pollfd, 3> fds{
      {{pipes.stdout_fd, POLLIN, 0}, {pipes.failure_fd, POLLIN, 0}, {pipes.stderr_fd, POLLIN, 0}}};
  auto deadline = start + request.timeout;
  bool killed = false;
  while (fds[0].fd >= 0 || fds[1].fd >= 0 || fds[2].fd >= 0) {
    const auto now = Clock::now();
    if (now >= deadline) {
      if (killed) break;  // something outside the namespace holds the pipe: stop waiting
      out.result.timed_out = true;
      deadline = now + kGrace;
      if (request.terminate_at_timeout && !out.terminating) {
        signaller.send(SIGTERM);
        out.terminating = true;
        continue;
      }
      // SIGKILL to pid 1 of the namespace kills every process in it.
      signaller.send(SIGKILL);
      killed = true;
      continue;
    }
    // At most a minute per poll, so a huge timeout cannot overflow poll's int.
    const auto wait = std::min<std::chrono::milliseconds>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now),
        std::chrono::minutes(1));
    const int ready = ::poll(fds.data(), fds.size(), static_cast<int>(wait.count()) + 1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) throw Error(ExitCode::kSystem, errno_message("poll"));
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds.at(i).fd < 0 || fds.at(i).revents == 0) continue;
      const ssize_t n = ::read(fds.at(i).fd, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        fds.at(i).fd = -1;
        continue;
      }
      const auto bytes = std::span<const char>(buffer).first(static_cast<std::size_t>(n));
      if (i != 1) {
        keep_output(out.result, bytes, request.max_output, i == 0 && request.split_stderr);
      } else {
        const std::size_t take = std::min(bytes.size(), sizeof out.failed - out.failure_bytes);
        std::memcpy(reinterpret_cast<char*>(&out.failed) + out.failure_bytes, bytes.data(), take);
        out.failure_bytes += take;
      }
    }
  }
}

/// pump_output on its own thread while this one traces (ptrace's tracer is the thread that
/// cloned the child, and it waits in waitpid). Joined before the child is reaped on an
/// exception: the SIGKILL sent then closes the pipes.
class PumpThread {
 public:
  PumpThread(const RunRequest& request, const OutputPipes& pipes, const Signaller& signaller,
             Clock::time_point start, Pumped& out)
      : signaller_(signaller), thread_([&request, pipes, &signaller, start, &out, this] {
          try {
            pump_output(request, pipes, signaller, start, out);
          } catch (...) {
            error_ = std::current_exception();
          }
        }) {}
  PumpThread(const PumpThread&) = delete;
  PumpThread& operator=(const PumpThread&) = delete;
  ~PumpThread() {
    if (!thread_.joinable()) return;
    signaller_.send(SIGKILL);
    thread_.join();
  }
  /// Waits for the pipes to close; rethrows what the thread threw.
  void join() {
    thread_.join();
    if (error_) std::rethrow_exception(error_);
  }

 private:
  const Signaller& signaller_;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace

RunResult run_in_sandbox(const RunRequest& request) {
  if (!request.program.starts_with('/')) {
    throw Error(ExitCode::kBadInput,
                "the program to run must be an absolute path: " + request.program);
  }
  if (request.argv.empty()) throw Error(ExitCode::kBadInput, "the program has no argv[0]");
  if (request.hostname.empty()) throw Error(ExitCode::kUsage, "the hostname is empty");
  std::error_code error;
  ChildPlan plan;
  plan.rootfs = fs::absolute(request.rootfs, error).string();
  plan.working_dir = request.working_dir.empty() ? "/" : request.working_dir;
  plan.hostname = request.hostname;
  plan.id = resolve_user(request.rootfs, request.user);
  const UniqueFd emulator = open_emulator(request.architecture);
  plan.emulator_fd = emulator.get();
  if (emulator) {
    // qemu -0 ARGV0 PROGRAM ARGS: qemu opens the program inside the new root.
    plan.argv_storage = {"qemu", "-0", request.argv.front(), request.program};
    plan.argv_storage.insert(plan.argv_storage.end(), request.argv.begin() + 1, request.argv.end());
  } else {
    plan.argv_storage = request.argv;
  }
  plan.exec_path = request.program;
  plan.env_storage = container_env(request, plan.id);
  for (auto& a : plan.argv_storage) plan.argv.push_back(a.data());
  plan.argv.push_back(nullptr);
  for (auto& e : plan.env_storage) plan.envp.push_back(e.data());
  plan.envp.push_back(nullptr);

  Pipe output = make_pipe();
  std::optional<Pipe> errors;  // stderr on its own pipe, or with stdout on one (in order)
  if (request.split_stderr) errors.emplace(make_pipe());
  Pipe failure = make_pipe();
  std::array<int, 2> go_pair{};
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, go_pair.data()) != 0) {
    throw Error(ExitCode::kSystem, errno_message("socketpair"));
  }
  UniqueFd go_parent(go_pair[0]);
  UniqueFd go_child(go_pair[1]);
  plan.output_fd = output.write.get();
  plan.error_fd = errors ? errors->write.get() : output.write.get();
  plan.failure_fd = failure.write.get();
  plan.go_fd = go_child.get();

  std::optional<SeccompFilter> filter;
  if (request.trace) plan.trace_filter = &filter.emplace();

  // A fork-like clone (no new stack): the child is pid 1 of the new namespaces at once.
  constexpr unsigned long kFlags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS |
                                   CLONE_NEWIPC | CLONE_NEWCGROUP | SIGCHLD;
  const auto start = Clock::now();
  const long pid = ::syscall(SYS_clone, kFlags, nullptr, nullptr, nullptr, nullptr);
  if (pid == 0) child_main(plan);
  if (pid < 0) {
    const std::string reason = std::strerror(errno);
    if (errno == EPERM) {
      throw Error(ExitCode::kSystem,
                  std::string(kPrivilegeMessage) +
                      "create mount, pid and network namespaces: clone: " + reason,
                  "run it as root (sudo), or in a privileged container");
    }
    throw Error(ExitCode::kSystem, "cannot create the sandbox's namespaces: clone: " + reason);
  }
  ChildGuard child(static_cast<pid_t>(pid), request.trace);
  const Signaller signaller(static_cast<pid_t>(pid));
  output.write.reset();
  if (errors) errors->write.reset();
  failure.write.reset();
  go_child.reset();
  if (request.trace && !signaller.safe()) {
    throw Error(ExitCode::kSystem, errno_message("cannot trace the run: pidfd_open (Linux 5.3)"));
  }

  // What a runtime writes into every container, confined to the rootfs.
  write_rootfs_file(
      request.rootfs, "/etc/hosts",
      "127.0.0.1\tlocalhost " + request.hostname + "\n::1\tlocalhost ip6-localhost ip6-loopback\n");
  write_rootfs_file(request.rootfs, "/etc/hostname", request.hostname + "\n");
  write_rootfs_file(request.rootfs, "/etc/resolv.conf", "nameserver 127.0.0.1\n");
  const char go = 1;
  if (::send(go_parent.get(), &go, 1, MSG_NOSIGNAL) != 1) {
    throw Error(ExitCode::kSystem, errno_message("cannot start the sandbox"));
  }
  go_parent.reset();

  Pumped pumped;
  const OutputPipes pipes{output.read.get(), errors ? errors->read.get() : -1, failure.read.get()};
  int status = 0;
  if (request.trace) {
    TraceSettings settings;
    settings.host_rootfs = fs::weakly_canonical(plan.rootfs, error).string();
    settings.program = request.program;
    settings.max_accesses = request.max_accesses;
    if (emulator) settings.emulator_prefix = emulator_prefix(request.architecture);
    Tracer tracer(static_cast<pid_t>(pid), std::move(settings));
    PumpThread pump(request, pipes, signaller, start, pumped);
    status = tracer.run();
    child.release();
    pump.join();
    pumped.result.accesses = tracer.take_accesses();
    pumped.result.accesses_truncated = tracer.truncated();
  } else {
    pump_output(request, pipes, signaller, start, pumped);
    status = child.wait();
  }
  RunResult result = std::move(pumped.result);
  if (pumped.failure_bytes == sizeof pumped.failed) {
    const ChildFailure& failed = pumped.failed;
    if (failed.step != Step::kExec) throw setup_error(request, failed);
    result.exit_code = failed.error == ENOENT ? 127 : 126;
    result.output = "pare: exec " + request.program + ": " + std::strerror(failed.error) + "\n";
    return result;
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
    result.exit_code = 128 + result.signal;
  }
  // Ended after the SIGTERM, by itself rather than by the SIGKILL after the grace.
  result.terminated = pumped.terminating && result.signal != SIGKILL;
  return result;
}

}  // namespace pare
