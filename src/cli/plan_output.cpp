#include "plan_output.hpp"

#include <algorithm>
#include <cstdlib>

#include "pare/image/layer_blob.hpp"
#include "pare/util/error.hpp"
#include "pare/util/format.hpp"
#include "terminal.hpp"

namespace pare::cli {

std::vector<std::string> argv_of(const std::string& flag, const std::string& text) {
  if (!text.starts_with('[')) return {text};
  try {
    return nlohmann::json::parse(text).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception&) {
    throw Error::usage(flag + " " + text + ": not a JSON array of strings");
  }
}

std::optional<std::int64_t> source_date_epoch() {
  const char* epoch = std::getenv("SOURCE_DATE_EPOCH");
  if (epoch == nullptr || *epoch == '\0') return std::nullopt;
  char* end = nullptr;
  const long long v = std::strtoll(epoch, &end, 10);
  if (end == nullptr || *end != '\0' || v < 0) {
    throw Error::usage("SOURCE_DATE_EPOCH=" + std::string(epoch) + ": not a number of seconds");
  }
  return v;
}

nlohmann::json plan_json(const std::string& source, const std::string& platform, const Plan& p) {
  using nlohmann::json;
  json entries = json::array();
  for (const auto& e : p.entries) {
    entries.push_back({{"path", e.path},
                       {"type", to_string(e.type)},
                       {"size", e.size},
                       {"mode", e.mode},
                       {"reason", e.reason}});
  }
  json folders = json::array();
  for (const auto& f : p.folders) {
    folders.push_back({{"folder", f.folder}, {"before", f.before}, {"after", f.after}});
  }
  json packages = json::array();
  for (const auto& k : p.packages.packages) {
    packages.push_back({{"name", k.name}, {"version", k.version}});
  }
  return {{"schemaVersion", 1},
          {"source", source},
          {"platform", platform},
          {"program", p.closure.program},
          {"class", to_string(p.closure.program_class)},
          {"before", p.before},
          {"after", p.after},
          {"entries", entries},
          {"folders", folders},
          {"packages", packages},
          {"droppedPackages", p.packages.dropped},
          {"setuidDropped", p.setuid_dropped},
          {"warnings", p.warnings}};
}

std::string plan_text(const std::string& platform, const Plan& p) {
  std::string out = "Plan for " + platform + ": " + p.closure.program + " (" +
                    std::string(to_string(p.closure.program_class)) + ")\n\n";
  for (const auto& e : p.entries) {
    std::string size =
        e.type == EntryType::kFile ? human_size(e.size) : std::string(to_string(e.type));
    out += std::string(std::max<std::size_t>(0, 9 - std::min<std::size_t>(9, size.size())), ' ') +
           size + "  " + e.path + (e.link_target.empty() ? "" : " -> " + e.link_target) + "  " +
           e.reason + "\n";
  }
  out += "\nFOLDER            BEFORE       AFTER\n";
  for (const auto& f : p.folders) {
    std::string name = f.folder;
    name.resize(std::max<std::size_t>(name.size(), 14), ' ');
    out += name + "  " + human_size(f.before) + "  ->  " + human_size(f.after) + "\n";
  }
  if (!p.setuid_dropped.empty()) {
    out += "\nsetuid/setgid bits dropped:";
    for (const auto& s : p.setuid_dropped) out += " " + s;
    out += "\n";
  }
  if (!p.packages.packages.empty()) {
    out += "\npackages still present (" + p.packages.format + "):";
    for (const auto& k : p.packages.packages) out += " " + k.name;
    out += "\n";
  }
  for (const auto& w : p.warnings) out += "warning: " + w + "\n";
  out += "\n" + human_size(p.before) + " -> " + human_size(p.after) + " of files, " +
         std::to_string(p.entries.size()) + " paths\n";
  return out;
}

void add_output_flags(CLI::App& command, OutputFlags& flags) {
  command.add_option("-o,--output", flags.output,
                     "the image tarball to write (OCI layout + manifest.json)");
  command.add_flag("--dry-run,--explain", flags.dry_run,
                   "print the plan: every path and why it is kept; write nothing");
  command.add_option("--format", flags.format, "text or json (with --dry-run)")
      ->check(CLI::IsMember({"text", "json"}));
  command.add_flag("-q,--quiet", flags.quiet, "print nothing but errors");
  command.add_flag("--no-ca-certs", flags.no_ca_certs, "do not keep the CA bundle");
  command.add_flag("--no-tzdata", flags.no_tzdata, "do not keep /usr/share/zoneinfo");
  command.add_option("--user", flags.user, "the User of the output config");
  command.add_option("--workdir", flags.workdir, "the WorkingDir of the output config");
  command.add_option("--entrypoint", flags.entrypoint, "the Entrypoint: a path or a JSON array");
  command.add_option("--cmd", flags.cmd, "the Cmd: a string or a JSON array");
  command.add_option("--env", flags.env, "KEY=VALUE to set in the output config");
  command.add_option("--tag", flags.tags, "NAME:TAG to name the output image");
  command.add_option("--compression", flags.compression, "gzip (default), zstd or none")
      ->check(CLI::IsMember({"gzip", "zstd", "none"}));
  command.add_option("--layers", flags.layers, "1, or 2: a base layer and an app layer")
      ->check(CLI::Range(1, 2));
  command
      .add_option("--preset", flags.preset,
                  "lambda: AWS Lambda's rules (one platform, gzip layers, absolute non-symlink "
                  "entrypoint, world-readable files, read-only root)")
      ->check(CLI::IsMember({"lambda"}));
}

void apply_output_flags(const OutputFlags& flags, SlimOptions& options) {
  SlimOptions& o = options;
  if (flags.no_ca_certs) o.ca_certs = false;
  if (flags.no_tzdata) o.tzdata = false;
  if (!flags.user.empty()) o.user = flags.user;
  if (!flags.workdir.empty()) o.workdir = flags.workdir;
  if (!flags.entrypoint.empty()) o.entrypoint = argv_of("--entrypoint", flags.entrypoint);
  if (!flags.cmd.empty()) o.cmd = argv_of("--cmd", flags.cmd);
  o.env.insert(o.env.end(), flags.env.begin(), flags.env.end());
  if (!flags.tags.empty()) o.tags = flags.tags;
  if (!flags.compression.empty()) {
    o.compression = parse_compression(flags.compression).value_or(Compression::kGzip);
  }
  if (flags.layers != 0) o.layers = flags.layers;
  if (flags.preset == "lambda") {
    if (o.compression != Compression::kGzip) {
      throw Error::usage("--preset lambda: rule lambda-gzip-layers: Lambda takes gzip layers only",
                         "drop --compression");
    }
    o.homes = false;  // 0700 folders Lambda's user cannot read, for a User Lambda ignores
  }
  if (o.layers != 1 && o.layers != 2) throw Error::usage("--layers must be 1 or 2");
  for (const auto& kv : o.env) {
    if (kv.find('=') == std::string::npos || kv.starts_with('=')) {
      throw Error::usage("--env " + kv + ": expected KEY=VALUE");
    }
  }
  o.source_date_epoch = source_date_epoch();
}

OutputImage output_image(const Platform& platform, const Plan& plan,
                         std::vector<LayerBlob> layers) {
  OutputImage out;
  out.platform = platform;
  Config config = plan.config;
  config.diff_ids.clear();
  for (const auto& l : layers) config.diff_ids.push_back(l.diff_id);
  out.layers = std::move(layers);
  const std::string bytes = nlohmann::json(config).dump();
  out.config.assign(reinterpret_cast<const std::byte*>(bytes.data()),
                    reinterpret_cast<const std::byte*>(bytes.data()) + bytes.size());
  return out;
}

LambdaFacts lambda_facts(const Plan& plan, const SlimOptions& options, std::size_t images) {
  LambdaFacts f;
  f.images = images;
  f.layer_media_types.assign(options.layers == 2 ? 2 : 1, layer_media_type(options.compression));
  f.config = plan.config;
  for (const auto& e : plan.entries) f.files.push_back({e.path, e.type, e.mode, e.size});
  std::sort(f.files.begin(), f.files.end(),
            [](const LambdaFile& a, const LambdaFile& b) { return a.path < b.path; });
  return f;
}

void require_lambda(const std::string& source, const std::vector<Problem>& problems) {
  if (problems.empty()) return;
  const Problem& p = problems.front();
  throw Error::bad_input(
      source,
      "preset lambda: rule " + p.check + ": " + p.where + ": " + p.message +
          (problems.size() > 1 ? " (and " + std::to_string(problems.size() - 1) + " more)" : ""),
      "pare verify --preset lambda OUT lists every rule an image breaks");
}

}  // namespace pare::cli
