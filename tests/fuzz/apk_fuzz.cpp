// apk's installed database as slim and the runtimes read it (package_metadata,
// read_package_database): the input is /lib/apk/db/installed, then NUL-separated
// "PATH\nCONTENT" files.

#include <cstddef>
#include <cstdint>

#include "packages_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pare::fuzz::read_packages(pare::fuzz::text_of(data, size), "lib/apk/db/installed");
  return 0;
}
