// /etc/ld.so.conf as ldconfig reads it (read_ld_so_conf: comments, include globs, hwcap), from an
// image tree of the input's files, and /etc/nsswitch.conf (parse_nsswitch). The input is
// /etc/ld.so.conf, then NUL-separated "PATH\nCONTENT" files (what its includes name).

#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "pare/deps/ld_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = pare::fuzz::text_of(data, size);
  const pare::ImageTree tree = pare::fuzz::tree_of(pare::fuzz::input_files(text, "etc/ld.so.conf"));
  try {
    (void)pare::read_ld_so_conf(tree);
  } catch (const pare::Error&) {
  }
  (void)pare::parse_nsswitch(text);
  return 0;
}
