#include "pare/fs/image_tree.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "pare/digest/crc64.hpp"
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

ImageTree build_tree(const Bundle& bundle, const Image& image, const BuildTreeOptions& options) {
  ImageTree tree;
  auto layer_files = std::make_shared<LayerFiles>(bundle, image);
  const CaptureRule& capture = options.capture;
  std::vector<std::byte> chunk(std::size_t{64} << 10U);
  for (std::size_t i = 0; i < image.layers.size(); ++i) {
    const std::uint64_t total = bundle.size(image.layers[i].path).value_or(0);
    LayerStreamHooks hooks;
    hooks.checkpoints = &layer_files->checkpoints(i);
    if (options.on_layer) {
      options.on_layer(i, 0, total);
      hooks.on_progress = [&](std::uint64_t read) { options.on_layer(i, read, total); };
    }
    std::vector<TarEntry> entries;
    std::vector<CapturedEntry> captured;  // the entries' bytes, joined to them once reported
    LayerResult result;
    const auto visit = [&](const TarEntry& e, TarReader& reader) {
      entries.push_back(e);
      CapturedEntry& c = captured.emplace_back();
      if (e.type != EntryType::kFile) return;
      const auto path = normalize_path(e.path);
      if (!path) return;  // apply_layer reports it
      const std::uint64_t offset = reader.data_offset();
      const std::vector<std::byte> head = read_head(reader);
      Capture what = capture ? capture(*path, head) : Capture::kNone;
      if (reader.sparse()) what = Capture::kWhole;  // no offset to read it again at
      Crc64 crc;
      crc.update(head);
      const std::uint64_t begin = tree.content.begin();
      if (what != Capture::kNone) tree.content.append(head);
      for (std::size_t n; (n = reader.read_data(chunk)) != 0;) {
        if (what == Capture::kWhole) tree.content.append(std::span(chunk).first(n));
        crc.update(std::span(chunk).first(n));
      }
      if (what != Capture::kNone) c.captured = tree.content.finish(begin);
      if (reader.sparse()) {
        c.origin = StoredBytes{*c.captured};
      } else {
        c.origin = LayerBytes{static_cast<int>(i), *path, offset, crc.value()};
      }
    };
    result.stats = read_layer(bundle, image, i, options.limits, visit, hooks);
    layer_files->set_compression(i, result.stats.compression);
    if (options.on_entries) options.on_entries(i, entries);
    for (std::size_t k = 0; k < entries.size(); ++k) captured[k].entry = std::move(entries[k]);
    entries = {};
    const std::string what = bundle.describe() + ": layer " + std::to_string(i);
    result.changes = tree.rootfs.apply_layer(static_cast<int>(i), captured, what);
    tree.layers.push_back(result);
  }
  tree.layer_files = layer_files;
  if (options.find_duplicates) hash_duplicates(tree);
  return tree;
}

}  // namespace pare
