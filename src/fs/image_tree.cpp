#include "pare/fs/image_tree.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <thread>
#include <tuple>

#include "pare/digest/crc64.hpp"
#include "pare/digest/sha1.hpp"
#include "pare/digest/sha256.hpp"
#include "pare/util/error.hpp"
#include "pare/util/path.hpp"

namespace pare {

namespace {

/// Reads up to kCaptureHeadBytes of the current member.
std::vector<std::byte> read_head(TarReader& reader) {
  std::vector<std::byte> head(kCaptureHeadBytes);
  std::size_t got = 0;
  while (got < head.size()) {
    const std::size_t n = reader.read_data(std::span(head).subspan(got));
    if (n == 0) break;
    got += n;
  }
  head.resize(got);
  return head;
}

constexpr std::size_t kRecentFiles = 8;
constexpr std::size_t kRecentBytes = std::size_t{8} << 20U;

std::vector<std::byte> first_bytes(std::vector<std::byte> bytes) {
  if (bytes.size() > kCaptureHeadBytes) bytes.resize(kCaptureHeadBytes);
  return bytes;
}

/// The SHA-256 of every file that has another of the same size and crc64: the few a report of
/// identical files must be sure of, read again in their layers' order.
void hash_duplicates(ImageTree& tree) {
  using Key = std::pair<std::uint64_t, std::uint64_t>;  // size, crc64
  std::map<Key, std::vector<Node*>> groups;
  tree.rootfs.update([&](const std::string&, Node& node) {
    const auto* at = std::get_if<LayerBytes>(&node.origin);
    if (node.size == 0 || at == nullptr) return;
    if (node.type == EntryType::kFile || node.type == EntryType::kHardlink) {
      groups[{node.size, at->crc64}].push_back(&node);
    }
  });
  // Each distinct file once (hardlinks share their bytes), in layer order.
  std::map<LayerBytes, std::vector<Node*>> wanted;
  for (auto& [key, nodes] : groups) {
    if (nodes.size() < 2) continue;
    for (Node* node : nodes) wanted[std::get<LayerBytes>(node->origin)].push_back(node);
  }
  for (auto& [at, nodes] : wanted) {
    Sha256 sha;
    copy_layer_bytes(*tree.layer_files, at, nodes.front()->size,
                     [&](std::span<const std::byte> bytes) { sha.update(bytes); });
    const std::string hex = sha.finish().hex();
    for (Node* node : nodes) node->sha256 = hex;
  }
}

}  // namespace

std::optional<std::vector<std::byte>> ImageTree::read(const Node& node) const {
  if (node.captured && node.captured->size == node.size) return content.read(*node.captured);
  if (const auto* stored = std::get_if<StoredBytes>(&node.origin)) return content.read(stored->ref);
  if (const auto* at = std::get_if<LayerBytes>(&node.origin)) {
    if (!layer_files) return std::nullopt;
    for (const Recent& r : recent_) {
      if (r.at == *at) return r.bytes;
    }
    std::vector<std::byte> bytes;
    bytes.reserve(node.size);
    copy_layer_bytes(*layer_files, *at, node.size, [&](std::span<const std::byte> piece) {
      bytes.insert(bytes.end(), piece.begin(), piece.end());
    });
    if (bytes.size() <= kRecentBytes) {
      if (recent_.size() == kRecentFiles) recent_.erase(recent_.begin());
      recent_.push_back({*at, bytes});
    }
    return bytes;
  }
  const auto* host = std::get_if<HostBytes>(&node.origin);
  if (host == nullptr) return std::nullopt;
  if (!host_files) {
    throw Error(ExitCode::kSystem, host->path + ": a host file, but the tree has no reader for it");
  }
  const auto source = host_files->open(host->path);
  return read_all(*source, node.size);  // more than was indexed: the file changed since
}

std::optional<std::vector<std::byte>> ImageTree::head(const Node& node) const {
  if (node.captured) {
    ContentRef ref = *node.captured;
    ref.size = std::min<std::uint64_t>(ref.size, kCaptureHeadBytes);
    return content.read(ref);
  }
  if (std::holds_alternative<LayerBytes>(node.origin)) return std::nullopt;
  auto bytes = read(node);
  if (!bytes) return std::nullopt;
  return first_bytes(std::move(*bytes));
}

void copy_layer_bytes(const LayerFiles& files, const LayerBytes& at, std::uint64_t size,
                      const std::function<void(std::span<const std::byte>)>& sink) {
  const auto layer = static_cast<std::size_t>(at.layer);
  Crc64 crc;
  files.copy(layer, at.offset, size, [&](std::span<const std::byte> bytes) {
    crc.update(bytes);
    sink(bytes);
  });
  if (crc.value() != at.crc64) {
    throw Error::bad_input(files.name(layer), at.path + " changed since the layer was first read");
  }
}

namespace {

/// One layer as its own thread read it, waiting to be merged in order.
struct ScannedLayer {
  LayerStats stats;
  std::vector<TarEntry> entries;
  std::vector<CapturedEntry> captured;  ///< the entries' bytes, joined to them once reported
};

/// Layers read at once: each already keeps two cores busy (read, hash, inflate, parse), but a
/// small layer, or a big one's merge into the tree, leaves one idle.
std::size_t layers_in_flight() {
  return std::clamp<std::size_t>(std::thread::hardware_concurrency(), 2, 4);
}

/// Reads layer `i` (read_layer), capturing as `options` asks into `content`; runs on its own
/// thread. `read` gets the stored bytes read so far, for the caller's progress; a set
/// `cancelled` ends the read at the next member.
ScannedLayer scan_layer(const Bundle& bundle, const Image& image, std::size_t i,
                        const BuildTreeOptions& options, Checkpoints& checkpoints,
                        ContentStore& content, ImageBudget& budget,
                        std::atomic<std::uint64_t>& read, const std::atomic<bool>& cancelled) {
  ScannedLayer layer;
  const CaptureRule& capture = options.capture;
  std::vector<std::byte> chunk(std::size_t{64} << 10U);
  const auto visit = [&](const TarEntry& e, TarReader& reader) {
    if (cancelled.load(std::memory_order_relaxed)) {
      throw Error(ExitCode::kSystem, "reading layer " + std::to_string(i) + " was cancelled");
    }
    layer.entries.push_back(e);
    CapturedEntry& c = layer.captured.emplace_back();
    if (e.type != EntryType::kFile) return;
    const auto path = normalize_path(e.path);
    if (!path) return;  // apply_layer reports it
    const std::uint64_t offset = reader.data_offset();
    const std::vector<std::byte> head = read_head(reader);
    Capture what = capture ? capture(*path, head) : Capture::kNone;
    if (reader.sparse()) what = Capture::kWhole;  // no offset to read it again at
    Crc64 crc;
    crc.update(head);
    std::optional<Sha256> sha256;
    std::optional<Sha1> sha1;
    if (options.hash_files) {
      sha256.emplace().update(head);
      sha1.emplace().update(head);
    }
    std::optional<ContentRef> kept;
    std::uint64_t written = 0;
    if (what != Capture::kNone) {
      kept = content.reserve(what == Capture::kWhole ? e.size : head.size());
      content.write(*kept, 0, head);
      written = head.size();
    }
    for (std::size_t n; (n = reader.read_data(chunk)) != 0;) {
      const auto bytes = std::span(chunk).first(n);
      if (what == Capture::kWhole) {
        content.write(*kept, written, bytes);
        written += n;
      }
      crc.update(bytes);
      if (sha256) {
        sha256->update(bytes);
        sha1->update(bytes);
      }
    }
    if (sha256) {
      c.sha256 = sha256->finish().hex();
      c.sha1 = sha1->finish_hex();
    }
    if (kept) {
      kept->size = written;
      c.captured = kept;
    }
    if (reader.sparse()) {
      c.origin = StoredBytes{*c.captured};
    } else {
      c.origin = LayerBytes{static_cast<int>(i), *path, offset, crc.value()};
    }
  };
  LayerStreamHooks hooks;
  hooks.checkpoints = &checkpoints;
  hooks.image_budget = &budget;
  hooks.on_progress = [&](std::uint64_t bytes) { read.store(bytes, std::memory_order_relaxed); };
  layer.stats = read_layer(bundle, image, i, options.limits, visit, hooks);
  return layer;
}

}  // namespace

ImageTree build_tree(const Bundle& bundle, const Image& image, const BuildTreeOptions& options) {
  ImageTree tree;
  tree.limits = options.limits;
  tree.rootfs.set_max_symlinks(options.limits.max_symlinks);
  ImageBudget budget(options.limits.max_image_bytes);
  auto layer_files = std::make_shared<LayerFiles>(bundle, image);
  const std::size_t count = image.layers.size();
  std::vector<std::atomic<std::uint64_t>> read(count);
  std::atomic<bool> cancelled = false;
  // Layers stream on their own threads, a few at once, and merge here in order, so the merge
  // of one (and the next's reading) overlaps the reading of those after it.
  std::vector<std::future<ScannedLayer>> scans(count);
  const auto start = [&](std::size_t i) {
    if (i >= count) return;
    scans[i] = std::async(std::launch::async, scan_layer, std::cref(bundle), std::cref(image), i,
                          std::cref(options), std::ref(layer_files->checkpoints(i)),
                          std::ref(tree.content), std::ref(budget), std::ref(read[i]),
                          std::cref(cancelled));
  };
  // On the way out by an error, the layers still streaming stop at their next member (the
  // futures' destructors wait for them).
  struct Cancel {
    std::atomic<bool>& flag;
    ~Cancel() { flag = true; }
  } cancel_on_exit{cancelled};
  const std::size_t in_flight = layers_in_flight();
  for (std::size_t i = 0; i < std::min(count, in_flight); ++i) start(i);
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint64_t total = bundle.size(image.layers[i].path).value_or(0);
    if (options.on_layer) options.on_layer(i, 0, total);
    while (scans[i].wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
      if (options.on_layer) options.on_layer(i, read[i].load(std::memory_order_relaxed), total);
    }
    ScannedLayer scanned = scans[i].get();
    start(i + in_flight);
    if (options.on_layer) options.on_layer(i, scanned.stats.compressed_size, total);
    layer_files->set_compression(i, scanned.stats.compression);
    if (options.on_entries) options.on_entries(i, scanned.entries);
    for (std::size_t k = 0; k < scanned.entries.size(); ++k) {
      scanned.captured[k].entry = std::move(scanned.entries[k]);
    }
    scanned.entries = {};
    LayerResult result;
    result.stats = scanned.stats;
    const std::string what = bundle.describe() + ": layer " + std::to_string(i);
    result.changes = tree.rootfs.apply_layer(static_cast<int>(i), scanned.captured, what);
    tree.layers.push_back(result);
  }
  tree.layer_files = layer_files;
  if (options.find_duplicates) hash_duplicates(tree);
  return tree;
}

}  // namespace pare
