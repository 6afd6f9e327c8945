// The layer pipeline: stream_layer (compression told by the magic, gzip and zstd inflated, the
// tar parsed with its PAX, GNU and sparse members, the limits counted), then build_tree, which
// streams the input as both layers of a two-layer image (read_layer: digests checked, files
// captured) and merges them (whiteouts and opaque folders of the upper acting on the lower),
// then reads files back by their offsets (gzip checkpoints, crc64 checks) and resolves paths.

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "pare/fs/image_tree.hpp"
#include "pare/image/layer_reader.hpp"

namespace {

/// Small enough that a bomb ends in a limit fault in well under the run's time limit.
pare::InputLimits fuzz_limits() {
  pare::InputLimits limits;
  limits.max_layer_bytes = 64ULL << 20U;
  limits.max_entries = 100'000;
  return limits;
}

/// Some files whole, some heads: both capture paths, and reads from the store and the layer.
pare::Capture capture(std::string_view path, std::span<const std::byte> head) {
  if (path.starts_with("etc/")) return pare::Capture::kWhole;
  if (!head.empty() && head[0] == std::byte{0x7f}) return pare::Capture::kHead;
  return pare::Capture::kNone;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto bytes = pare::fuzz::bytes_of(data, size);
  const pare::InputLimits limits = fuzz_limits();
  pare::MemorySource source({bytes.begin(), bytes.end()}, "layer");
  std::vector<std::byte> chunk(4096);
  const auto visit = [&](const pare::TarEntry&, pare::TarReader& reader) {
    while (reader.read_data(chunk) != 0) {
    }
  };
  pare::LayerScan scan;
  try {
    scan = pare::stream_layer(source, limits, visit, true);
  } catch (const pare::Error&) {
    return 0;
  }
  if (!scan.diff_id) return 0;  // build_tree would stop at the same fault

  pare::fuzz::MemoryBundle bundle;
  bundle.add_file("layer", bytes);
  pare::Image image;
  image.format = pare::ImageFormat::kDockerSave;
  for (int i = 0; i < 2; ++i) {
    pare::LayerRef layer;
    layer.path = "layer";
    layer.diff_id = *scan.diff_id;
    image.layers.push_back(layer);
  }
  pare::BuildTreeOptions options;
  options.limits = limits;
  options.capture = capture;
  options.find_duplicates = true;
  try {
    const pare::ImageTree tree = pare::build_tree(bundle, image, options);
    int reads = 0;
    tree.rootfs.walk([&](const std::string& path, const pare::Node& node) {
      (void)tree.rootfs.resolve(path);
      if (node.type == pare::EntryType::kFile && reads < 16) {
        ++reads;
        (void)tree.head(node);
        (void)tree.read(node);
      }
    });
  } catch (const pare::Error&) {
  }
  return 0;
}
