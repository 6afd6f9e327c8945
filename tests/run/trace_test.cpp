#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "pare/run/sandbox.hpp"
#include "pare/run/trace.hpp"
#include "pare/util/error.hpp"
#include "sandbox_support.hpp"

// These tests trace the static tracee (tests/run/tracee.c, built by make-sandbox-fixtures.sh)
// in run_in_sandbox and assert the exact records; sandbox_support.hpp says when they skip.

using namespace pare;
namespace fs = std::filesystem;

namespace {

std::string describe(const std::vector<FileAccess>& accesses) {
  std::ostringstream out;
  for (const FileAccess& a : accesses) {
    out << a.process << " " << a.call << " " << a.path;
    if (a.error != 0) out << " errno=" << a.error;
    out << "\n";
  }
  return out.str();
}

bool ready(const std::string& arch = "amd64") {
  return have_root() && have_program("tracee", arch);
}

/// A root with the tracee at /bin/tracee and /data/a.txt, /data/b.txt, /data/sub/c.txt.
class TraceRoot : public SandboxRoot {
 public:
  explicit TraceRoot(const std::string& arch = "amd64") : SandboxRoot(arch, "tracee") {
    fs::create_directories(path() / "data/sub");
    write_text(path() / "data/a.txt", "a\n");
    write_text(path() / "data/b.txt", "b\n");
    write_text(path() / "data/sub/c.txt", "c\n");
  }

  RunRequest traced(std::vector<std::string> args) const {
    RunRequest r = request(std::move(args));
    r.trace = true;
    return r;
  }
};

/// Every record names an image path: absolute, normalized, never the host's rootfs, never
/// under what the runtime provides.
void check_image_paths(const RunResult& result, const SandboxRoot& root) {
  INFO(describe(result.accesses));
  const std::string host = fs::canonical(root.path()).string();
  for (const FileAccess& a : result.accesses) {
    CHECK(a.path.starts_with('/'));
    CHECK(a.path.find(host) == std::string::npos);
    CHECK(a.path.find("/./") == std::string::npos);
    CHECK(a.path.find("/../") == std::string::npos);
    CHECK_FALSE(a.path.starts_with("/proc"));
    CHECK_FALSE(a.path.starts_with("/dev"));
    CHECK_FALSE(a.path.starts_with("/sys"));
    CHECK(a.process >= 1);
  }
}

bool has(const RunResult& result, const FileAccess& access) {
  return std::ranges::find(result.accesses, access) != result.accesses.end();
}

/// The sandbox's exec of the tracee, every run's first record.
FileAccess exec_tracee() {
  return {"/bin/tracee", "execve", 0, 1};
}

}  // namespace

TEST_CASE("run_in_sandbox trace: openat2, faccessat2 and statx are recorded with image paths") {
  if (!ready()) return;
  const TraceRoot root;
  const RunResult result = run_in_sandbox(root.traced({"modern"}));
  INFO(result.output);
  INFO(describe(result.accesses));
  CHECK(result.exit_code == 0);
  const std::vector<FileAccess> expected = {exec_tracee(),
                                            {"/data/a.txt", "open(O_RDONLY)", 0, 1},
                                            {"/data/b.txt", "access", 0, 1},
                                            {"/data/b.txt", "statx", 0, 1}};
  CHECK(result.accesses == expected);
  CHECK_FALSE(result.accesses_truncated);
  check_image_paths(result, root);
}

TEST_CASE("run_in_sandbox trace: relative paths join the cwd or the dirfd, lexically") {
  if (!ready()) return;
  const TraceRoot root;
  const RunResult result = run_in_sandbox(root.traced({"relative"}));
  INFO(result.output);
  INFO(describe(result.accesses));
  CHECK(result.exit_code == 0);
  const std::vector<FileAccess> expected = {
      exec_tracee(),
      {"/data", "chdir", 0, 1},
      {"/data/a.txt", "open(O_RDONLY)", 0, 1},      // "a.txt" in /data
      {"/data/b.txt", "open(O_RDONLY)", 0, 1},      // "sub/../b.txt": symlinks are not resolved
      {"/data/sub", "opendir", 0, 1},               // open(O_DIRECTORY)
      {"/data/sub/c.txt", "open(O_RDONLY)", 0, 1},  // openat(dirfd, "c.txt")
      {"/data/b.txt", "lstat", 0, 1},               // fstatat(dirfd, "../b.txt", NOFOLLOW)
      {"/data/sub", "chdir", 0, 1},                 // "sub" in /data
      {"/etc/passwd", "stat", 0, 1},                // "../../../etc/passwd": ".." stops at /
      {"/data/sub/c.txt", "access", 0, 1}};         // "./c.txt"
  CHECK(result.accesses == expected);
  check_image_paths(result, root);
}

TEST_CASE("run_in_sandbox trace: a removed cwd still names the image path") {
  if (!ready()) return;
  const TraceRoot root;
  const RunResult result = run_in_sandbox(root.traced({"deleted"}));
  INFO(describe(result.accesses));
  CHECK(result.exit_code == 0);
  const std::vector<FileAccess> expected = {exec_tracee(),
                                            {"/tmp/gone", "mkdir", 0, 1},
                                            {"/tmp/gone", "chdir", 0, 1},
                                            {"/tmp/gone", "rmdir", 0, 1},
                                            {"/tmp/gone/x", "open(O_RDONLY)", ENOENT, 1}};
  CHECK(result.accesses == expected);
  check_image_paths(result, root);
}

TEST_CASE("run_in_sandbox trace: after the program's own chroot, paths are in its new root") {
  if (!ready()) return;
  const TraceRoot root;
  const RunResult result = run_in_sandbox(root.traced({"chroot"}));
  INFO(describe(result.accesses));
  CHECK(result.exit_code == 0);
  const std::vector<FileAccess> expected = {exec_tracee(),
                                            {"/data", "chroot", 0, 1},
                                            {"/data", "chdir", 0, 1},
                                            {"/data/a.txt", "open(O_RDONLY)", 0, 1},
                                            {"/data/sub/c.txt", "open(O_RDONLY)", 0, 1}};
  CHECK(result.accesses == expected);
  check_image_paths(result, root);
}

TEST_CASE("run_in_sandbox trace: a failed look-up is recorded with its errno") {
  if (!ready()) return;
  const TraceRoot root;
  const RunResult result = run_in_sandbox(root.traced({"missing"}));
  INFO(describe(result.accesses));
  CHECK(result.exit_code == 0);
  const std::vector<FileAccess> expected = {
      exec_tracee(),
      {"/data/missing.txt", "open(O_RDONLY)", ENOENT, 1},
      {"/data/new.txt", "open(O_WRONLY|O_CREAT|O_TRUNC)", 0, 1},
      {"/nope/x", "access", ENOENT, 1}};
  CHECK(result.accesses == expected);
  check_image_paths(result, root);
}

TEST_CASE("run_in_sandbox trace: the calls that change files name the paths they need") {
  if (!ready()) return;
  const TraceRoot root;
  const RunResult result = run_in_sandbox(root.traced({"files"}));
  INFO(result.output);
  INFO(describe(result.accesses));
  CHECK(result.exit_code == 0);
  const std::vector<FileAccess> expected = {
      exec_tracee(),
      {"/tmp/d", "mkdir", 0, 1},
      {"/tmp/d/f", "open(O_WRONLY|O_CREAT|O_EXCL|O_APPEND)", 0, 1},
      {"/tmp/d/f", "rename", 0, 1},  // the source
      {"/tmp/d", "symlink", 0, 1},   // the folder the link is made in
      {"/tmp/d/l", "readlink", 0, 1},
      {"/tmp/d/l", "lstat", 0, 1},
      {"/tmp/d", "link", 0, 1},
      {"/tmp/d/g", "chmod", 0, 1},
      {"/tmp/d/g", "chown", 0, 1},
      {"/tmp/d/g", "truncate", 0, 1},
      {"/tmp/d/g", "utime", 0, 1},
      {"/tmp/d/h", "unlink", 0, 1},
      {"/tmp/d/p", "mknod", 0, 1},
      {"/tmp/d", "opendir", 0, 1},  // open(O_DIRECTORY), then getdents64 on it: one record
      {"/", "statfs", 0, 1},
      {"/tmp/e", "mkdir", 0, 1},
      {"/tmp/e", "rmdir", 0, 1}};  // /proc/self/status and /dev/null: the runtime's
  CHECK(result.accesses == expected);
  check_image_paths(result, root);
}

TEST_CASE("run_in_sandbox trace: an exec chain records every exec and the last program's opens") {
  if (!ready()) return;
  const TraceRoot root;
  root.add_program("/bin/second");
  root.add_program("/bin/third");
  const RunResult result = run_in_sandbox(
      root.traced({"exec", "/bin/second", "exec", "/bin/third", "open", "/data/a.txt"}));
  INFO(result.output);
  INFO(describe(result.accesses));
  CHECK(result.exit_code == 0);
  const std::vector<FileAccess> expected = {exec_tracee(),
                                            {"/bin/second", "execve", 0, 1},
                                            {"/bin/third", "execve", 0, 1},
                                            {"/data/a.txt", "open(O_RDONLY)", 0, 1}};
  CHECK(result.accesses == expected);

  // A program that cannot be exec'd: the sandbox's own failed exec is a record too.
  RunRequest missing = root.traced({});
  missing.program = "/bin/missing";
  const RunResult failed = run_in_sandbox(missing);
  CHECK(failed.exit_code == 127);
  CHECK(failed.accesses == std::vector<FileAccess>{{"/bin/missing", "execve", ENOENT, 1}});
  check_image_paths(result, root);
}

TEST_CASE("run_in_sandbox trace: a child process is numbered 2, a thread keeps its process's") {
  if (!ready()) return;
  const TraceRoot root;
  const RunResult forked = run_in_sandbox(root.traced({"fork", "/data/a.txt"}));
  INFO(describe(forked.accesses));
  CHECK(forked.exit_code == 0);
  CHECK(forked.accesses ==
        std::vector<FileAccess>{exec_tracee(), {"/data/a.txt", "open(O_RDONLY)", 0, 2}});

  const RunResult threaded = run_in_sandbox(root.traced({"thread", "/data/b.txt"}));
  INFO(describe(threaded.accesses));
  CHECK(threaded.exit_code == 0);
  CHECK(threaded.accesses ==
        std::vector<FileAccess>{exec_tracee(), {"/data/b.txt", "open(O_RDONLY)", 0, 1}});
}

TEST_CASE(
    "run_in_sandbox trace: a traced program runs as its User, setuid works, records are capped") {
  if (!ready()) return;
  const TraceRoot root;
  RunRequest r = root.traced({"open", "/data/a.txt"});
  r.user = "nonroot";
  const RunResult as_user = run_in_sandbox(r);
  INFO(describe(as_user.accesses));
  CHECK(as_user.exit_code == 0);
  CHECK(has(as_user, {"/data/a.txt", "open(O_RDONLY)", 0, 1}));

  // A setuid program still gains its owner: the filter needs no no_new_privs.
  root.add_program("/bin/setuid");
  fs::permissions(root.path() / "bin/setuid", fs::perms(04755));
  r.program = "/bin/setuid";
  r.argv = {"setuid", "ids"};
  const RunResult setuid = run_in_sandbox(r);
  CHECK(setuid.output == "uid=65532 euid=0\n");
  CHECK(setuid.accesses == std::vector<FileAccess>{{"/bin/setuid", "execve", 0, 1}});

  r.user = "";
  r.working_dir = "/app";  // a setup failure before tracing starts is the same error
  CHECK_THROWS_WITH_AS(run_in_sandbox(r), "WorkingDir /app does not exist in the image", Error);

  r = root.traced({"relative"});
  r.max_accesses = 3;
  const RunResult capped = run_in_sandbox(r);
  CHECK(capped.exit_code == 0);
  CHECK(capped.accesses.size() == 3);
  CHECK(capped.accesses_truncated);
}

TEST_CASE("run_in_sandbox trace: a server stopped at the timeout ends on SIGTERM") {
  if (!ready()) return;
  const TraceRoot root;
  for (const bool trace : {true, false}) {
    CAPTURE(trace);
    RunRequest r = root.request({"server"});
    r.trace = trace;
    r.terminate_at_timeout = true;
    r.timeout = std::chrono::milliseconds(700);
    const RunResult result = run_in_sandbox(r);
    CHECK(result.timed_out);
    CHECK(result.terminated);
    CHECK(result.exit_code == 0);
    CHECK(result.signal == 0);
    CHECK(result.output == "ready\nstopping\n");
    if (trace) CHECK(result.accesses == std::vector<FileAccess>{exec_tracee()});
  }
}

TEST_CASE("run_in_sandbox trace: a server that ignores SIGTERM is killed after the grace") {
  if (!ready()) return;
  const TraceRoot root;
  RunRequest r = root.traced({"stubborn"});
  r.terminate_at_timeout = true;
  r.timeout = std::chrono::milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  const RunResult result = run_in_sandbox(r);
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(result.timed_out);
  CHECK_FALSE(result.terminated);
  CHECK(result.signal == 9);
  CHECK(result.exit_code == 137);
  CHECK(result.output == "ready\n");
  CHECK(took >= std::chrono::milliseconds(2300));  // the timeout, then the 2 s grace
  CHECK(took < std::chrono::seconds(8));

  // Without terminate_at_timeout a traced server is killed at once, as an untraced one.
  r = root.traced({"server"});
  r.timeout = std::chrono::milliseconds(300);
  const auto kill_start = std::chrono::steady_clock::now();
  const RunResult killed = run_in_sandbox(r);
  CHECK(killed.timed_out);
  CHECK_FALSE(killed.terminated);
  CHECK(killed.signal == 9);
  CHECK(killed.output == "ready\n");
  CHECK(killed.accesses == std::vector<FileAccess>{exec_tracee()});
  CHECK(std::chrono::steady_clock::now() - kill_start < std::chrono::seconds(2));
}

TEST_CASE("run_in_sandbox trace: an arm64 program under qemu is traced by its image paths") {
  if (!ready("arm64") || !have_qemu_aarch64()) return;
  const TraceRoot root("arm64");
  RunRequest r = root.traced({"open", "/data/a.txt"});
  r.architecture = "arm64";
  const RunResult result = run_in_sandbox(r);
  INFO(result.output);
  MESSAGE("arm64 under qemu:\n" << describe(result.accesses));
  CHECK(result.exit_code == 0);
  CHECK(result.accesses.front() == exec_tracee());  // the exec of qemu, named as the program
  CHECK(has(result, {"/data/a.txt", "open(O_RDONLY)", 0, 1}));
  check_image_paths(result, root);
  // qemu's own host binary never shows (it is exec'd from a host descriptor), nor its look-ups
  // under its interpreter prefix (/etc/qemu-binfmt/aarch64).
  for (const FileAccess& a : result.accesses) CHECK(a.path.find("qemu") == std::string::npos);
}

namespace {

/// qemu-aarch64 registered with binfmt_misc for the test's length (a guest that execs another
/// guest program goes through it), and put back as it was.
class BinfmtAarch64 {
 public:
  BinfmtAarch64() {
    if (run_command("command -v update-binfmts").status != 0) return;
    if (!fs::exists("/proc/sys/fs/binfmt_misc/status")) {
      if (run_command("mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc").status != 0) {
        return;
      }
      mounted_ = true;
    }
    if (!enabled()) {
      enabled_by_us_ = run_command("update-binfmts --enable qemu-aarch64").status == 0;
    }
  }
  BinfmtAarch64(const BinfmtAarch64&) = delete;
  BinfmtAarch64& operator=(const BinfmtAarch64&) = delete;
  ~BinfmtAarch64() {
    if (enabled_by_us_) run_command("update-binfmts --disable qemu-aarch64");
    if (mounted_) run_command("umount /proc/sys/fs/binfmt_misc");
  }
  static bool enabled() {
    std::ifstream entry("/proc/sys/fs/binfmt_misc/qemu-aarch64");
    std::string first;
    std::getline(entry, first);
    return first == "enabled";
  }

 private:
  bool mounted_ = false;
  bool enabled_by_us_ = false;
};

}  // namespace

TEST_CASE("run_in_sandbox trace: an arm64 exec chain under qemu goes through binfmt_misc") {
  if (!ready("arm64") || !have_qemu_aarch64()) return;
  const BinfmtAarch64 binfmt;
  if (!require_or_skip(BinfmtAarch64::enabled(),
                       "qemu-aarch64 is not registered with binfmt_misc (update-binfmts)")) {
    return;
  }
  const TraceRoot root("arm64");
  root.add_program("/bin/second");
  root.add_program("/bin/third");
  RunRequest r = root.traced({"exec", "/bin/second", "exec", "/bin/third", "open", "/data/a.txt"});
  r.architecture = "arm64";
  const RunResult result = run_in_sandbox(r);
  INFO(result.output);
  INFO(describe(result.accesses));
  CHECK(result.exit_code == 0);
  CHECK(has(result, exec_tracee()));
  CHECK(has(result, {"/bin/second", "execve", 0, 1}));
  CHECK(has(result, {"/bin/third", "execve", 0, 1}));
  CHECK(has(result, {"/data/a.txt", "open(O_RDONLY)", 0, 1}));
  check_image_paths(result, root);
}

TEST_CASE("run_in_sandbox trace: untraced calls cost nothing, traced ones a stop each") {
  if (!ready()) return;
  const TraceRoot root;
  const auto timed = [&](std::vector<std::string> args, bool trace) {
    const std::size_t records = args.size() > 2 ? 2 : 1;  // the exec, and the one path opened
    RunRequest r = root.request(std::move(args));
    r.trace = trace;
    const auto start = std::chrono::steady_clock::now();
    const RunResult result = run_in_sandbox(r);
    CHECK(result.exit_code == 0);
    if (trace) CHECK(result.accesses.size() == records);
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
  };
  const double getpid_plain = timed({"getpid", "100000"}, false);
  const double getpid_traced = timed({"getpid", "100000"}, true);
  const double opens_plain = timed({"opens", "10000", "/data/a.txt"}, false);
  const double opens_traced = timed({"opens", "10000", "/data/a.txt"}, true);
  MESSAGE("100,000 getpid: " << getpid_plain << " ms untraced, " << getpid_traced
                             << " ms traced; 10,000 opens: " << opens_plain << " ms untraced, "
                             << opens_traced << " ms traced");
}
