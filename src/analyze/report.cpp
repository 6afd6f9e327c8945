#include "pare/analyze/report.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "pare/util/path.hpp"

namespace pare {

AnalyzeReport make_report(const std::string& source, const Image& image, const ImageTree& tree,
                          Closure closure, const LayerAccounting& accounting, std::size_t top) {
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
  r.program = std::move(closure);

  const WasteReport waste = accounting.waste();
  r.wasted = waste.wasted_bytes;
  r.dive = accounting.dive();
  r.findings = find_findings(tree.rootfs, top);
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
    if (i < waste.layers.size()) row.waste = waste.layers[i];
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

namespace {

nlohmann::json closure_json(const Closure& c) {
  using nlohmann::json;
  json libraries = json::array();
  for (const auto& l : c.libraries) {
    libraries.push_back(
        {{"name", l.name}, {"path", l.path}, {"neededBy", l.needed_by}, {"via", l.via}});
  }
  json files = json::array();
  for (const auto& f : c.files) {
    files.push_back({{"path", f.path}, {"size", f.size}, {"reason", f.reason}, {"tree", f.tree}});
  }
  json go = nullptr;
  if (c.go) {
    go = {{"version", c.go->go_version},
          {"modulePath", c.go->module_path},
          {"cgoEnabled", c.go->cgo_enabled ? json(*c.go->cgo_enabled) : json(nullptr)}};
  }
  return {{"argv", c.argv},
          {"path", c.program},
          {"class", to_string(c.program_class)},
          {"detail", c.detail},
          {"interpreter", c.interpreter},
          {"scriptInterpreter", c.script_interpreter},
          {"libc", c.libc},
          {"machine", c.machine},
          {"go", go},
          {"libraries", libraries},
          {"files", files},
          {"size", c.size()},
          {"warnings", c.warnings},
          {"error", c.error}};
}

}  // namespace

nlohmann::json findings_json(const Findings& f) {
  using nlohmann::json;
  json categories = json::array();
  for (const auto& c : f.categories) {
    categories.push_back({{"category", c.category},
                          {"what", c.what},
                          {"bytes", c.bytes},
                          {"files", c.files},
                          {"paths", c.paths}});
  }
  auto sized = [](const std::vector<SizedPath>& list) {
    json out = json::array();
    for (const auto& s : list) out.push_back({{"path", s.path}, {"bytes", s.bytes}});
    return out;
  };
  json duplicates = json::array();
  for (const auto& d : f.duplicates) {
    duplicates.push_back({{"sha256", d.sha256},
                          {"size", d.size},
                          {"paths", d.paths},
                          {"wastedBytes", d.size * (d.paths.size() - 1)}});
  }
  return {{"shells", f.shells},
          {"packageManagers", f.package_managers},
          {"setuid", f.setuid_files},
          {"worldWritable", f.world_writable},
          {"categories", categories},
          {"largestFiles", sized(f.largest_files)},
          {"largestFolders", sized(f.largest_folders)},
          {"duplicates", duplicates}};
}

nlohmann::json gates_json(const std::vector<GateResult>& gates) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& g : gates) {
    out.push_back({{"name", g.name},
                   {"passed", g.passed},
                   {"actual", g.actual},
                   {"limit", g.limit},
                   {"message", g.message}});
  }
  return out;
}

GateInputs gate_inputs(const AnalyzeReport& r) {
  GateInputs in;
  in.size = r.uncompressed_size;
  in.layers = r.layers.size();
  in.efficiency = r.dive.efficiency;
  in.wasted = r.wasted;
  in.dive_wasted = r.dive.wasted_bytes;
  in.dive_user_wasted_percent = r.dive.user_wasted_percent;
  if (r.slim_size) in.removable = r.content_size - std::min(r.content_size, *r.slim_size);
  in.shells = r.findings.shells;
  in.package_managers = r.findings.package_managers;
  in.setuid_files = r.findings.setuid_files;
  in.user = r.user;
  return in;
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
                      {"filesRemoved", l.changes.removed},
                      {"bytesAdded", l.waste.bytes_added},
                      {"bytesOverwrittenLater", l.waste.bytes_overwritten_later}});
  }
  return {
      {"schemaVersion", kAnalyzeSchemaVersion},
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
      {"entrypoint", closure_json(r.program)},
      {"layers", layers},
      {"totals",
       {{"layers", r.layers.size()},
        {"compressedSize", r.compressed_size},
        {"uncompressedSize", r.uncompressed_size},
        {"files", r.files},
        {"contentSize", r.content_size},
        {"wastedBytes", r.wasted}}},
      {"dive",
       {{"efficiency", r.dive.efficiency},
        {"sizeBytes", r.dive.size_bytes},
        {"userSizeBytes", r.dive.user_size_bytes},
        {"wastedBytes", r.dive.wasted_bytes},
        {"userWastedPercent", r.dive.user_wasted_percent}}},
      {"findings", findings_json(r.findings)},
      {"slim",
       {{"size", r.slim_size ? json(*r.slim_size) : json(nullptr)},
        {"removable", r.slim_size ? json(r.content_size - std::min(r.content_size, *r.slim_size))
                                  : json(nullptr)},
        {"error", r.slim_error},
        {"blindSpots", r.slim_blind_spots}}},
      {"gates", gates_json(r.gates)}};
}

}  // namespace pare
