#pragma once

#include <cstdlib>
#include <string>

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
