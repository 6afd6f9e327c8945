#include "pare/registry/push.hpp"

#include <nlohmann/json.hpp>

#include "pare/registry/client.hpp"
#include "pare/util/error.hpp"

namespace pare {

namespace {

constexpr std::uint64_t kMaxManifestBytes = 4U << 20U;  // what registries must accept

std::string path_of(const std::string& digest) {
  return "blobs/sha256/" + digest.substr(7);
}

nlohmann::json read_json(const Bundle& layout, const std::string& path, std::string* text) {
  auto source = layout.open(path);
  *text = to_string(read_all(*source, kMaxManifestBytes));
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    throw Error::bad_input(layout.describe(), path + " is not a JSON object");
  }
  return j;
}

struct Pusher {
  const Bundle& layout;
  RegistryClient& client;
  const Progress& progress;
  std::size_t blobs = 0;

  void blob(const nlohmann::json& descriptor) {
    const std::string digest = descriptor.at("digest").get<std::string>();
    const auto size = descriptor.at("size").get<std::uint64_t>();
    const std::string path = path_of(digest);
    progress("pushing blob " + std::to_string(++blobs) + " (" + digest.substr(7, 12) + ", " +
             std::to_string(size) + " bytes)");
    client.push_blob(digest, size, [&] { return layout.open(path); });
  }

  /// Pushes what the descriptor names and everything below it; a manifest or index under its
  /// digest unless `tag` is given.
  void push(const nlohmann::json& descriptor, const std::string& tag) {
    const std::string digest = descriptor.at("digest").get<std::string>();
    const std::string media_type = descriptor.at("mediaType").get<std::string>();
    std::string text;
    const auto doc = read_json(layout, path_of(digest), &text);
    if (doc.contains("manifests")) {
      for (const auto& child : doc.at("manifests")) push(child, {});
    } else {
      blob(doc.at("config"));
      for (const auto& layer : doc.at("layers")) blob(layer);
    }
    client.push_manifest(tag.empty() ? digest : tag, text, media_type);
  }
};

}  // namespace

std::string push_image(const Bundle& layout, const Reference& to, const RegistryOptions& options,
                       const std::string& mount_from, const Progress& progress) {
  std::string text;
  const auto index = read_json(layout, "index.json", &text);
  const auto manifests = index.find("manifests");
  if (manifests == index.end() || !manifests->is_array() || manifests->size() != 1) {
    throw Error::bad_input(layout.describe(), "index.json does not name one image to push");
  }
  const auto& root = manifests->front();
  try {
    std::string digest = root.at("digest").get<std::string>();
    if (!to.digest.empty() && to.digest != digest) {
      throw Error::usage(to.str() + ": the image to push is " + digest + ", not the digest named");
    }
    RegistryClient client(to, options, /*push=*/true, mount_from);
    Pusher pusher{layout, client, progress};
    pusher.push(root, to.digest.empty() ? to.tag : std::string());
    progress.done();
    return digest;
  } catch (const nlohmann::json::exception& e) {
    throw Error::bad_input(layout.describe(), std::string("a manifest to push: ") + e.what());
  }
}

}  // namespace pare
