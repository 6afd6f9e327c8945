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
  Counted(std::unique_ptr<ByteSource> stored, std::unique_ptr<ByteSource> plain, std::uint64_t at)
      : stored_(std::move(stored)), plain_(std::move(plain)), at_(at) {}
  std::size_t read(std::span<std::byte> buf) override {
    const std::size_t n = plain_->read(buf);
    at_ += n;
    return n;
  }
  std::string name() const override { return plain_->name(); }
  std::uint64_t at() const { return at_; }

 private:
  std::unique_ptr<ByteSource> stored_;  ///< what plain_ reads, when it is a separate stream
  std::unique_ptr<ByteSource> plain_;
  std::uint64_t at_;
};

}  // namespace

struct LayerFiles::Layer {
  std::string path;  ///< in the bundle
  std::string name;  ///< for messages: "img.tar: layer 2 (sha256:..)"
  Compression compression = Compression::kNone;
  GzipIndex checkpoints;
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

GzipIndex& LayerFiles::checkpoints(std::size_t layer) {
  return layers_.at(layer)->checkpoints;
}

const GzipIndex& LayerFiles::checkpoints(std::size_t layer) const {
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
    skip(*l.open, offset - l.open->at());
    return *l.open;
  }
  l.open.reset();
  ++l.stats.opens;
  if (l.compression == Compression::kNone) {
    l.open = std::make_unique<Counted>(nullptr, bundle_.open_at(l.path, offset), offset);
    return *l.open;
  }
  if (l.compression == Compression::kGzip && l.checkpoints.usable()) {
    const OpenStoredAt open_stored = [&](std::uint64_t at) { return bundle_.open_at(l.path, at); };
    auto plain = l.checkpoints.open_at(offset, open_stored, l.name);
    ++l.stats.resumes;
    l.open = std::make_unique<Counted>(nullptr, std::move(plain), offset);
    return *l.open;
  }
  // zstd, or a gzip stream ISA-L did not inflate: from the start.
  ++l.stats.from_start;
  auto stored = bundle_.open(l.path);
  Compression found = Compression::kNone;
  auto plain = open_decompressed(*stored, &found);
  l.open = std::make_unique<Counted>(std::move(stored), std::move(plain), 0);
  skip(*l.open, offset);
  if (l.open->at() != offset) {
    throw Error::bad_input(l.name, "ends before offset " + std::to_string(offset) +
                                       ", where the first read found a file");
  }
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

std::vector<std::byte> LayerFiles::read(std::size_t layer, std::uint64_t offset,
                                        std::uint64_t size) const {
  std::vector<std::byte> out;
  out.reserve(size);
  copy(layer, offset, size, [&](std::span<const std::byte> bytes) {
    out.insert(out.end(), bytes.begin(), bytes.end());
  });
  return out;
}

}  // namespace pare
