#include "pare/registry/registry_bundle.hpp"

#include <sys/stat.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "pare/registry/client.hpp"
#include "pare/util/error.hpp"
#include "pare/util/file.hpp"

namespace pare {

namespace {

constexpr std::string_view kBlobs = "blobs/sha256/";
constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";

bool is_index(const std::string& media_type) {
  return media_type == kOciIndex ||
         media_type == "application/vnd.docker.distribution.manifest.list.v2+json";
}

/// Passes a blob's bytes through and keeps a copy; the copy is handed to `done` only when the
/// stream was read to its end.
class CachingSource : public ByteSource {
 public:
  CachingSource(std::unique_ptr<ByteSource> inner, std::function<void(TempFile)> done)
      : inner_(std::move(inner)), copy_(TempFile::create("pare-blob")), done_(std::move(done)) {}
  std::size_t read(std::span<std::byte> buf) override {
    const std::size_t n = inner_->read(buf);
    if (n > 0) {
      copy_->append(std::span<const std::byte>(buf.first(n)));
    } else if (copy_) {
      done_(std::move(*copy_));
      copy_.reset();
    }
    return n;
  }
  std::string name() const override { return inner_->name(); }

 private:
  std::unique_ptr<ByteSource> inner_;
  std::optional<TempFile> copy_;
  std::function<void(TempFile)> done_;
};

class RegistryBundle : public Bundle {
 public:
  RegistryBundle(const Reference& ref, const RegistryOptions& options, const InputLimits& limits)
      : client_(ref, options), limits_(limits), display_(ref.str()) {
    const ServedManifest top = client_.manifest(ref.manifest_ref(), limits.max_json_bytes);
    remember(top);
    nlohmann::json descriptor = {
        {"mediaType", top.media_type}, {"digest", top.digest}, {"size", top.bytes.size()}};
    if (!ref.tag.empty()) {
      descriptor["annotations"] = {{"org.opencontainers.image.ref.name", ref.tag},
                                   {"io.containerd.image.name", ref.name()}};
    }
    index_ = nlohmann::json({{"schemaVersion", 2},
                             {"mediaType", kOciIndex},
                             {"manifests", nlohmann::json::array({descriptor})}})
                 .dump();
  }

  BundleKind kind() const override { return BundleKind::kRegistry; }
  const std::string& describe() const override { return display_; }

  std::optional<std::uint64_t> size(const std::string& path) const override {
    if (path == "oci-layout") return kLayout.size();
    if (path == "index.json") return index_.size();
    const auto digest = digest_of(path);
    if (!digest) return std::nullopt;
    if (const auto m = manifest(*digest)) return m->size();
    const std::lock_guard lock(mutex_);
    if (const auto it = cached_.find(*digest); it != cached_.end()) return it->second.second;
    if (const auto it = sizes_.find(*digest); it != sizes_.end()) return it->second;
    const auto size = client_.blob_size(*digest);
    sizes_[*digest] = size;
    return size;
  }

  std::unique_ptr<ByteSource> open(const std::string& path) const override {
    if (path == "oci-layout") return text(std::string(kLayout), path);
    if (path == "index.json") return text(index_, path);
    const auto digest = digest_of(path);
    if (!digest) throw Error::bad_input(display_, "has no file " + path);
    if (const auto m = manifest(*digest)) return text(*m, path);
    if (auto cached = open_cached(*digest, 0)) return cached;
    return std::make_unique<CachingSource>(client_.blob(*digest), [this, d = *digest](TempFile f) {
      const std::lock_guard lock(mutex_);
      struct stat st {};
      ::fstat(f.fd(), &st);
      const auto bytes = static_cast<std::uint64_t>(st.st_size);
      cached_.emplace(d, std::make_pair(std::make_shared<TempFile>(std::move(f)), bytes));
    });
  }

  std::unique_ptr<ByteSource> open_at(const std::string& path,
                                      std::uint64_t offset) const override {
    const auto digest = digest_of(path);
    if (!digest || manifest(*digest)) return Bundle::open_at(path, offset);
    if (auto cached = open_cached(*digest, offset)) return cached;
    return client_.blob(*digest, offset);
  }

 private:
  static constexpr std::string_view kLayout = R"({"imageLayoutVersion":"1.0.0"})";

  static std::optional<std::string> digest_of(const std::string& path) {
    if (path.rfind(kBlobs, 0) != 0) return std::nullopt;
    return "sha256:" + path.substr(kBlobs.size());
  }

  static std::unique_ptr<ByteSource> text(const std::string& s, const std::string& path) {
    const auto bytes = std::as_bytes(std::span(s));
    return std::make_unique<MemorySource>(std::vector<std::byte>(bytes.begin(), bytes.end()), path);
  }

  /// An index's children are manifests: fetched from /manifests/, not /blobs/.
  void remember(const ServedManifest& m) const {
    if (is_index(m.media_type)) {
      const auto j = nlohmann::json::parse(m.bytes, nullptr, false);
      if (j.is_object() && j.contains("manifests") && j["manifests"].is_array()) {
        for (const auto& d : j["manifests"]) {
          if (d.is_object() && d.contains("digest") && d["digest"].is_string()) {
            manifest_digests_.insert(d["digest"].get<std::string>());
          }
        }
      }
    }
    manifests_[m.digest] = m.bytes;
  }

  /// The manifest of that digest when it is one (fetched the first time), else nullopt.
  std::optional<std::string> manifest(const std::string& digest) const {
    const std::lock_guard lock(mutex_);
    if (const auto it = manifests_.find(digest); it != manifests_.end()) return it->second;
    if (!manifest_digests_.contains(digest)) return std::nullopt;
    const ServedManifest m = client_.manifest(digest, limits_.max_json_bytes);
    remember(m);
    return m.bytes;
  }

  std::unique_ptr<ByteSource> open_cached(const std::string& digest, std::uint64_t offset) const {
    const std::lock_guard lock(mutex_);
    const auto it = cached_.find(digest);
    if (it == cached_.end()) return nullptr;
    auto fd = std::make_shared<const UniqueFd>(open_read(it->second.first->path()));
    const std::uint64_t size = it->second.second;
    const std::uint64_t skip = std::min(offset, size);
    return std::make_unique<FileRangeSource>(fd, skip, size - skip, display_ + ": blob " + digest);
  }

  mutable RegistryClient client_;
  InputLimits limits_;
  std::string display_;
  std::string index_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::string> manifests_;
  mutable std::set<std::string> manifest_digests_;
  mutable std::map<std::string, std::optional<std::uint64_t>> sizes_;
  mutable std::map<std::string, std::pair<std::shared_ptr<TempFile>, std::uint64_t>> cached_;
};

}  // namespace

std::unique_ptr<Bundle> open_registry(const Reference& ref, const RegistryOptions& options,
                                      const InputLimits& limits) {
  return std::make_unique<RegistryBundle>(ref, options, limits);
}

std::unique_ptr<Bundle> open_image(const std::string& name, const RegistryOptions& options,
                                   const InputLimits& limits) {
  if (Reference::is_reference(name)) return open_registry(Reference::parse(name), options, limits);
  return open_bundle(name, limits);
}

}  // namespace pare
