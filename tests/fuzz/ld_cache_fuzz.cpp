// glibc's ld.so.cache reader (parse_ld_so_cache), which the resolver runs on the image's cache.

#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "pare/deps/ld_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  for (const auto& entry : pare::parse_ld_so_cache(pare::fuzz::bytes_of(data, size))) {
    (void)(entry.flags & pare::ld_cache_flags(62));
  }
  return 0;
}
