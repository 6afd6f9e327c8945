#include "pare/slim/layer_builder.hpp"

#include <map>
#include <set>

#include "pare/util/error.hpp"
#include "pare/util/path.hpp"

namespace pare {

namespace {

/// Where a file's bytes are in the source: the layer and tar path of the entry carrying them.
using DataKey = std::pair<int, std::string>;

DataKey data_key(const std::string& path, const Node& node) {
  if (node.type == EntryType::kHardlink) return {node.data_layer, node.data_path};
  return {node.layer, path.substr(1)};
}

bool captured_whole(const Node& node) {
  return node.content && node.content->size == node.size;
}

}  // namespace

std::vector<LayerBlob> build_slim_layers(const Bundle* bundle, const Image& image,
                                         const ImageTree& tree, const Plan& plan,
                                         const SlimOptions& options, const LayerLimits& limits) {
  // Pass 2: copy out what pass 1 did not capture, reading only the layers that hold it.
  std::map<DataKey, std::optional<ContentRef>> wanted;
  for (const auto& e : plan.entries) {
    if (e.node == nullptr || e.type != EntryType::kFile || e.size == 0) continue;
    if (!captured_whole(*e.node) && e.node->host_path.empty()) wanted[data_key(e.path, *e.node)];
  }
  ContentStore copied;
  std::set<int> layers;
  for (const auto& [key, ref] : wanted) layers.insert(key.first);
  if (!layers.empty() && bundle == nullptr) {
    throw Error(ExitCode::kBadInput,
                "a planned file has no bytes: " + wanted.begin()->first.second);
  }
  for (const int layer : layers) {
    read_layer(*bundle, image, static_cast<std::size_t>(layer), limits,
               [&](const TarEntry& entry, TarReader& reader) {
                 if (entry.type != EntryType::kFile) return;
                 const auto path = normalize_path(entry.path);
                 if (!path) return;
                 auto it = wanted.find({layer, *path});
                 if (it == wanted.end()) {
                   // The entry landed where the image resolves its folder: a symlinked
                   // parent ("lib/x" with lib -> usr/lib) is followed inside the root.
                   const Resolution parent = tree.rootfs.resolve(parent_path(*path));
                   if (parent.node == nullptr || parent.node->type != EntryType::kDir) return;
                   it = wanted.find({layer, join_path(parent.path, base_name(*path))});
                 }
                 if (it == wanted.end() || it->second) return;
                 const std::uint64_t begin = copied.begin();
                 std::vector<std::byte> chunk(std::size_t{64} << 10U);
                 for (std::size_t n; (n = reader.read_data(chunk)) != 0;) {
                   copied.append(std::span(chunk).first(n));
                 }
                 it->second = copied.finish(begin);
               });
  }

  auto to_entry = [&](const PlanEntry& e) {
    TarEntry t;
    t.path = e.path.substr(1);
    t.type = e.type;
    t.mode = e.mode;
    t.uid = e.uid;
    t.gid = e.gid;
    t.size = e.type == EntryType::kFile ? e.size : 0;
    t.link_target = e.link_target;
    t.mtime = plan.epoch;
    if (e.node != nullptr) {
      t.mtime = std::min(e.node->mtime, plan.epoch);
      t.xattrs = e.node->xattrs;
      t.dev_major = e.node->dev_major;
      t.dev_minor = e.node->dev_minor;
    }
    return t;
  };
  std::map<std::string, const PlanEntry*> by_path;
  for (const auto& e : plan.entries) by_path[e.path.substr(1)] = &e;
  auto data = [&](const TarEntry& t) -> std::unique_ptr<ByteSource> {
    const PlanEntry& e = *by_path.at(t.path);
    if (e.node == nullptr) {
      const auto* p = reinterpret_cast<const std::byte*>(e.content.data());
      return std::make_unique<MemorySource>(std::vector<std::byte>(p, p + e.content.size()),
                                            e.path);
    }
    if (!e.node->host_path.empty()) return std::make_unique<FileSource>(e.node->host_path);
    if (captured_whole(*e.node)) {
      return std::make_unique<MemorySource>(*tree.read(*e.node), e.path);
    }
    const auto& ref = wanted.at(data_key(e.path, *e.node));
    if (!ref) {
      throw Error::bad_input(bundle->describe(),
                             e.path + ": its bytes were not found in layer " +
                                 std::to_string(data_key(e.path, *e.node).first));
    }
    return std::make_unique<MemorySource>(copied.read(*ref), e.path);
  };

  std::vector<TarEntry> base;
  std::vector<TarEntry> app;
  for (const auto& e : plan.entries) {
    (options.layers == 2 && e.app ? app : base).push_back(to_entry(e));
  }
  std::vector<LayerBlob> blobs;
  blobs.push_back(build_layer(std::move(base), data, options.compression));
  if (options.layers == 2) blobs.push_back(build_layer(std::move(app), data, options.compression));
  return blobs;
}

}  // namespace pare
