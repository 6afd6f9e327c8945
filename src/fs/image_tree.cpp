#include "pare/fs/image_tree.hpp"

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

}  // namespace

std::optional<std::vector<std::byte>> ImageTree::read(const Node& node) const {
  if (node.captured) return content.read(*node.captured);
  if (const auto* stored = std::get_if<StoredBytes>(&node.origin)) return content.read(stored->ref);
  const auto* host = std::get_if<HostBytes>(&node.origin);
  if (host == nullptr) return std::nullopt;
  if (!host_files) {
    throw Error(ExitCode::kSystem, host->path + ": a host file, but the tree has no reader for it");
  }
  const auto source = host_files->open(host->path);
  return read_all(*source, node.size);  // more than was indexed: the file changed since
}

ImageTree build_tree(const Bundle& bundle, const Image& image, const BuildTreeOptions& options) {
  ImageTree tree;
  const CaptureRule& capture = options.capture;
  const bool hash_files = options.hash_files;
  std::vector<std::byte> chunk(std::size_t{64} << 10U);
  for (std::size_t i = 0; i < image.layers.size(); ++i) {
    if (options.on_layer) options.on_layer(i);
    std::vector<TarEntry> entries;
    std::vector<CapturedEntry> captured;  // the entries' bytes, joined to them once reported
    LayerResult result;
    const auto visit = [&](const TarEntry& e, TarReader& reader) {
      entries.push_back(e);
      CapturedEntry& c = captured.emplace_back();
      if ((!capture && !hash_files) || e.type != EntryType::kFile) return;
      const auto path = normalize_path(e.path);
      if (!path) return;  // apply_layer reports it
      const std::vector<std::byte> head = read_head(reader);
      const Capture what = capture ? capture(*path, head) : Capture::kNone;
      std::optional<Sha256> sha;
      if (hash_files) {
        sha.emplace();
        sha->update(head);
      }
      const std::uint64_t begin = tree.content.begin();
      if (what != Capture::kNone) tree.content.append(head);
      if (what == Capture::kWhole || sha) {
        for (std::size_t n; (n = reader.read_data(chunk)) != 0;) {
          if (what == Capture::kWhole) tree.content.append(std::span(chunk).first(n));
          if (sha) sha->update(std::span(chunk).first(n));
        }
      }
      if (what != Capture::kNone) c.captured = tree.content.finish(begin);
      if (sha) c.sha256 = sha->finish().hex();
    };
    result.stats = read_layer(bundle, image, i, options.limits, visit);
    if (options.on_entries) options.on_entries(i, entries);
    for (std::size_t k = 0; k < entries.size(); ++k) captured[k].entry = std::move(entries[k]);
    entries = {};
    const std::string what = bundle.describe() + ": layer " + std::to_string(i);
    result.changes = tree.rootfs.apply_layer(static_cast<int>(i), captured, what);
    tree.layers.push_back(result);
  }
  return tree;
}

}  // namespace pare
