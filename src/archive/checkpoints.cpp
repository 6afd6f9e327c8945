#include "pare/archive/checkpoints.hpp"

#include <algorithm>
#include <utility>

#include "gzip_inflater.hpp"
#include "pare/archive/compression.hpp"
#include "pare/util/error.hpp"
#include "zstd_inflater.hpp"

namespace pare {

namespace {

constexpr std::size_t kSkipChunk = std::size_t{256} << 10U;

/// Plain bytes inflated from a checkpoint, the ones before the wanted offset discarded; every
/// byte inflated is counted into the index's stats.
class ResumedSource : public ByteSource {
 public:
  ResumedSource(std::unique_ptr<NamedSource> stored, std::uint64_t skip, std::uint64_t offset,
                std::shared_ptr<Checkpoints::Stats> stats)
      : stored_(std::move(stored)), skip_(skip), offset_(offset), stats_(std::move(stats)) {}

  /// The inflater over stored(), set once (it reads the stored bytes this object owns).
  void set_plain(std::unique_ptr<ByteSource> plain) { plain_ = std::move(plain); }
  ByteSource& stored() { return *stored_; }

  std::size_t read(std::span<std::byte> buf) override {
    if (skip_ > 0) discard();
    const std::size_t n = plain_->read(buf);
    stats_->inflated += n;
    return n;
  }
  std::string name() const override { return stored_->name(); }

 private:
  void discard() {
    std::vector<std::byte> scratch(
        static_cast<std::size_t>(std::min<std::uint64_t>(skip_, kSkipChunk)));
    while (skip_ > 0) {
      const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(skip_, scratch.size()));
      const std::size_t n = plain_->read(std::span(scratch).first(want));
      if (n == 0) {
        throw Error::bad_input(
            name(),
            std::string("the plain stream ends before offset ").append(std::to_string(offset_)));
      }
      skip_ -= n;
      stats_->inflated += n;
    }
  }

  std::unique_ptr<NamedSource> stored_;  // before plain_: the inflater reads it
  std::unique_ptr<ByteSource> plain_;
  std::uint64_t skip_;
  std::uint64_t offset_;
  std::shared_ptr<Checkpoints::Stats> stats_;
};

}  // namespace

Checkpoints::Checkpoints(std::uint64_t spacing)
    : spacing_(std::max<std::uint64_t>(spacing, 1)), stats_(std::make_shared<Stats>()) {
  clear(Compression::kGzip);
}

std::vector<std::uint64_t> Checkpoints::plain_offsets() const {
  std::vector<std::uint64_t> offsets;
  offsets.reserve(points_.size());
  for (const Point& p : points_) offsets.push_back(p.plain);
  return offsets;
}

void Checkpoints::clear(Compression kind) {
  points_.assign(1, Point{});
  states_.reset();
  states_size_ = 0;
  kind_ = kind;
}

void Checkpoints::set_unusable() {
  clear(Compression::kNone);
}

void Checkpoints::add(std::uint64_t plain_offset, std::uint64_t stored_offset,
                      std::span<const std::byte> state) {
  if (state.empty()) {
    points_.push_back(Point{plain_offset, stored_offset, states_size_, 0});
    return;
  }
  if (!states_) states_ = std::make_unique<TempFile>(TempFile::create("pare-gzip-index"));
  states_->append(state);
  points_.push_back(Point{plain_offset, stored_offset, states_size_, state.size()});
  states_size_ += state.size();
}

std::vector<std::byte> Checkpoints::read_state(const Point& point) const {
  return states_->read_at(point.state_at, point.state_size);
}

std::unique_ptr<ByteSource> Checkpoints::open_at(std::uint64_t plain_offset,
                                                 const OpenStoredAt& open_stored,
                                                 const std::string& name) const {
  // The last checkpoint at or before the offset (the first is at 0, so there is one).
  const auto after =
      std::upper_bound(points_.begin(), points_.end(), plain_offset,
                       [](std::uint64_t offset, const Point& p) { return offset < p.plain; });
  const Point& from = *std::prev(after);
  if (from.plain > 0) {
    ++stats_->resumes;
  } else {
    ++stats_->from_start;
  }
  auto source =
      std::make_unique<ResumedSource>(std::make_unique<NamedSource>(open_stored(from.stored), name),
                                      plain_offset - from.plain, plain_offset, stats_);
  if (!usable()) {
    // No decoder recorded it: whatever the first pass used (zlib, none) reads it again.
    source->set_plain(open_decompressed(source->stored(), nullptr));
  } else if (kind_ == Compression::kZstd) {
    source->set_plain(open_zstd_resumed(source->stored()));
  } else if (from.state_size == 0) {
    source->set_plain(open_gzip_resumed({}, source->stored()));
  } else {
    // The inflater copies the state, so it need not outlive this call.
    const std::vector<std::byte> state = read_state(from);
    source->set_plain(open_gzip_resumed(state, source->stored()));
  }
  return source;
}

}  // namespace pare
