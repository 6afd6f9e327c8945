#include "pare/analyze/report.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "pare/util/path.hpp"

namespace pare {

namespace {

constexpr std::string_view kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::string env_value(const std::vector<std::string>& env, std::string_view key) {
  for (const auto& kv : env) {
    if (kv.size() > key.size() && kv.starts_with(key) && kv[key.size()] == '=') {
      return kv.substr(key.size() + 1);
    }
  }
  return {};
}

std::string status_of(const Resolution& r) {
  if (r.node == nullptr) return std::string(to_string(r.error));
  if (r.node->type == EntryType::kDir) return "a directory";
  if (r.node->type != EntryType::kFile && r.node->type != EntryType::kHardlink) {
    return "not a regular file";
  }
  if ((r.node->mode & 0111U) == 0) return "not executable";
  return "present";
}

}  // namespace

EntrypointInfo find_entrypoint(const RunConfig& config, const Rootfs& rootfs) {
  EntrypointInfo info;
  info.argv = config.entrypoint;
  info.argv.insert(info.argv.end(), config.cmd.begin(), config.cmd.end());
  if (info.argv.empty() || info.argv.front().empty()) {
    info.status = "none";
    return info;
  }
  const std::string& program = info.argv.front();
  if (program.find('/') != std::string::npos) {
    const std::string full =
        program.starts_with('/') ? program : join_path(config.working_dir, program);
    const Resolution r = rootfs.resolve(full);
    info.path = "/" + clamp_path(full);
    info.status = status_of(r);
    return info;
  }
  std::string search = env_value(config.env, "PATH");
  if (search.empty()) search = kDefaultPath;
  info.status = "not found in PATH";
  std::size_t start = 0;
  while (start <= search.size()) {
    std::size_t colon = search.find(':', start);
    if (colon == std::string::npos) colon = search.size();
    const std::string dir = search.substr(start, colon - start);
    start = colon + 1;
    if (dir.empty()) continue;
    const std::string candidate = join_path(dir, program);
    const Resolution r = rootfs.resolve(candidate);
    if (r.node != nullptr && r.node->type != EntryType::kDir) {
      info.path = "/" + clamp_path(candidate);
      info.status = status_of(r);
      return info;
    }
  }
  return info;
}

AnalyzeReport make_report(const std::string& source, const Image& image, const ImageTree& tree) {
  AnalyzeReport r;
  r.source = source;
  r.format = std::string(to_string(image.format));
  r.names = image.names;
  r.platform = image.platform().str();
  if (image.manifest) r.manifest_digest = image.manifest->digest.str();
  r.config_digest = image.config_digest.str();
  const Config& c = image.config;
  r.created = c.created;
  r.entrypoint = c.config.entrypoint;
  r.cmd = c.config.cmd;
  r.user = c.config.user;
  r.working_dir = c.config.working_dir;
  r.env = c.config.env;
  r.program = find_entrypoint(c.config, tree.rootfs);

  std::vector<const HistoryEntry*> layer_history;
  for (const auto& h : c.history) {
    if (!h.empty_layer) layer_history.push_back(&h);
  }
  for (std::size_t i = 0; i < image.layers.size(); ++i) {
    const LayerResult& lr = tree.layers.at(i);
    LayerRow row;
    row.index = i;
    row.digest = lr.stats.digest.str();
    row.diff_id = image.layers[i].diff_id.str();
    row.media_type = image.layers[i].media_type;
    row.compression = std::string(to_string(lr.stats.compression));
    if (i < layer_history.size()) row.created_by = layer_history[i]->created_by;
    row.compressed_size = lr.stats.compressed_size;
    row.uncompressed_size = lr.stats.uncompressed_size;
    row.entries = lr.stats.entries;
    row.changes = lr.changes;
    r.compressed_size += row.compressed_size;
    r.uncompressed_size += row.uncompressed_size;
    r.layers.push_back(std::move(row));
  }
  tree.rootfs.walk([&](const std::string&, const Node& node) {
    ++r.files;
    if (node.type == EntryType::kFile) r.content_size += node.size;
  });
  return r;
}

nlohmann::json to_json_report(const AnalyzeReport& r) {
  using nlohmann::json;
  json layers = json::array();
  for (const auto& l : r.layers) {
    layers.push_back({{"index", l.index},
                      {"digest", l.digest},
                      {"diffId", l.diff_id},
                      {"mediaType", l.media_type},
                      {"compression", l.compression},
                      {"createdBy", l.created_by},
                      {"compressedSize", l.compressed_size},
                      {"uncompressedSize", l.uncompressed_size},
                      {"entries", l.entries},
                      {"filesAdded", l.changes.added},
                      {"filesChanged", l.changes.changed},
                      {"filesRemoved", l.changes.removed}});
  }
  return {{"schemaVersion", kAnalyzeSchemaVersion},
          {"source", r.source},
          {"format", r.format},
          {"names", r.names},
          {"platform", r.platform},
          {"manifestDigest", r.manifest_digest},
          {"configDigest", r.config_digest},
          {"created", r.created},
          {"config",
           {{"entrypoint", r.entrypoint},
            {"cmd", r.cmd},
            {"user", r.user},
            {"workingDir", r.working_dir},
            {"env", r.env}}},
          {"entrypoint",
           {{"argv", r.program.argv}, {"path", r.program.path}, {"status", r.program.status}}},
          {"layers", layers},
          {"totals",
           {{"layers", r.layers.size()},
            {"compressedSize", r.compressed_size},
            {"uncompressedSize", r.uncompressed_size},
            {"files", r.files},
            {"contentSize", r.content_size}}}};
}

std::string human_size(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB"};
  auto value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1000.0 && unit + 1 < std::size(kUnits)) {
    value /= 1000.0;
    ++unit;
  }
  char buf[32];
  if (unit == 0) {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(buf, sizeof buf, value < 10 ? "%.1f %s" : "%.0f %s", value, kUnits[unit]);
  }
  return buf;
}

}  // namespace pare
