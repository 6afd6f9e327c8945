#include "pare/image/layer_files.hpp"

#include <algorithm>
#include <optional>

#include "pare/util/error.hpp"

namespace pare {

namespace {

/// Skipping ahead in an open stream beats resuming from a checkpoint when the gap is small.
constexpr std::uint64_t kSkipAhead = std::uint64_t{4} << 20U;

/// Counts the plain bytes it passes, so `seek` knows where the open stream is.
class Counted : public ByteSource {
 public:
  Counted(std::unique_ptr<ByteSource> plain, std::uint64_t at)
      : plain_(std::move(plain)), at_(at) {}
  std::size_t read(std::span<std::byte> buf) override {
    const std::size_t n = plain_->read(buf);
    at_ += n;
    return n;
  }
  std::uint64_t skip(std::uint64_t count) override {
    const std::uint64_t n = plain_->skip(count);
    at_ += n;
    return n;
  }
  std::string name() const override { return plain_->name(); }
  std::uint64_t at() const { return at_; }

 private:
  std::unique_ptr<ByteSource> plain_;
  std::uint64_t at_;
};

}  // namespace

struct LayerFiles::Layer {
  std::string path;  ///< in the bundle
  std::string name;  ///< for messages: "img.tar: layer 2 (sha256:..)"
  Compression compression = Compression::kNone;
  Checkpoints checkpoints;
  std::unique_ptr<Counted> open;  ///< the stream left open by the last read
  Stats stats;
};

LayerFiles::LayerFiles(const Bundle& bundle, const Image& image) : bundle_(bundle) {
  for (std::size_t i = 0; i < image.layers.size(); ++i) {
    const LayerRef& ref = image.layers[i];
    auto l = std::make_unique<Layer>();
    l->path = ref.path;
    l->name = bundle.describe() + ": layer " + std::to_string(i) + " (" +
              (ref.digest ? ref.digest->str() : ref.path) + ")";
    layers_.push_back(std::move(l));
  }
}

LayerFiles::~LayerFiles() = default;

Checkpoints& LayerFiles::checkpoints(std::size_t layer) {
  return layers_.at(layer)->checkpoints;
}

const Checkpoints& LayerFiles::checkpoints(std::size_t layer) const {
  return layers_.at(layer)->checkpoints;
}

void LayerFiles::set_compression(std::size_t layer, Compression compression) {
  layers_.at(layer)->compression = compression;
}

const std::string& LayerFiles::name(std::size_t layer) const {
  return layers_.at(layer)->name;
}

LayerFiles::Stats LayerFiles::stats(std::size_t layer) const {
  return layers_.at(layer)->stats;
}

ByteSource& LayerFiles::seek(Layer& l, std::uint64_t offset) const {
  if (l.open && l.open->at() <= offset && offset - l.open->at() <= kSkipAhead) {
    l.open->skip(offset - l.open->at());
    return *l.open;
  }
  l.open.reset();
  ++l.stats.opens;
  std::unique_ptr<ByteSource> plain;
  if (l.compression == Compression::kNone) {
    plain = bundle_.open_at(l.path, offset);
  } else {
    // A gzip layer ISA-L inflated, or a zstd layer of several frames, resumes at its last
    // checkpoint before the offset; any other (one frame, a header ISA-L refused, the offset
    // before the first checkpoint) is decompressed from the start.
    const std::uint64_t resumed = l.checkpoints.stats().resumes;
    plain = l.checkpoints.open_at(
        offset, [&](std::uint64_t at) { return bundle_.open_at(l.path, at); }, l.name);
    ++(l.checkpoints.stats().resumes > resumed ? l.stats.resumes : l.stats.from_start);
  }
  l.open = std::make_unique<Counted>(std::move(plain), offset);
  return *l.open;
}

void LayerFiles::copy(std::size_t layer, std::uint64_t offset, std::uint64_t size,
                      const std::function<void(std::span<const std::byte>)>& sink) const {
  Layer& l = *layers_.at(layer);
  try {
    ByteSource& source = seek(l, offset);
    std::vector<std::byte> chunk(std::size_t{64} << 10U);
    for (std::uint64_t done = 0; done < size;) {
      const auto want =
          static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), size - done));
      const std::size_t n = source.read(std::span(chunk).first(want));
      if (n == 0) {
        throw Error::bad_input(l.name, "ends inside the file at offset " + std::to_string(offset) +
                                           " that the first read found whole");
      }
      sink(std::span(chunk).first(n));
      done += n;
    }
  } catch (...) {
    l.open.reset();  // a stream that failed is not read again
    throw;
  }
}

}  // namespace pare
