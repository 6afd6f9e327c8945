// The image model's JSON mapping (image/model.hpp) and the walk that reads it (load_images,
// list_platforms, and verify_structure's collecting walk). The input's first byte says which
// document the rest is, in an image whose other documents are sound and name it by its digest:
//   'i' index.json   'd' docker's manifest.json   'm' an image manifest
//   'c' an image config   'n' an index nested in index.json   (other bytes: taken modulo 5)
// The rest is also decoded as each model type directly, and a decoded value written back must
// read back the same ("a read-then-written value loses nothing").

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "fuzz_support.hpp"
#include "pare/image/image.hpp"
#include "pare/image/media_types.hpp"
#include "pare/image/model.hpp"
#include "pare/verify/structure.hpp"

namespace {

using nlohmann::json;

/// A sound empty layer (one 1024-byte tar end) and the config naming it.
json sound_config(const pare::Digest& diff_id) {
  return {{"architecture", "amd64"},
          {"os", "linux"},
          {"rootfs", {{"type", "layers"}, {"diff_ids", {diff_id.str()}}}},
          {"config", {{"Entrypoint", {"/bin/true"}}}}};
}

/// The image around the document `role` names.
pare::fuzz::MemoryBundle image_around(char role, std::span<const std::byte> document) {
  pare::fuzz::MemoryBundle b;
  const std::vector<std::byte> tar_end(1024);
  const json layer = b.add_blob(tar_end, pare::media_type::kOciLayer);
  const pare::Digest diff_id = pare::sha256_of(tar_end);
  b.add_json_file("oci-layout", json{{"imageLayoutVersion", "1.0.0"}});
  const auto index_of = [](const json& manifest) {
    return json{{"schemaVersion", 2},
                {"mediaType", pare::media_type::kOciIndex},
                {"manifests", {manifest}}};
  };
  const auto manifest_of = [&](const json& config) {
    return json{{"schemaVersion", 2},
                {"mediaType", pare::media_type::kOciManifest},
                {"config", config},
                {"layers", {layer}}};
  };
  switch (role) {
    case 'i':
      b.add_file("index.json", document);
      break;
    case 'd':
      b.files.clear();
      b.add_file("manifest.json", document);
      b.add_json_file("config.json", sound_config(diff_id));
      b.add_file("layer.tar", tar_end);
      break;
    case 'm':
      b.add_json_file("index.json", index_of(b.add_blob(document, pare::media_type::kOciManifest)));
      break;
    case 'c': {
      const json config = b.add_blob(document, pare::media_type::kOciConfig);
      const json manifest = b.add_json_blob(manifest_of(config), pare::media_type::kOciManifest);
      b.add_json_file("index.json", index_of(manifest));
      break;
    }
    default:
      b.add_json_file("index.json", index_of(b.add_blob(document, pare::media_type::kOciIndex)));
      break;
  }
  return b;
}

/// Decodes `j` as T, writes it back, and checks the written value reads back as itself.
template <typename T>
void round_trip(const json& j) {
  T value;
  try {
    value = j.get<T>();
  } catch (const json::exception&) {
    return;  // not a T: the readers turn this into their own error
  }
  const json written = value;
  const json again = written.get<T>();
  if (json(again) != written) throw std::logic_error("model: written value reads back changed");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static constexpr std::string_view kRoles = "idmcn";
  const char role = kRoles.find(static_cast<char>(data[0])) != std::string_view::npos
                        ? static_cast<char>(data[0])
                        : kRoles[data[0] % kRoles.size()];
  const auto document = pare::fuzz::bytes_of(data + 1, size - 1);

  const json j = json::parse(document.begin(), document.end(), nullptr, false);
  if (!j.is_discarded()) {
    round_trip<pare::Platform>(j);
    round_trip<pare::Descriptor>(j);
    round_trip<pare::Manifest>(j);
    round_trip<pare::Index>(j);
    round_trip<pare::HistoryEntry>(j);
    round_trip<pare::RunConfig>(j);
    round_trip<pare::Config>(j);
  }

  const pare::fuzz::MemoryBundle bundle = image_around(role, document);
  try {
    (void)pare::list_platforms(bundle, {});
  } catch (const pare::Error&) {
  }
  try {
    for (const auto& image : pare::load_images(bundle, {})) (void)image.platform().str();
  } catch (const pare::Error&) {
  }
  try {
    pare::ImageSelector selector;
    selector.platform = pare::Platform::parse("linux/amd64");
    (void)pare::load_image(bundle, selector);
  } catch (const pare::Error&) {
  }
  try {
    (void)pare::verify_structure(bundle, {});
  } catch (const pare::Error&) {
  }
  return 0;
}
