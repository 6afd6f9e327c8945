#include "pare/image/layer_reader.hpp"

#include <atomic>

#include "pare/digest/sha256.hpp"
#include "pare/util/error.hpp"
#include "pare/util/read_ahead.hpp"

namespace pare {

namespace {

/// Remembers whether a read below it failed, so a fault of the stream (corrupt compression,
/// the limit) is told apart from one of the tar parser above it.
class WatchedSource : public ByteSource {
 public:
  explicit WatchedSource(ByteSource& inner) : inner_(inner) {}
  std::size_t read(std::span<std::byte> buf) override {
    try {
      return inner_.read(buf);
    } catch (const Error&) {
      failed_ = true;
      throw;
    }
  }
  std::string name() const override { return inner_.name(); }
  bool failed() const { return failed_; }

 private:
  ByteSource& inner_;
  bool failed_ = false;
};

/// Counts the bytes read through it on the worker, for the caller's progress.
class CountingSource : public ByteSource {
 public:
  explicit CountingSource(ByteSource& inner) : inner_(inner) {}
  std::size_t read(std::span<std::byte> buf) override {
    const std::size_t n = inner_.read(buf);
    count_.fetch_add(n, std::memory_order_relaxed);
    return n;
  }
  std::string name() const override { return inner_.name(); }
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  ByteSource& inner_;
  std::atomic<std::uint64_t> count_ = 0;
};

/// Counts the inflated bytes against the image's budget; throws bad input once it is passed.
class BudgetedSource : public ByteSource {
 public:
  BudgetedSource(ByteSource& inner, ImageBudget* budget) : inner_(inner), budget_(budget) {}
  std::size_t read(std::span<std::byte> buf) override {
    const std::size_t n = inner_.read(buf);
    if (budget_ != nullptr && !budget_->take(n)) {
      passed_ = true;
      throw Error::bad_input(inner_.name(), "the image's layers inflate past " +
                                                std::to_string(budget_->max_bytes()) +
                                                " bytes together (--max-image-bytes)");
    }
    return n;
  }
  std::string name() const override { return inner_.name(); }
  bool passed() const { return passed_; }

 private:
  ByteSource& inner_;
  ImageBudget* budget_;
  bool passed_ = false;
};

constexpr std::uint64_t kProgressStep = std::uint64_t{4} << 20U;

/// What makes `entry` pass a path limit, or "" when none does. The path is shown cut short.
std::string path_past_limits(const TarEntry& entry, const InputLimits& limits) {
  const auto shown = [](const std::string& path) {
    return "\"" + (path.size() > 60 ? path.substr(0, 60) + "..." : path) + "\"";
  };
  if (entry.path.size() > limits.max_path_bytes) {
    return "entry " + shown(entry.path) + " has a path of " + std::to_string(entry.path.size()) +
           " bytes, past the limit of " + std::to_string(limits.max_path_bytes) +
           " (--max-path-bytes)";
  }
  if (entry.link_target.size() > limits.max_path_bytes) {
    return "entry " + shown(entry.path) + " links to a path of " +
           std::to_string(entry.link_target.size()) + " bytes, past the limit of " +
           std::to_string(limits.max_path_bytes) + " (--max-path-bytes)";
  }
  std::uint64_t depth = 0;
  bool in_name = false;
  for (const char c : entry.path) {
    if (c != '/' && !in_name) ++depth;
    in_name = c != '/';
  }
  if (depth > limits.max_path_depth) {
    return "entry " + shown(entry.path) + " is " + std::to_string(depth) +
           " folders deep, past the limit of " + std::to_string(limits.max_path_depth) +
           " (--max-path-depth)";
  }
  return {};
}

/// "img.tar: blobs/sha256/ab..: cannot decompress: ..." -> "cannot decompress: ...": a
/// collected fault names its layer itself.
std::string without_prefix(std::string message, const std::string& name) {
  const std::string prefix = name + ": ";
  if (message.starts_with(prefix)) message.erase(0, prefix.size());
  return message;
}

}  // namespace

LayerScan stream_layer(ByteSource& stored, const InputLimits& limits, const LayerVisitor& visit,
                       bool collect, const LayerStreamHooks& hooks) {
  LayerScan scan;
  LayerStats& stats = scan.stats;
  const std::string name = stored.name();
  CountingSource counted(stored);
  ReadAheadSource read_ahead(counted);  // the file's reads (page cache copies) on their own
  HashingSource stored_hash(read_ahead);
  std::uint64_t reported = 0;
  const auto report = [&] {
    const std::uint64_t now = counted.count();
    if (hooks.on_progress && now - reported >= kProgressStep) {
      reported = now;
      hooks.on_progress(now);
    }
  };
  // Stages on their own threads, over bounded buffers: reading the stored bytes, hashing them,
  // inflating them, and (the caller's) hashing and parsing the tar. Inflating is the longest;
  // the others share the second core.
  ReadAheadSource stored_ahead(stored_hash);
  std::unique_ptr<ByteSource> plain;
  std::optional<ReadAheadSource> ahead;
  std::optional<LimitedSource> limited;
  std::optional<BudgetedSource> budgeted;
  std::optional<HashingSource> plain_hash;
  std::optional<WatchedSource> watched;
  // An uncompressed layer's diff_id is its digest: hashed once, by the stored hash.
  bool diff_id_is_digest = false;
  try {
    plain = open_decompressed(stored_ahead, &stats.compression, hooks.checkpoints);
    const bool compressed = stats.compression != Compression::kNone;
    ByteSource* inflated = plain.get();
    if (compressed) inflated = &ahead.emplace(*plain);
    limited.emplace(*inflated, limits.max_layer_bytes, "the uncompressed layer",
                    "--max-layer-bytes");
    ByteSource* tar_stream = &budgeted.emplace(*limited, hooks.image_budget);
    if (compressed) tar_stream = &plain_hash.emplace(*tar_stream);
    watched.emplace(*tar_stream);
    try {
      TarReader reader(*watched);
      TarEntry entry;
      while (reader.next(entry)) {
        if (++stats.entries > limits.max_entries) {
          const std::string what =
              "has more than " + std::to_string(limits.max_entries) + " entries (--max-entries)";
          if (!collect) throw Error::bad_input(name, what);
          scan.fault_check = "layer-limit";
          scan.fault = what;
          break;
        }
        if (const std::string what = path_past_limits(entry, limits); !what.empty()) {
          if (!collect) throw Error::bad_input(name, what);
          scan.fault_check = "layer-limit";
          scan.fault = what;
          break;
        }
        visit(entry, reader);
        report();
      }
    } catch (const Error& e) {
      if (!collect || watched->failed() || e.code() == ExitCode::kSystem) throw;
      // The stream inflates but holds no valid tar: its diff_id can still be computed.
      scan.fault_check = "layer-tar";
      scan.fault = "is not a valid tar: " + without_prefix(e.what(), name);
    }
    // Past the entry limit, the rest may be a bomb: no diff_id rather than inflating it.
    if (scan.fault_check != "layer-limit") {
      drain(*watched);
      if (compressed) {
        scan.diff_id = plain_hash->finish();
      } else {
        diff_id_is_digest = true;
      }
    }
    stats.uncompressed_size = limited->count();
  } catch (const Error& e) {
    if (!collect || e.code() == ExitCode::kSystem) throw;
    const bool over_layer_limit = limited && limited->count() > limits.max_layer_bytes;
    const bool over_image_limit = budgeted && budgeted->passed();
    scan.diff_id.reset();
    scan.fault_check = over_layer_limit || over_image_limit ? "layer-limit" : "diff-id";
    if (over_layer_limit) {
      scan.fault = "the layer inflates past " + std::to_string(limits.max_layer_bytes) +
                   " bytes (--max-layer-bytes)";
    } else if (over_image_limit) {
      scan.fault = without_prefix(e.what(), name);
    } else {
      scan.fault = "the layer cannot be read to its end: " + without_prefix(e.what(), name);
    }
  }
  ahead.reset();  // the workers are done with the stored bytes
  stored_ahead.stop();
  stats.digest = stored_hash.finish();
  stats.compressed_size = stored_hash.count();
  if (hooks.on_progress) hooks.on_progress(stats.compressed_size);
  if (diff_id_is_digest) scan.diff_id = stats.digest;
  return scan;
}

LayerStats read_layer(const Bundle& bundle, const Image& image, std::size_t index,
                      const InputLimits& limits, const LayerVisitor& visit,
                      const LayerStreamHooks& hooks) {
  const LayerRef& layer = image.layers.at(index);
  const std::string what = "layer " + std::to_string(index) + " (" +
                           (layer.digest ? layer.digest->str() : layer.path) + ")";
  NamedSource stored(bundle.open(layer.path), bundle.describe() + ": " + what);
  const auto mismatch = [&](const Digest& got) {
    return Error::bad_input(
        stored.name(), "digest mismatch: expected " + layer.digest->str() + ", got " + got.str());
  };
  LayerScan scan;
  try {
    scan = stream_layer(stored, limits, visit, /*collect=*/false, hooks);
  } catch (const Error& e) {
    if (e.code() != ExitCode::kBadInput || !layer.digest) throw;
    // A corrupt blob fails to inflate before its digest is known: when the stored bytes are
    // what is wrong, that is the error to give (a registry or a disk changed them).
    auto again = bundle.open(layer.path);
    HashingSource hash(*again);
    if (const Digest got = hash.finish(); got != *layer.digest) throw mismatch(got);
    throw;
  }
  const LayerStats& stats = scan.stats;
  if (layer.digest && stats.digest != *layer.digest) throw mismatch(stats.digest);
  if (*scan.diff_id != layer.diff_id) {
    throw Error::bad_input(
        stored.name(), "diff_id mismatch: the config says " + layer.diff_id.str() +
                           (layer.diff_id == stats.digest && stats.compression != Compression::kNone
                                ? " (the digest of the compressed blob)"
                                : "") +
                           ", the uncompressed layer hashes to " + scan.diff_id->str());
  }
  return stats;
}

}  // namespace pare
