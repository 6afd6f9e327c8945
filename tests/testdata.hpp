#pragma once

#include <cstdlib>
#include <string>

/// The folder testdata/make-images.sh filled for this test run (CTest sets PARE_TESTDATA).
inline std::string testdata(const std::string& name) {
  const char* dir = std::getenv("PARE_TESTDATA");
  return std::string(dir != nullptr ? dir : "build/testdata") + "/" + name;
}
