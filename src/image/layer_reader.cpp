#include "pare/image/layer_reader.hpp"

#include "pare/digest/sha256.hpp"
#include "pare/util/error.hpp"

namespace pare {

namespace {

/// Renames a stream in messages: "img.tar: layer 2 (sha256:ab..)".
class NamedSource : public ByteSource {
 public:
  NamedSource(std::unique_ptr<ByteSource> inner, std::string name)
      : inner_(std::move(inner)), name_(std::move(name)) {}
  std::size_t read(std::span<std::byte> buf) override { return inner_->read(buf); }
  std::string name() const override { return name_; }

 private:
  std::unique_ptr<ByteSource> inner_;
  std::string name_;
};

}  // namespace

LayerStats read_layer(const Bundle& bundle, const Image& image, std::size_t index,
                      const LayerLimits& limits,
                      const std::function<void(const TarEntry&, TarReader&)>& visit) {
  const LayerRef& layer = image.layers.at(index);
  const std::string what = "layer " + std::to_string(index) + " (" +
                           (layer.digest ? layer.digest->str() : layer.path) + ")";
  NamedSource stored(bundle.open(layer.path), bundle.describe() + ": " + what);
  HashingSource stored_hash(stored);
  LayerStats stats;
  auto plain = open_decompressed(stored_hash, &stats.compression);
  LimitedSource limited(*plain, limits.max_uncompressed_bytes, "the uncompressed layer");
  HashingSource plain_hash(limited);
  {
    TarReader reader(plain_hash);
    TarEntry entry;
    while (reader.next(entry)) {
      if (++stats.entries > limits.max_entries) {
        throw Error::bad_input(stored.name(),
                               "has more than " + std::to_string(limits.max_entries) + " entries");
      }
      visit(entry, reader);
    }
  }
  const Digest diff_id = plain_hash.finish();
  stats.uncompressed_size = plain_hash.count();
  stats.digest = stored_hash.finish();
  stats.compressed_size = stored_hash.count();
  if (layer.digest && stats.digest != *layer.digest) {
    throw Error::bad_input(stored.name(), "digest mismatch: expected " + layer.digest->str() +
                                              ", got " + stats.digest.str());
  }
  if (diff_id != layer.diff_id) {
    throw Error::bad_input(stored.name(),
                           "diff_id mismatch: the config says " + layer.diff_id.str() +
                               ", the uncompressed layer hashes to " + diff_id.str());
  }
  return stats;
}

}  // namespace pare
