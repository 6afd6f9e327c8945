#pragma once

// What the tests that run real static programs in run_in_sandbox share
// (tests/run/make-sandbox-fixtures.sh builds the programs): the skip rule and a small image
// root. They need root, and qemu-aarch64-static for arm64; without them a test skips (a
// MESSAGE, then return) on a user's machine and fails when CI=true.

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../support.hpp"
#include "pare/run/sandbox.hpp"

/// False, with a skip message or (in CI) a failure, when `ok` is false.
inline bool require_or_skip(bool ok, const std::string& what) {
  if (ok) return true;
  if (in_ci()) {
    FAIL_CHECK(what << " (CI=true: this is a failure, not a skip)");
  } else {
    MESSAGE("skipped: " << what);
  }
  return false;
}

/// A program make-sandbox-fixtures.sh built: NAME-ARCH ("probe-amd64", "tracee-arm64").
inline std::string sandbox_program(const std::string& name, const std::string& arch) {
  const char* dir = std::getenv("PARE_BUILD_DIR");
  return std::string(dir != nullptr ? dir : "build") + "/sandbox-testdata/" + name + "-" + arch;
}

inline bool have_program(const std::string& name, const std::string& arch) {
  return require_or_skip(std::filesystem::exists(sandbox_program(name, arch)),
                         "no " + sandbox_program(name, arch));
}

inline bool have_root() {
  return require_or_skip(::geteuid() == 0, "run_in_sandbox needs root");
}

inline bool have_qemu_aarch64() {
  return require_or_skip(std::filesystem::exists("/usr/bin/qemu-aarch64-static"),
                         "no /usr/bin/qemu-aarch64-static (apt install qemu-user-static)");
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

/// A small image root: the program at /bin/NAME, passwd and group with root, nonroot (65532)
/// and nobody, /data, /home/nonroot and /tmp. No /usr: the host's must not show through.
class SandboxRoot {
 public:
  explicit SandboxRoot(const std::string& arch = "amd64", const std::string& name = "probe")
      : name_(name), arch_(arch) {
    namespace fs = std::filesystem;
    std::string tmpl = (fs::temp_directory_path() / "pare-sandbox.XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
    fs::permissions(path_, fs::perms(0755));
    fs::create_directories(path_ / "bin");
    fs::create_directories(path_ / "etc");
    fs::create_directories(path_ / "data");
    fs::create_directories(path_ / "home/nonroot");
    fs::create_directories(path_ / "tmp");
    fs::permissions(path_ / "tmp", fs::perms(01777));
    REQUIRE(::chown((path_ / "home/nonroot").c_str(), 65532, 65532) == 0);
    add_program("/bin/" + name);
    write_text(path_ / "etc/passwd",
               "root:x:0:0:root:/root:/sbin/nologin\n"
               "nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
               "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n");
    write_text(path_ / "etc/group",
               "root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\nextra:x:4000:someone,nonroot\n");
  }
  SandboxRoot(const SandboxRoot&) = delete;
  SandboxRoot& operator=(const SandboxRoot&) = delete;
  ~SandboxRoot() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

  /// Copies the program (NAME-ARCH) to another image path as well, mode 0755.
  void add_program(const std::string& image_path, const std::string& arch = "") const {
    const std::filesystem::path to = path_ / image_path.substr(1);
    std::filesystem::copy_file(sandbox_program(name_, arch.empty() ? arch_ : arch), to,
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::permissions(to, std::filesystem::perms(0755));
  }

  pare::RunRequest request(std::vector<std::string> args) const {
    pare::RunRequest r;
    r.rootfs = path_;
    r.program = "/bin/" + name_;
    r.argv = {name_};
    r.argv.insert(r.argv.end(), args.begin(), args.end());
    r.timeout = std::chrono::seconds(20);
    return r;
  }

 private:
  std::string name_;
  std::string arch_;
  std::filesystem::path path_;
};
