#pragma once

#include <cstdlib>
#include <string>

/// The folder tests/elf/make-elf-fixtures.sh filled for this test run: elf-testdata in the
/// build folder (CTest sets PARE_BUILD_DIR).
inline std::string elf_testdata(const std::string& name) {
  const char* dir = std::getenv("PARE_BUILD_DIR");
  return std::string(dir != nullptr ? dir : "build") + "/elf-testdata/" + name;
}
