#include "pare/fs/image_tree.hpp"

namespace pare {

ImageTree build_tree(const Bundle& bundle, const Image& image, const LayerLimits& limits,
                     const std::function<void(std::size_t)>& on_layer) {
  ImageTree tree;
  for (std::size_t i = 0; i < image.layers.size(); ++i) {
    if (on_layer) on_layer(i);
    std::vector<TarEntry> entries;
    LayerResult result;
    result.stats = read_layer(bundle, image, i, limits,
                              [&](const TarEntry& e, TarReader&) { entries.push_back(e); });
    const std::string what = bundle.describe() + ": layer " + std::to_string(i);
    result.changes = tree.rootfs.apply_layer(static_cast<int>(i), entries, what);
    tree.layers.push_back(result);
  }
  return tree;
}

}  // namespace pare
