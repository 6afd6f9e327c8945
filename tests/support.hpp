#pragma once

// What the unit tests share: where the fixtures are, whether this is CI, and running the
// independent tools (GNU tar, skopeo, umoci) the tests check pare against. Images made in
// memory or in a temporary file are in test_images.hpp (this file includes no pare header).

#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

/// True when the tests run in CI (CI=true), where a missing tool or privilege is a failure, not
/// a skip.
inline bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

/// The folder testdata/make-images.sh filled for this test run: testdata in the build folder
/// (CTest sets PARE_BUILD_DIR).
inline std::string testdata(const std::string& name) {
  const char* dir = std::getenv("PARE_BUILD_DIR");
  return std::string(dir != nullptr ? dir : "build") + "/testdata/" + name;
}

struct CommandResult {
  int status = -1;
  std::string out;
};

/// Runs a shell command; its exit status, and its stdout and stderr together.
inline CommandResult run_command(const std::string& cmd) {
  CommandResult r;
  FILE* pipe = ::popen((cmd + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) != 0;) r.out.append(buf, n);
  const int st = ::pclose(pipe);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

/// Runs a command that must succeed; its output.
inline std::string must_run(const std::string& cmd) {
  const CommandResult r = run_command(cmd);
  INFO(cmd);
  REQUIRE_MESSAGE(r.status == 0, r.out);
  return r.out;
}

/// True when `tool` is on PATH. Missing: a failure in CI, else a message (the caller skips).
inline bool have_tool(const std::string& tool) {
  if (run_command("command -v " + tool).status == 0) return true;
  if (in_ci()) {
    FAIL(tool << " is not installed (CI=true: a missing tool is a failure)");
  }
  MESSAGE(tool << " is not installed: skipped");
  return false;
}

/// A whole file as bytes in a string; empty when it cannot be read.
inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A whole file as bytes; empty when it cannot be read.
inline std::vector<std::byte> file_bytes(const std::filesystem::path& path) {
  const std::string text = read_text(path);
  std::vector<std::byte> bytes(text.size());
  std::memcpy(bytes.data(), text.data(), text.size());
  return bytes;
}
