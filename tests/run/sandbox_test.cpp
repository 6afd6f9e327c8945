#include <doctest/doctest.h>

#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "pare/run/sandbox.hpp"
#include "pare/util/error.hpp"
#include "sandbox_support.hpp"

// These tests run the static probe (tests/run/make-sandbox-fixtures.sh) in real namespaces;
// sandbox_support.hpp says when they skip.

using namespace pare;
namespace fs = std::filesystem;

namespace {

bool have_probe(const std::string& arch) {
  return have_program("probe", arch);
}

using Rootfs = SandboxRoot;

bool has_line(const std::string& output, const std::string& line) {
  return ("\n" + output).find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("run_in_sandbox: a program sees what a container runtime provides") {
  if (!have_root() || !have_probe("amd64")) return;
  const Rootfs root;
  RunRequest r = root.request({"report", "two words"});
  r.argv.front() = "configured-argv0";
  r.env = {"GREETING=hello", "PATH=/bin"};
  r.working_dir = "/data";
  const RunResult result = run_in_sandbox(r);
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.signal == 0);
  CHECK_FALSE(result.timed_out);
  CHECK(has_line(result.output, "argc=3"));
  CHECK(has_line(result.output, "argv[0]=configured-argv0"));
  CHECK(has_line(result.output, "argv[2]=two words"));
  CHECK(has_line(result.output, "env=GREETING=hello"));
  CHECK(has_line(result.output, "env=PATH=/bin"));  // the config's PATH, not the default
  CHECK(has_line(result.output, "env=HOSTNAME=pare-verify"));
  CHECK(has_line(result.output, "env=HOME=/root"));
  CHECK(has_line(result.output, "cwd=/data"));
  CHECK(has_line(result.output, "uid=0 gid=0 euid=0"));
  CHECK(has_line(result.output, "hostname=pare-verify"));
  CHECK(has_line(result.output, "pid=1"));
  CHECK(has_line(result.output, "proc_self=yes"));
  CHECK(has_line(result.output, "dev_null=writable"));
  CHECK(has_line(result.output, "dev_urandom=yes"));
  CHECK(has_line(result.output, "host_usr=absent"));
  CHECK(has_line(result.output, "stdin=eof"));
  // Root in the sandbox cannot reach the host's kernel through /proc.
  CHECK(has_line(result.output, "sysrq=denied"));
  CHECK(has_line(result.output, "proc_sys=read-only"));
  CHECK(has_line(result.output, "timer_list=masked"));
  CHECK(has_line(result.output, "hosts: 127.0.0.1\tlocalhost pare-verify"));
  CHECK(has_line(result.output, "hosts: ::1\tlocalhost ip6-localhost ip6-loopback"));
  // The runtime's files went into the rootfs copy.
  std::ifstream hostname(root.path() / "etc/hostname");
  std::string line;
  std::getline(hostname, line);
  CHECK(line == "pare-verify");
  CHECK(fs::exists(root.path() / "etc/resolv.conf"));
}

TEST_CASE("run_in_sandbox: exit codes and signals come back as a shell reports them") {
  if (!have_root() || !have_probe("amd64")) return;
  const Rootfs root;
  const RunResult code = run_in_sandbox(root.request({"exit", "42"}));
  CHECK(code.exit_code == 42);
  CHECK(code.signal == 0);
  const RunResult crash = run_in_sandbox(root.request({"segv"}));
  CHECK(crash.signal == 11);
  CHECK(crash.exit_code == 139);
  const RunResult mixed = run_in_sandbox(root.request({"mixed"}));
  CHECK(mixed.exit_code == 3);
  CHECK(mixed.output == "out1\nerr1\nout2\n");  // stdout and stderr share one pipe, in order
}

TEST_CASE(
    "run_in_sandbox: User and WorkingDir are applied, names from the image's passwd and group") {
  if (!have_root() || !have_probe("amd64")) return;
  const Rootfs root;
  RunRequest r = root.request({"report"});
  r.user = "nonroot";
  r.working_dir = "/home/nonroot";
  RunResult result = run_in_sandbox(r);
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(has_line(result.output, "uid=65532 gid=65532 euid=65532"));
  CHECK(has_line(result.output, "groups=4000"));
  CHECK(has_line(result.output, "env=HOME=/home/nonroot"));
  CHECK(has_line(result.output, "cwd=/home/nonroot"));

  r.user = "1000:extra";  // a uid the image does not know, a group it does
  r.working_dir = "/";
  result = run_in_sandbox(r);
  CHECK(has_line(result.output, "uid=1000 gid=4000 euid=1000"));
  CHECK(has_line(result.output, "env=HOME=/"));

  r.user = "ghost";
  try {
    run_in_sandbox(r);
    FAIL("an unknown user must be an error");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kBadInput);
    CHECK(std::string(e.what()).find("ghost") != std::string::npos);
  }
  r.user = "nonroot:nogroup";
  CHECK_THROWS_AS(run_in_sandbox(r), Error);
}

TEST_CASE("run_in_sandbox: a missing WorkingDir is an error, not program output") {
  if (!have_root() || !have_probe("amd64")) return;
  const Rootfs root;
  RunRequest r = root.request({"report"});
  r.working_dir = "/app";
  try {
    run_in_sandbox(r);
    FAIL("a missing WorkingDir must be an error");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kBadInput);
    CHECK(std::string(e.what()) == "WorkingDir /app does not exist in the image");
  }
}

TEST_CASE(
    "run_in_sandbox: a program that cannot be exec'd exits 127 or 126, as docker reports it") {
  if (!have_root() || !have_probe("amd64")) return;
  const Rootfs root;
  RunRequest r = root.request({});
  r.program = "/bin/missing";
  RunResult result = run_in_sandbox(r);
  CHECK(result.exit_code == 127);
  CHECK(result.output == "pare: exec /bin/missing: No such file or directory\n");
  write_text(root.path() / "bin/text", "not a program\n");
  fs::permissions(root.path() / "bin/text", fs::perms(0644));
  r.program = "/bin/text";
  result = run_in_sandbox(r);
  CHECK(result.exit_code == 126);
  CHECK(result.output == "pare: exec /bin/text: Permission denied\n");
}

TEST_CASE("run_in_sandbox: a timeout kills the program and everything it started") {
  if (!have_root() || !have_probe("amd64")) return;
  const Rootfs root;
  RunRequest r = root.request({"sleep", "30"});
  r.timeout = std::chrono::milliseconds(500);
  const auto start = std::chrono::steady_clock::now();
  const RunResult result = run_in_sandbox(r);
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(result.timed_out);
  CHECK(result.signal == 9);
  CHECK(result.exit_code == 137);
  CHECK(result.output.find("woke up") == std::string::npos);
  CHECK(took < std::chrono::seconds(5));

  // pid 1 exiting ends the run even though its child still holds stdout.
  const auto orphan_start = std::chrono::steady_clock::now();
  const RunResult orphan = run_in_sandbox(root.request({"orphan"}));
  CHECK_FALSE(orphan.timed_out);
  CHECK(orphan.exit_code == 0);
  CHECK(orphan.output == "parent done\n");
  CHECK(std::chrono::steady_clock::now() - orphan_start < std::chrono::seconds(10));
}

TEST_CASE("run_in_sandbox: output past max_output is counted and dropped") {
  if (!have_root() || !have_probe("amd64")) return;
  const Rootfs root;
  RunRequest r = root.request({"spew", "100000"});
  r.max_output = 1000;
  const RunResult result = run_in_sandbox(r);
  CHECK(result.exit_code == 0);
  CHECK(result.output == std::string(1000, 'x'));
  CHECK(result.dropped == 99000);
}

TEST_CASE("run_in_sandbox: an arm64 program runs under qemu and sees the same container") {
  if (!have_root() || !have_probe("arm64") || !have_qemu_aarch64()) return;
  const Rootfs root("arm64");
  RunRequest r = root.request({"report", "arg"});
  r.argv.front() = "arm-argv0";
  r.architecture = "arm64";
  r.user = "nonroot";
  r.working_dir = "/data";
  const RunResult result = run_in_sandbox(r);
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(has_line(result.output, "argc=3"));
  CHECK(has_line(result.output, "argv[0]=arm-argv0"));
  CHECK(has_line(result.output, "argv[1]=report"));
  CHECK(has_line(result.output, "argv[2]=arg"));
  CHECK(has_line(result.output, "uid=65532 gid=65532 euid=65532"));
  CHECK(has_line(result.output, "cwd=/data"));
  CHECK(has_line(result.output, "hostname=pare-verify"));
  CHECK(has_line(result.output, "host_usr=absent"));
  CHECK(has_line(result.output, "hosts: 127.0.0.1\tlocalhost pare-verify"));
  // Nothing was copied into the image for the emulator.
  CHECK_FALSE(fs::exists(root.path() / ".pare"));

  r.argv = {"probe", "exit", "7"};
  CHECK(run_in_sandbox(r).exit_code == 7);
}

TEST_CASE("run_in_sandbox: an architecture pare does not run is an error") {
  RunRequest r;
  r.rootfs = "/nonexistent";
  r.program = "/bin/probe";
  r.argv = {"probe"};
  r.architecture = "riscv64";
  try {
    run_in_sandbox(r);
    FAIL("riscv64 must be refused");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kBadInput);
  }
}

TEST_CASE("run_in_sandbox: without root, run_in_sandbox says which privilege it needs (exit 4)") {
  if (!have_root() || !have_probe("amd64")) return;
  const Rootfs root;
  std::array<int, 2> message_pipe{};
  REQUIRE(::pipe(message_pipe.data()) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The child drops every privilege, then reports the Error's code as its exit status and
    // its message through the pipe.
    ::close(message_pipe[0]);
    if (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 ||
        ::setresuid(65534, 65534, 65534) != 0) {
      ::_exit(90);
    }
    int code = 91;
    try {
      run_in_sandbox(root.request({"report"}));
      code = 0;
    } catch (const Error& e) {
      const std::string message = e.what();
      (void)!::write(message_pipe[1], message.data(), message.size());
      code = static_cast<int>(e.code());
    } catch (...) {
      code = 92;
    }
    ::_exit(code);
  }
  ::close(message_pipe[1]);
  std::string message;
  std::array<char, 512> buf{};
  for (ssize_t n; (n = ::read(message_pipe[0], buf.data(), buf.size())) > 0;) {
    message.append(buf.data(), static_cast<std::size_t>(n));
  }
  ::close(message_pipe[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  INFO(message);
  CHECK(WEXITSTATUS(status) == 4);
  CHECK(message.starts_with("verify --run needs root (CAP_SYS_ADMIN)"));
  CHECK(message.find("Operation not permitted") != std::string::npos);
}
