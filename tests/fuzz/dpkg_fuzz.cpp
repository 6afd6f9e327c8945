// dpkg's databases as slim and the runtimes read them (package_metadata,
// read_package_database): the input is /var/lib/dpkg/status, then NUL-separated
// "PATH\nCONTENT" files (var/lib/dpkg/info/<pkg>.list and .md5sums, var/lib/dpkg/status.d/*).

#include <cstddef>
#include <cstdint>

#include "packages_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pare::fuzz::read_packages(pare::fuzz::text_of(data, size), "var/lib/dpkg/status");
  return 0;
}
