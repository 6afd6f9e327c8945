#include "pare/slim/layer_builder.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include "pare/util/error.hpp"
#include "pare/util/path.hpp"

namespace pare {

namespace {

/// A source an origin names but the caller did not give: a plan and sources that disagree.
Error no_source(const PlanEntry& e, std::string_view what) {
  return {ExitCode::kBadInput,
          "a planned file has no bytes: " + e.path + " (" + std::string(what) + " not given)"};
}

}  // namespace

std::vector<LayerBlob> build_slim_layers(const Plan& plan, const PlanSources& sources,
                                         const SlimOptions& options) {
  // Pass 2: copy out what pass 1 did not capture, by offset, in each layer's order: a layer
  // nothing is kept of is not read again, a gzip one is inflated from the checkpoint before
  // each file.
  struct Wanted {
    std::uint64_t size = 0;
    std::optional<ContentRef> ref;
  };
  std::map<LayerBytes, Wanted> wanted;
  for (const auto& e : plan.entries) {
    if (e.type != EntryType::kFile || e.size == 0) continue;
    if (const auto* at = std::get_if<LayerBytes>(&e.origin)) wanted[*at].size = e.size;
  }
  if (!wanted.empty() && sources.layers == nullptr) {
    const auto first = std::find_if(plan.entries.begin(), plan.entries.end(), [](const auto& e) {
      return e.size != 0 && std::holds_alternative<LayerBytes>(e.origin);
    });
    throw no_source(*first, "the source layers");
  }
  ContentStore copied;
  for (auto& [at, file] : wanted) {
    const ContentRef ref = copied.reserve(file.size);
    file.ref = ref;
    std::uint64_t written = 0;
    copy_layer_bytes(*sources.layers, at, file.size, [&](std::span<const std::byte> bytes) {
      copied.write(ref, written, bytes);
      written += bytes.size();
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
    t.mtime = std::min(e.mtime, plan.epoch);
    t.xattrs = e.xattrs;
    t.dev_major = e.dev_major;
    t.dev_minor = e.dev_minor;
    return t;
  };
  std::map<std::string, const PlanEntry*> by_path;
  for (const auto& e : plan.entries) by_path[e.path.substr(1)] = &e;
  auto data = [&](const TarEntry& t) -> std::unique_ptr<ByteSource> {
    const PlanEntry& e = *by_path.at(t.path);
    if (const auto* stored = std::get_if<StoredBytes>(&e.origin)) {
      if (sources.store == nullptr) throw no_source(e, "the content store");
      return std::make_unique<MemorySource>(sources.store->read(stored->ref), e.path);
    }
    if (const auto* host = std::get_if<HostBytes>(&e.origin)) {
      if (sources.host_files == nullptr) throw no_source(e, "a host file reader");
      return sources.host_files->open(host->path);
    }
    if (const auto* at = std::get_if<LayerBytes>(&e.origin)) {
      if (e.size == 0) return std::make_unique<MemorySource>(std::vector<std::byte>(), e.path);
      return std::make_unique<MemorySource>(copied.read(*wanted.at(*at).ref), e.path);
    }
    const auto* p = reinterpret_cast<const std::byte*>(e.content.data());
    return std::make_unique<MemorySource>(std::vector<std::byte>(p, p + e.content.size()), e.path);
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
