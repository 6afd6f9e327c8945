// The outer archive reader: open_bundle on the input as a file (a tar, plain or gzip/zstd
// compressed, the kind told by its bytes), the format walk and the choice of an image
// (list_platforms, load_images, load_image with a platform and a name), and verify's
// structural checks, which stream the layers the archive holds.

#include <cstddef>
#include <cstdint>
#include <memory>

#include "fuzz_support.hpp"
#include "pare/image/bundle.hpp"
#include "pare/image/image.hpp"
#include "pare/verify/structure.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const pare::fuzz::MemoryFile file(pare::fuzz::bytes_of(data, size));
  std::unique_ptr<pare::Bundle> bundle;
  try {
    bundle = pare::open_bundle(file.path());
  } catch (const pare::Error&) {
    return 0;
  }
  try {
    (void)pare::list_platforms(*bundle, {});
  } catch (const pare::Error&) {
  }
  try {
    (void)pare::load_images(*bundle, {});
  } catch (const pare::Error&) {
  }
  try {
    pare::ImageSelector selector;
    selector.platform = pare::Platform::parse("linux/amd64");
    selector.name = "app:latest";
    (void)pare::load_image(*bundle, selector);
  } catch (const pare::Error&) {
  }
  try {
    pare::StructureOptions options;
    options.limits.max_layer_bytes = 64ULL << 20U;
    (void)pare::verify_structure(*bundle, options);
  } catch (const pare::Error&) {
  }
  return 0;
}
