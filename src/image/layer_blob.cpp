#include "pare/image/layer_blob.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include "pare/archive/compressor.hpp"
#include "pare/archive/tar_writer.hpp"
#include "pare/digest/sha256.hpp"
#include "pare/image/media_types.hpp"
#include "pare/util/error.hpp"
#include "pare/util/path.hpp"

namespace pare {

namespace {

/// What build_layer writes for one member, and whose bytes it carries.
struct Item {
  TarEntry entry;          ///< normalized, as it goes into the tar
  std::size_t source = 0;  ///< the caller's entry, for data() (the bytes for a file)
};

Error bad_entry(const std::string& path, const std::string& what) {
  return Error::bad_input("the new layer", "entry '" + path + "': " + what);
}

/// Sorts and checks the entries; drops entries for the root.
std::vector<Item> sorted_items(const std::vector<TarEntry>& entries) {
  std::vector<Item> items;
  items.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const TarEntry& e = entries[i];
    auto path = normalize_path(e.path);
    if (!path) throw bad_entry(e.path, "the path climbs out of the root");
    if (path->empty()) continue;
    Item item{e, i};
    item.entry.path = std::move(*path);
    if (e.type == EntryType::kHardlink) {
      auto target = normalize_path(e.link_target);
      if (!target || target->empty()) {
        throw bad_entry(e.path, "the hardlink target '" + e.link_target + "' is not a path");
      }
      item.entry.link_target = std::move(*target);
    }
    if (e.type != EntryType::kFile) item.entry.size = 0;
    items.push_back(std::move(item));
  }
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return path_order_less(a.entry.path, b.entry.path);
  });
  for (std::size_t i = 1; i < items.size(); ++i) {
    if (items[i].entry.path == items[i - 1].entry.path) {
      throw bad_entry(items[i].entry.path, "the path appears twice");
    }
  }
  return items;
}

/// Makes every hardlink point backwards: in each group of paths sharing a file, the first in
/// tar order becomes the regular file (the file's attributes and bytes) and the others link to
/// it.
void order_hardlinks(std::vector<Item>& items) {
  auto index_of = [&](const std::string& path) -> std::optional<std::size_t> {
    auto it = std::lower_bound(
        items.begin(), items.end(), path,
        [](const Item& item, const std::string& p) { return path_order_less(item.entry.path, p); });
    if (it == items.end() || it->entry.path != path) return std::nullopt;
    return static_cast<std::size_t>(it - items.begin());
  };
  // The regular file each hardlink ends at, following links to links.
  std::map<std::size_t, std::vector<std::size_t>> groups;  // file -> its links
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].entry.type != EntryType::kHardlink) continue;
    std::size_t at = i;
    for (std::size_t hops = 0; items[at].entry.type == EntryType::kHardlink; ++hops) {
      const auto next = index_of(items[at].entry.link_target);
      if (!next || hops > items.size()) {
        throw bad_entry(items[i].entry.path, "the hardlink target '" + items[at].entry.link_target +
                                                 "' is no file of this layer");
      }
      at = *next;
    }
    if (items[at].entry.type != EntryType::kFile) {
      throw bad_entry(items[i].entry.path,
                      "the hardlink target '" + items[at].entry.path + "' is not a regular file");
    }
    groups[at].push_back(i);
  }
  for (auto& [file, links] : groups) {
    const std::size_t leader = std::min(file, *std::min_element(links.begin(), links.end()));
    if (leader != file) {
      // The first path in order takes the file's attributes and bytes; the file becomes a link.
      Item moved = items[file];
      moved.entry.path = items[leader].entry.path;
      items[file].entry.type = EntryType::kHardlink;
      items[file].entry.size = 0;
      items[leader] = std::move(moved);
    }
    const std::string& target = items[leader].entry.path;
    for (const std::size_t i : links) {
      if (i != leader) items[i].entry.link_target = target;
    }
    if (leader != file) items[file].entry.link_target = target;
  }
}

}  // namespace

std::string layer_media_type(Compression compression) {
  switch (compression) {
    case Compression::kGzip:
      return std::string(media_type::kOciLayerGzip);
    case Compression::kZstd:
      return std::string(media_type::kOciLayerZstd);
    case Compression::kNone:
      break;
  }
  return std::string(media_type::kOciLayer);
}

bool path_order_less(std::string_view a, std::string_view b) {
  // '/' sorts before every other byte, which is byte order of the components.
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] == b[i]) continue;
    if (a[i] == '/') return true;
    if (b[i] == '/') return false;
    return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]);
  }
  return a.size() < b.size();
}

LayerBlob build_layer(std::vector<TarEntry> entries,
                      const std::function<std::unique_ptr<ByteSource>(const TarEntry&)>& data,
                      Compression compression) {
  std::vector<Item> items = sorted_items(entries);
  order_hardlinks(items);

  LayerBlob blob;
  blob.media_type = layer_media_type(compression);
  blob.file = std::make_shared<TempFile>(TempFile::create("pare-layer"));
  const std::string name = "the new layer";
  Sha256 stored_sha;
  Sha256 plain_sha;
  TempFile& file = *blob.file;
  const bool compressed = compression != Compression::kNone;
  Compressor compressor(
      compression,
      [&](std::span<const std::byte> bytes) {
        if (compressed) stored_sha.update(bytes);
        file.append(bytes);
        blob.size += bytes.size();
      },
      name);
  TarWriter writer(
      [&](std::span<const std::byte> bytes) {
        plain_sha.update(bytes);
        compressor.write(bytes);
      },
      name);
  for (const Item& item : items) {
    if (item.entry.type != EntryType::kFile) {
      writer.add(item.entry, nullptr);
      continue;
    }
    const TarEntry& given = entries[item.source];
    const std::unique_ptr<ByteSource> source = data(given);
    if (!source) throw bad_entry(given.path, "no data for a regular file");
    writer.add(item.entry, source.get());
  }
  writer.finish();
  compressor.finish();
  blob.diff_id = plain_sha.finish();
  blob.digest = compressed ? stored_sha.finish() : blob.diff_id;
  return blob;
}

}  // namespace pare
