// The ELF parser (parse_elf), which reads every program, library and plugin of an image, and
// the Go build info and dlopen note decoders it calls, also fed the input directly.

#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "pare/elf/elf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto bytes = pare::fuzz::bytes_of(data, size);
  const pare::ElfResult result = pare::parse_elf(bytes);
  if (result.info) {
    (void)pare::oci_architecture(*result.info);
    (void)pare::machine_name(result.info->machine);
  }
  // The blob decoder on its own, with the input as the memory its pointers (older Go) read.
  const auto read_memory = [&](std::uint64_t address, std::uint64_t count) {
    if (address >= bytes.size()) return std::span<const std::byte>{};
    return bytes.subspan(address, std::min<std::uint64_t>(count, bytes.size() - address));
  };
  (void)pare::decode_go_build_info(bytes, read_memory);
  const auto text = pare::fuzz::text_of(data, size);
  (void)pare::parse_go_modinfo(text);
  (void)pare::parse_dlopen_metadata(text);
  return 0;
}
