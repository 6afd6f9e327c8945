#include "pare/fs/image_tree.hpp"

#include "pare/digest/sha256.hpp"
#include "pare/util/file.hpp"
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
  if (node.content) return content.read(*node.content);
  if (node.host_path.empty()) return std::nullopt;
  FileSource source(node.host_path);
  return read_all(source, node.size);  // more than was indexed: the file changed since
}

ImageTree build_tree(
    const Bundle& bundle, const Image& image, const LayerLimits& limits, const CaptureRule& capture,
    const std::function<void(std::size_t)>& on_layer,
    const std::function<void(std::size_t, const std::vector<TarEntry>&)>& on_entries,
    bool hash_files) {
  ImageTree tree;
  std::vector<std::byte> chunk(std::size_t{64} << 10U);
  for (std::size_t i = 0; i < image.layers.size(); ++i) {
    if (on_layer) on_layer(i);
    std::vector<TarEntry> entries;
    std::vector<std::optional<ContentRef>> contents;
    std::vector<std::string> hashes;
    LayerResult result;
    result.stats = read_layer(bundle, image, i, limits, [&](const TarEntry& e, TarReader& reader) {
      entries.push_back(e);
      contents.emplace_back();
      hashes.emplace_back();
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
      if (what != Capture::kNone) contents.back() = tree.content.finish(begin);
      if (sha) hashes.back() = sha->finish().hex();
    });
    if (on_entries) on_entries(i, entries);
    const std::string what = bundle.describe() + ": layer " + std::to_string(i);
    result.changes = tree.rootfs.apply_layer(static_cast<int>(i), entries, what, contents, hashes);
    tree.layers.push_back(result);
  }
  return tree;
}

}  // namespace pare
