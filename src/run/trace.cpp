#include <elf.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <span>
#include <string_view>

#include "pare/util/error.hpp"
#include "pare/util/file.hpp"
#include "pare/util/path.hpp"
#include "tracer.hpp"

namespace pare {

namespace {

// ---------------------------------------------------------------------------------------------
// The traced system calls, per host architecture

/// What a traced call does to its path, which names its FileAccess::call.
enum class Meaning : std::uint8_t {
  kOpen,     ///< flags are O_* flags
  kOpenHow,  ///< openat2: flags in struct open_how
  kCreat,
  kExec,
  kStat,
  kLstat,
  kStatAt,  ///< newfstatat: "lstat" with AT_SYMLINK_NOFOLLOW
  kStatx,
  kAccess,
  kReadlink,
  kChdir,
  kMkdir,
  kOpendir,  ///< getdents on the fd
  kTruncate,
  kRename,
  kUnlink,
  kUnlinkAt,  ///< "rmdir" with AT_REMOVEDIR
  kRmdir,
  kSymlink,  ///< the folder the link is made in
  kLink,     ///< the folder the new name is made in
  kUtime,
  kChmod,
  kChown,
  kMknod,
  kStatfs,
  kUselib,
  kChroot,  ///< also changes how the process's absolute paths resolve
};

constexpr int kNone = -1;

/// A traced call and where its arguments are.
struct PathCall {
  long number;
  Meaning meaning;
  int dirfd;  ///< the argument holding the dirfd, kNone for the cwd
  int path;   ///< the argument holding the path, kNone for the dirfd's own (getdents)
  int flags;  ///< the argument holding O_* or AT_* flags, kNone
};

// Linux 6.6; Debian 12's headers predate it. The same number on every architecture.
#ifndef SYS_fchmodat2
constexpr long kFchmodat2 = 452;
#else
constexpr long kFchmodat2 = SYS_fchmodat2;
#endif

#if defined(__x86_64__)
constexpr std::uint32_t kAuditArch = AUDIT_ARCH_X86_64;
/// x32 calls (the same numbers with this bit) run untraced: pare traces the host's ABI.
constexpr std::uint32_t kX32Bit = 0x40000000U;
constexpr auto kPathCalls = std::to_array<PathCall>({
    {SYS_open, Meaning::kOpen, kNone, 0, 1},
    {SYS_openat, Meaning::kOpen, 0, 1, 2},
    {SYS_openat2, Meaning::kOpenHow, 0, 1, 2},
    {SYS_creat, Meaning::kCreat, kNone, 0, kNone},
    {SYS_execve, Meaning::kExec, kNone, 0, kNone},
    {SYS_execveat, Meaning::kExec, 0, 1, 4},
    {SYS_stat, Meaning::kStat, kNone, 0, kNone},
    {SYS_lstat, Meaning::kLstat, kNone, 0, kNone},
    {SYS_newfstatat, Meaning::kStatAt, 0, 1, 3},
    {SYS_statx, Meaning::kStatx, 0, 1, 2},
    {SYS_access, Meaning::kAccess, kNone, 0, kNone},
    {SYS_faccessat, Meaning::kAccess, 0, 1, kNone},
    {SYS_faccessat2, Meaning::kAccess, 0, 1, 3},
    {SYS_readlink, Meaning::kReadlink, kNone, 0, kNone},
    {SYS_readlinkat, Meaning::kReadlink, 0, 1, kNone},
    {SYS_chdir, Meaning::kChdir, kNone, 0, kNone},
    {SYS_mkdir, Meaning::kMkdir, kNone, 0, kNone},
    {SYS_mkdirat, Meaning::kMkdir, 0, 1, kNone},
    {SYS_getdents, Meaning::kOpendir, 0, kNone, kNone},
    {SYS_getdents64, Meaning::kOpendir, 0, kNone, kNone},
    {SYS_uselib, Meaning::kUselib, kNone, 0, kNone},
    {SYS_truncate, Meaning::kTruncate, kNone, 0, kNone},
    {SYS_rename, Meaning::kRename, kNone, 0, kNone},
    {SYS_renameat, Meaning::kRename, 0, 1, kNone},
    {SYS_renameat2, Meaning::kRename, 0, 1, kNone},
    {SYS_unlink, Meaning::kUnlink, kNone, 0, kNone},
    {SYS_unlinkat, Meaning::kUnlinkAt, 0, 1, 2},
    {SYS_rmdir, Meaning::kRmdir, kNone, 0, kNone},
    {SYS_symlink, Meaning::kSymlink, kNone, 1, kNone},
    {SYS_symlinkat, Meaning::kSymlink, 1, 2, kNone},
    {SYS_link, Meaning::kLink, kNone, 1, kNone},
    {SYS_linkat, Meaning::kLink, 2, 3, kNone},
    {SYS_utime, Meaning::kUtime, kNone, 0, kNone},
    {SYS_utimes, Meaning::kUtime, kNone, 0, kNone},
    {SYS_futimesat, Meaning::kUtime, 0, 1, kNone},
    {SYS_utimensat, Meaning::kUtime, 0, 1, 3},
    {SYS_chmod, Meaning::kChmod, kNone, 0, kNone},
    {SYS_fchmodat, Meaning::kChmod, 0, 1, kNone},
    {kFchmodat2, Meaning::kChmod, 0, 1, 3},
    {SYS_chown, Meaning::kChown, kNone, 0, kNone},
    {SYS_lchown, Meaning::kChown, kNone, 0, kNone},
    {SYS_fchownat, Meaning::kChown, 0, 1, 4},
    {SYS_mknod, Meaning::kMknod, kNone, 0, kNone},
    {SYS_mknodat, Meaning::kMknod, 0, 1, kNone},
    {SYS_statfs, Meaning::kStatfs, kNone, 0, kNone},
    {SYS_chroot, Meaning::kChroot, kNone, 0, kNone},
});
#elif defined(__aarch64__)
constexpr std::uint32_t kAuditArch = AUDIT_ARCH_AARCH64;
// arm64 has only the *at forms (no open, stat, access, readlink, mkdir, unlink, ...).
constexpr auto kPathCalls = std::to_array<PathCall>({
    {SYS_openat, Meaning::kOpen, 0, 1, 2},
    {SYS_openat2, Meaning::kOpenHow, 0, 1, 2},
    {SYS_execve, Meaning::kExec, kNone, 0, kNone},
    {SYS_execveat, Meaning::kExec, 0, 1, 4},
    {SYS_newfstatat, Meaning::kStatAt, 0, 1, 3},
    {SYS_statx, Meaning::kStatx, 0, 1, 2},
    {SYS_faccessat, Meaning::kAccess, 0, 1, kNone},
    {SYS_faccessat2, Meaning::kAccess, 0, 1, 3},
    {SYS_readlinkat, Meaning::kReadlink, 0, 1, kNone},
    {SYS_chdir, Meaning::kChdir, kNone, 0, kNone},
    {SYS_mkdirat, Meaning::kMkdir, 0, 1, kNone},
    {SYS_getdents64, Meaning::kOpendir, 0, kNone, kNone},
    {SYS_truncate, Meaning::kTruncate, kNone, 0, kNone},
    {SYS_renameat, Meaning::kRename, 0, 1, kNone},
    {SYS_renameat2, Meaning::kRename, 0, 1, kNone},
    {SYS_unlinkat, Meaning::kUnlinkAt, 0, 1, 2},
    {SYS_symlinkat, Meaning::kSymlink, 1, 2, kNone},
    {SYS_linkat, Meaning::kLink, 2, 3, kNone},
    {SYS_utimensat, Meaning::kUtime, 0, 1, 3},
    {SYS_fchmodat, Meaning::kChmod, 0, 1, kNone},
    {kFchmodat2, Meaning::kChmod, 0, 1, 3},
    {SYS_fchownat, Meaning::kChown, 0, 1, 4},
    {SYS_mknodat, Meaning::kMknod, 0, 1, kNone},
    {SYS_statfs, Meaning::kStatfs, kNone, 0, kNone},
    {SYS_chroot, Meaning::kChroot, kNone, 0, kNone},
});
#else
#error "tracing knows the system calls of x86_64 and aarch64 hosts only"
#endif

const PathCall* find_call(long number) {
  const auto* it = std::ranges::find(kPathCalls, number, &PathCall::number);
  return it == kPathCalls.end() ? nullptr : it;
}

/// "open(O_RDONLY)", "open(O_WRONLY|O_CREAT|O_TRUNC)", "opendir" for O_DIRECTORY.
std::string open_name(std::uint64_t flags) {
  if ((flags & O_PATH) != 0) return "open(O_PATH)";
  const bool tmpfile = (flags & O_TMPFILE) == O_TMPFILE;  // O_TMPFILE includes O_DIRECTORY
  if (!tmpfile && (flags & O_DIRECTORY) != 0) return "opendir";
  std::string name = "open(";
  switch (flags & O_ACCMODE) {
    case O_WRONLY:
      name.append("O_WRONLY");
      break;
    case O_RDWR:
      name.append("O_RDWR");
      break;
    default:
      name.append("O_RDONLY");
      break;
  }
  // Only the flags that say what the program expects of the path; O_CLOEXEC and the like
  // would split one need into several records.
  struct Flag {
    std::uint64_t bit;
    std::string_view name;
  };
  constexpr std::array<Flag, 4> kFlags = {
      {{O_CREAT, "|O_CREAT"}, {O_EXCL, "|O_EXCL"}, {O_TRUNC, "|O_TRUNC"}, {O_APPEND, "|O_APPEND"}}};
  for (const Flag& f : kFlags) {
    if ((flags & f.bit) != 0) name.append(f.name);
  }
  if (tmpfile) name.append("|O_TMPFILE");
  name.append(")");
  return name;
}

std::string call_name(Meaning meaning, std::uint64_t flags) {
  switch (meaning) {
    case Meaning::kOpen:
    case Meaning::kOpenHow:
      return open_name(flags);
    case Meaning::kCreat:
      return "open(O_WRONLY|O_CREAT|O_TRUNC)";
    case Meaning::kExec:
      return "execve";
    case Meaning::kStat:
      return "stat";
    case Meaning::kLstat:
      return "lstat";
    case Meaning::kStatAt:
      return (flags & AT_SYMLINK_NOFOLLOW) != 0 ? "lstat" : "stat";
    case Meaning::kStatx:
      return "statx";
    case Meaning::kAccess:
      return "access";
    case Meaning::kReadlink:
      return "readlink";
    case Meaning::kChdir:
      return "chdir";
    case Meaning::kMkdir:
      return "mkdir";
    case Meaning::kOpendir:
      return "opendir";
    case Meaning::kTruncate:
      return "truncate";
    case Meaning::kRename:
      return "rename";
    case Meaning::kUnlink:
      return "unlink";
    case Meaning::kUnlinkAt:
      return (flags & AT_REMOVEDIR) != 0 ? "rmdir" : "unlink";
    case Meaning::kRmdir:
      return "rmdir";
    case Meaning::kSymlink:
      return "symlink";
    case Meaning::kLink:
      return "link";
    case Meaning::kUtime:
      return "utime";
    case Meaning::kChmod:
      return "chmod";
    case Meaning::kChown:
      return "chown";
    case Meaning::kMknod:
      return "mknod";
    case Meaning::kStatfs:
      return "statfs";
    case Meaning::kUselib:
      return "uselib";
    case Meaning::kChroot:
      return "chroot";
  }
  return "?";
}

/// Whether the call's flags are AT_* flags, so AT_EMPTY_PATH makes an empty path the dirfd.
bool takes_at_flags(Meaning meaning) {
  return meaning != Meaning::kOpen && meaning != Meaning::kOpenHow && meaning != Meaning::kLink;
}

/// "/" and the normalized path, built by append (GCC 12 warns falsely about "/" + string&&).
std::string rooted(std::string_view path) {
  std::string out = "/";
  out.append(clamp_path(path));
  return out;
}

/// Whether `path` is `folder` or inside it (never for an empty folder).
bool under(std::string_view path, std::string_view folder) {
  return !folder.empty() && path.starts_with(folder) &&
         (path.size() == folder.size() || path[folder.size()] == '/');
}

/// What the runtime provides, not the image: never recorded.
bool runtime_path(std::string_view path) {
  return under(path, "/proc") || under(path, "/sys") || under(path, "/dev");
}

// ---------------------------------------------------------------------------------------------
// The filter

sock_filter statement(std::uint16_t code, std::uint32_t k) {
  return {code, 0, 0, k};
}

sock_filter jump(std::uint16_t code, std::uint32_t k, std::size_t from, std::size_t to_true,
                 std::size_t to_false) {
  // Offsets count from the next instruction and are 8 bits (kPathCalls stays far below).
  return {code, static_cast<std::uint8_t>(to_true - from - 1),
          static_cast<std::uint8_t>(to_false - from - 1), k};
}

// ---------------------------------------------------------------------------------------------
// The tracee's registers and memory

/// ptrace through syscall(2): glibc's variadic wrapper wants pointers for integer arguments.
long ptrace_call(long request, pid_t tid, std::uintptr_t address, std::uintptr_t data) {
  return ::syscall(SYS_ptrace, request, tid, address, data);
}

void resume(pid_t tid, long request, int signal) {
  // ESRCH: killed meanwhile (a timeout); waitpid reports its end.
  (void)ptrace_call(request, tid, 0, static_cast<std::uintptr_t>(signal));
}

/// A system call as the tracee made it.
struct Registers {
  long number = -1;
  std::array<std::uint64_t, 6> args{};
  std::int64_t result = 0;  ///< the return value, at a syscall-exit stop
};

bool read_registers(pid_t tid, Registers& out) {
  user_regs_struct regs{};
  iovec io{&regs, sizeof regs};
  if (ptrace_call(PTRACE_GETREGSET, tid, NT_PRSTATUS, reinterpret_cast<std::uintptr_t>(&io)) != 0) {
    return false;
  }
#if defined(__x86_64__)
  out.number = static_cast<long>(regs.orig_rax);
  out.args = {regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9};
  out.result = static_cast<std::int64_t>(regs.rax);
#elif defined(__aarch64__)
  out.number = static_cast<long>(regs.regs[8]);
  out.args = {regs.regs[0], regs.regs[1], regs.regs[2], regs.regs[3], regs.regs[4], regs.regs[5]};
  out.result = static_cast<std::int64_t>(regs.regs[0]);
#endif
  return true;
}

/// Reads the tracee's memory with process_vm_readv, else /proc/PID/mem; the bytes read.
std::size_t read_memory(pid_t tid, std::uint64_t address, std::span<char> into) {
  iovec local{into.data(), into.size()};
  // The tracee's address, as the kernel wants it in an iovec.
  iovec remote{reinterpret_cast<void*>(static_cast<std::uintptr_t>(address)),  // NOLINT
               into.size()};
  const ssize_t n = ::process_vm_readv(tid, &local, 1, &remote, 1, 0);
  if (n > 0) return static_cast<std::size_t>(n);
  const UniqueFd mem(::open(("/proc/" + std::to_string(tid) + "/mem").c_str(), O_RDONLY));
  if (!mem) return 0;
  const ssize_t m = ::pread(mem.get(), into.data(), into.size(), static_cast<off_t>(address));
  return m > 0 ? static_cast<std::size_t>(m) : 0;
}

/// A NUL-terminated path from the tracee, read a page at a time (a read must not cross into
/// an unmapped page); nullopt for NULL, unreadable memory or longer than PATH_MAX.
std::optional<std::string> read_path(pid_t tid, std::uint64_t address) {
  if (address == 0) return std::nullopt;
  constexpr std::size_t kPage = 4096;  // every page size is a multiple of it
  std::array<char, kPage> chunk{};
  std::string path;
  while (path.size() < PATH_MAX) {
    const std::size_t want =
        std::min(kPage - static_cast<std::size_t>(address % kPage), PATH_MAX - path.size());
    const std::size_t got = read_memory(tid, address, std::span(chunk).first(want));
    if (got == 0) return std::nullopt;
    const std::string_view bytes(chunk.data(), got);
    const std::size_t nul = bytes.find('\0');
    if (nul != std::string_view::npos) return path.append(bytes.substr(0, nul));
    path.append(bytes);
    address += got;
  }
  return std::nullopt;
}

/// openat2's struct open_how (linux/openat2.h): flags, mode, resolve.
struct OpenHow {
  std::uint64_t flags = 0;
  std::uint64_t mode = 0;
  std::uint64_t resolve = 0;
};
constexpr std::uint64_t kResolveInRoot = 0x10;  // RESOLVE_IN_ROOT

std::optional<std::string> read_link(const std::string& link) {
  std::array<char, PATH_MAX> target{};
  const ssize_t n = ::readlink(link.c_str(), target.data(), target.size());
  if (n < 0 || static_cast<std::size_t>(n) >= target.size()) return std::nullopt;
  return std::string(target.data(), static_cast<std::size_t>(n));
}

std::string proc_path(pid_t tid, std::string_view what) {
  std::string path = "/proc/";
  path.append(std::to_string(tid)).append("/").append(what);
  return path;
}

/// The thread group (process) of a thread, from /proc/TID/status; the tid itself when unknown.
pid_t thread_group(pid_t tid) {
  std::ifstream status(proc_path(tid, "status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("Tgid:")) {
      try {
        return static_cast<pid_t>(std::stol(line.substr(5)));
      } catch (const std::exception&) {
        break;
      }
    }
  }
  return tid;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The child's half

SeccompFilter::SeccompFilter() {
  constexpr auto kLoad = static_cast<std::uint16_t>(BPF_LD | BPF_W | BPF_ABS);
  constexpr auto kJeq = static_cast<std::uint16_t>(BPF_JMP | BPF_JEQ | BPF_K);
  constexpr auto kRet = static_cast<std::uint16_t>(BPF_RET | BPF_K);
#if defined(__x86_64__)
  constexpr std::size_t kHeader = 4;  // load arch, check it, load nr, refuse x32
#else
  constexpr std::size_t kHeader = 3;
#endif
  constexpr std::size_t kAllow = kHeader + kPathCalls.size();
  constexpr std::size_t kTrace = kAllow + 1;
  static_assert(kTrace < 250, "BPF jumps are 8 bits");
  program_.push_back(statement(kLoad, offsetof(seccomp_data, arch)));
  program_.push_back(jump(kJeq, kAuditArch, 1, 2, kAllow));
  program_.push_back(statement(kLoad, offsetof(seccomp_data, nr)));
#if defined(__x86_64__)
  program_.push_back(
      jump(static_cast<std::uint16_t>(BPF_JMP | BPF_JGE | BPF_K), kX32Bit, 3, kAllow, 4));
#endif
  for (std::size_t i = 0; i < kPathCalls.size(); ++i) {
    const std::size_t at = kHeader + i;
    program_.push_back(
        jump(kJeq, static_cast<std::uint32_t>(kPathCalls.at(i).number), at, kTrace, at + 1));
  }
  program_.push_back(statement(kRet, SECCOMP_RET_ALLOW));
  program_.push_back(statement(kRet, SECCOMP_RET_TRACE));
  fprog_.len = static_cast<unsigned short>(program_.size());
  fprog_.filter = program_.data();
}

TraceStart start_traced(const SeccompFilter& filter) noexcept {
  if (::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0) return TraceStart::kTraceMe;
  // Raw calls: glibc's raise() would signal the thread this copy was cloned from.
  if (::syscall(SYS_kill, ::syscall(SYS_getpid), SIGSTOP) != 0) return TraceStart::kStop;
  const auto* program = &filter.fprog();
  if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, program, 0, 0) == 0) return TraceStart::kStarted;
  // Without CAP_SYS_ADMIN the kernel wants no_new_privs (which voids setuid programs).
  if (errno != EACCES || ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, program, 0, 0) != 0) {
    return TraceStart::kSeccomp;
  }
  return TraceStart::kStarted;
}

// ---------------------------------------------------------------------------------------------
// The tracer

Tracer::Tracer(pid_t first, TraceSettings settings)
    : first_(first), settings_(std::move(settings)) {
  groups_[first] = 1;
  tracees_[first].process = 1;
}

int Tracer::run() {
  for (;;) {
    int status = 0;
    // __WNOTHREAD: the tracees are this thread's; another thread's children are not ours.
    const pid_t tid = ::waitpid(-1, &status, __WALL | __WNOTHREAD);
    if (tid < 0) {
      if (errno == EINTR) continue;
      throw Error(ExitCode::kSystem, errno_message("cannot follow the traced run: waitpid"));
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      tracees_.erase(tid);
      // A leader's end is reported after its threads': the group is gone and its id free
      // for a new process.
      groups_.erase(tid);
      if (tid == first_) return status;
      continue;
    }
    if (WIFSTOPPED(status)) on_stop(tid, status);
  }
}

void Tracer::on_stop(pid_t tid, int status) {
  const int signal = WSTOPSIG(status);
  const int event = status >> 16;
  Tracee& t = tracee(tid);
  if (signal == (SIGTRAP | 0x80)) {  // PTRACE_O_TRACESYSGOOD: a syscall-exit stop
    on_syscall_exit(tid, t);
    resume(tid, PTRACE_CONT, 0);
    return;
  }
  if (signal == SIGTRAP && event != 0) {
    switch (event) {
      case PTRACE_EVENT_SECCOMP:
        // PTRACE_SYSCALL from a seccomp stop stops again at the call's exit: its errno.
        resume(tid, on_seccomp(tid, t) ? PTRACE_SYSCALL : PTRACE_CONT, 0);
        return;
      case PTRACE_EVENT_FORK:
      case PTRACE_EVENT_VFORK:
      case PTRACE_EVENT_CLONE: {
        unsigned long child = 0;
        if (ptrace_call(PTRACE_GETEVENTMSG, tid, 0, reinterpret_cast<std::uintptr_t>(&child)) ==
            0) {
          tracee(static_cast<pid_t>(child));  // numbered in the order they appear
        }
        break;
      }
      case PTRACE_EVENT_EXEC:
        on_exec(tid);
        break;
      default:
        break;
    }
    resume(tid, PTRACE_CONT, 0);
    return;
  }
  if (!t.started && signal == SIGSTOP) {
    // The stop a tracee starts with: the first process's own, or an auto-attached child's.
    t.started = true;
    if (tid == first_) {
      // The image's root, as the first process has it once the sandbox is set up.
      image_root_ =
          UniqueFd(::open(proc_path(tid, "root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
      constexpr long kOptions = PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                                PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL |
                                PTRACE_O_TRACESYSGOOD;
      if (ptrace_call(PTRACE_SETOPTIONS, tid, 0, kOptions) != 0) {
        throw Error(ExitCode::kSystem,
                    errno_message("cannot trace the run: ptrace(PTRACE_SETOPTIONS)"));
      }
    }
    resume(tid, PTRACE_CONT, 0);
    return;
  }
  t.started = true;
  siginfo_t info{};
  if (ptrace_call(PTRACE_GETSIGINFO, tid, 0, reinterpret_cast<std::uintptr_t>(&info)) != 0) {
    // A group stop (SIGSTOP, SIGTSTP): a tracer that did not seize cannot hold it, so the
    // tracee runs on, as under strace.
    resume(tid, PTRACE_CONT, 0);
    return;
  }
  resume(tid, PTRACE_CONT, signal);  // a signal for the program: delivered
}

Tracer::Tracee& Tracer::tracee(pid_t tid) {
  const auto it = tracees_.find(tid);
  if (it != tracees_.end()) return it->second;
  // A thread belongs to its thread group's process; a new group is the next process.
  const auto [group, added] = groups_.try_emplace(thread_group(tid), 0);
  if (added) group->second = ++processes_;
  Tracee t;
  t.process = group->second;
  return tracees_.emplace(tid, std::move(t)).first->second;
}

bool Tracer::on_seccomp(pid_t tid, Tracee& tracee) {
  Registers regs;
  if (!read_registers(tid, regs)) return false;
  const PathCall* call = find_call(regs.number);
  if (call == nullptr) return false;
  const auto arg = [&](int i) { return regs.args.at(static_cast<std::size_t>(i)); };
  std::uint64_t flags = call->flags == kNone ? 0 : arg(call->flags);
  bool in_root = false;
  if (call->meaning == Meaning::kOpenHow) {
    OpenHow how;
    std::array<char, sizeof(OpenHow)> bytes{};
    const std::size_t size = std::min<std::uint64_t>(arg(3), sizeof bytes);
    if (read_memory(tid, arg(2), std::span(bytes).first(size)) < size) return false;
    std::memcpy(&how, bytes.data(), size);
    flags = how.flags;
    in_root = (how.resolve & kResolveInRoot) != 0;
  }
  std::optional<std::string> path;
  if (call->meaning == Meaning::kExec && tracee.process == 1 && !first_exec_done_) {
    // The sandbox's own exec: of the program, or of the host's qemu that runs it.
    path = settings_.program;
  } else {
    const int dirfd = call->dirfd == kNone
                          ? AT_FDCWD
                          : static_cast<int>(static_cast<std::int32_t>(arg(call->dirfd)));
    if (call->path == kNone) {
      path = fd_path(tid, dirfd);
    } else {
      const std::optional<std::string> text = read_path(tid, arg(call->path));
      if (!text) return false;
      path = resolve(tid, dirfd, *text,
                     takes_at_flags(call->meaning) && (flags & AT_EMPTY_PATH) != 0, in_root);
    }
  }
  if (!path) return false;
  if (call->meaning == Meaning::kSymlink || call->meaning == Meaning::kLink) {
    path = rooted(parent_path(path->substr(1)));
  }
  if (runtime_path(*path) || under(*path, settings_.emulator_prefix)) return false;
  tracee.pending = FileAccess{std::move(*path), call_name(call->meaning, flags), 0, tracee.process};
  return true;
}

void Tracer::on_syscall_exit(pid_t tid, Tracee& tracee) {
  if (!tracee.pending) return;
  FileAccess access = std::move(*tracee.pending);
  tracee.pending.reset();
  Registers regs;
  if (!read_registers(tid, regs)) return;
  if (regs.result < 0 && regs.result >= -4095) {
    const int error = static_cast<int>(-regs.result);
    // ERESTARTSYS..ERESTART_RESTARTBLOCK: a signal came; the call runs again and stops again.
    if (error >= 512 && error <= 516) return;
    access.error = error;
  }
  if (access.call == "chroot" && access.error == 0) chrooted_ = true;
  record(std::move(access));
}

void Tracer::on_exec(pid_t tid) {
  // An exec from another thread of the process: it now has the leader's id.
  unsigned long former = 0;
  if (ptrace_call(PTRACE_GETEVENTMSG, tid, 0, reinterpret_cast<std::uintptr_t>(&former)) == 0 &&
      static_cast<pid_t>(former) != tid) {
    const auto it = tracees_.find(static_cast<pid_t>(former));
    if (it != tracees_.end()) {
      Tracee moved = std::move(it->second);
      tracees_.erase(it);
      tracees_[tid] = std::move(moved);
    }
  }
  Tracee& t = tracee(tid);
  t.started = true;
  if (t.pending) {  // a successful exec has no exit stop: continued with PTRACE_CONT
    record(std::move(*t.pending));
    t.pending.reset();
  }
  if (t.process == 1) first_exec_done_ = true;
}

void Tracer::record(FileAccess access) {
  std::string key = access.path;
  key.append(1, '\0').append(access.call).append(1, '\0').append(std::to_string(access.error));
  if (seen_.contains(key)) return;
  if (accesses_.size() >= settings_.max_accesses) {
    truncated_ = true;
    return;
  }
  seen_.insert(std::move(key));
  accesses_.push_back(std::move(access));
}

// ---------------------------------------------------------------------------------------------
// Paths

std::optional<std::string> Tracer::image_path(std::string link) const {
  // The kernel names a path from the reader's root. A pivot_root'ed tracee's own paths are
  // not reachable from the tracer's, so they come in image terms ("/etc"), whatever chroot
  // the tracee made; where the sandbox had to chroot instead they come with the host's rootfs
  // in front, which is taken off.
  constexpr std::string_view kDeleted = " (deleted)";
  if (link.ends_with(kDeleted)) link.resize(link.size() - kDeleted.size());
  const std::string& root = settings_.host_rootfs;
  if (!root.empty() && link.starts_with(root) &&
      (link.size() == root.size() || link[root.size()] == '/')) {
    link = link.size() == root.size() ? std::string(1, '/') : link.substr(root.size());
  }
  if (!link.starts_with('/')) return std::nullopt;  // pipe:[...], socket:[...], anon_inode:...
  return rooted(link);
}

std::optional<std::string> Tracer::cwd_path(pid_t tid) const {
  // The cwd is always inside the root: entered after pivot_root, never inherited.
  std::optional<std::string> link = read_link(proc_path(tid, "cwd"));
  if (!link) return std::nullopt;
  return image_path(std::move(*link));
}

std::optional<std::string> Tracer::fd_path(pid_t tid, int fd) const {
  const std::string fd_link = proc_path(tid, "fd/" + std::to_string(fd));
  std::optional<std::string> link = read_link(fd_link);
  if (!link) return std::nullopt;
  std::optional<std::string> path = image_path(std::move(*link));
  if (!path) return std::nullopt;
  // A descriptor inherited from the host names a host path: keep a path only when the
  // image's root holds that very file there.
  struct stat opened {};
  struct stat named {};
  const std::string relative = path->size() > 1 ? path->substr(1) : ".";
  const int found = image_root_ ? ::fstatat(image_root_.get(), relative.c_str(), &named, 0)
                                : ::stat((proc_path(tid, "root") + *path).c_str(), &named);
  if (::stat(fd_link.c_str(), &opened) != 0 || found != 0 || opened.st_dev != named.st_dev ||
      opened.st_ino != named.st_ino) {
    return std::nullopt;
  }
  return path;
}

std::optional<std::string> Tracer::resolve(pid_t tid, int dirfd, const std::string& path,
                                           bool empty_is_dirfd, bool in_root) const {
  if (path.empty() && !empty_is_dirfd) return std::nullopt;  // ENOENT, no file named
  if (path.starts_with('/') && !in_root) {
    if (!chrooted_) return rooted(path);
    // Inside a chroot the program made, "/" is its root (/proc/PID/root, in image terms).
    std::optional<std::string> root = read_link(proc_path(tid, "root"));
    if (root) root = image_path(std::move(*root));
    if (!root) return std::nullopt;
    root->append("/").append(path);
    return rooted(*root);
  }
  std::optional<std::string> base = dirfd == AT_FDCWD ? cwd_path(tid) : fd_path(tid, dirfd);
  if (!base) return std::nullopt;
  if (path.empty()) return base;
  base->append("/").append(path);
  return rooted(*base);
}

void kill_traced(pid_t first) noexcept {
  ::kill(first, SIGKILL);
  // A traced process's end waits for its tracer: reap every tracee until the first is gone.
  for (;;) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, __WALL | __WNOTHREAD);
    if (pid < 0 && errno == EINTR) continue;
    if (pid < 0) return;
    if (pid == first && (WIFEXITED(status) || WIFSIGNALED(status))) return;
  }
}

}  // namespace pare
