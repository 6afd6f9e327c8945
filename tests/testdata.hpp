#pragma once

#include <cstdlib>
#include <string>

/// The folder testdata/make-images.sh filled for this test run: testdata in the build folder
/// (CTest sets PARE_BUILD_DIR).
inline std::string testdata(const std::string& name) {
  const char* dir = std::getenv("PARE_BUILD_DIR");
  return std::string(dir != nullptr ? dir : "build") + "/testdata/" + name;
}
