#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "image_options.hpp"
#include "pare/analyze/report.hpp"
#include "pare/image/image_writer.hpp"
#include "pare/slim/layer_builder.hpp"
#include "pare/slim/plan.hpp"
#include "pare/util/error.hpp"
#include "plan_output.hpp"
#include "terminal.hpp"

namespace pare::cli {

namespace {

struct SlimCommandOptions {
  ImageOptions image;
  std::string output;
  bool dry_run = false;
  std::string format = "text";
  bool quiet = false;
  std::string config_file;
  // Rules and overrides as given on the command line; merged over the config file's.
  std::vector<std::string> keep;
  std::vector<std::string> drop;
  bool no_ca_certs = false;
  bool no_tzdata = false;
  bool no_package_metadata = false;
  std::string user;
  std::string workdir;
  std::string entrypoint;
  std::string cmd;
  std::vector<std::string> env;
  std::vector<std::string> tags;
  std::string compression;
  int layers = 0;
  std::string preset;
};

/// The rules of .pare.json (in the working folder) or --config FILE, under "slim".
SlimOptions read_config_file(const std::string& given) {
  SlimOptions o;
  std::string path = given;
  if (path.empty()) {
    if (!std::filesystem::exists(".pare.json")) return o;
    path = ".pare.json";
  }
  std::ifstream in(path);
  if (!in) throw Error::system(path, "cannot read the config file");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
    const auto& s = j.contains("slim") ? j.at("slim") : nlohmann::json::object();
    o.keep = s.value("keep", std::vector<std::string>{});
    o.drop = s.value("drop", std::vector<std::string>{});
    o.ca_certs = s.value("caCerts", true);
    o.tzdata = s.value("tzdata", true);
    o.package_metadata = s.value("packageMetadata", true);
    if (s.contains("user")) o.user = s.at("user").get<std::string>();
    if (s.contains("workdir")) o.workdir = s.at("workdir").get<std::string>();
    if (s.contains("entrypoint")) o.entrypoint = s.at("entrypoint").get<std::vector<std::string>>();
    if (s.contains("cmd")) o.cmd = s.at("cmd").get<std::vector<std::string>>();
    o.env = s.value("env", std::vector<std::string>{});
    o.tags = s.value("tags", std::vector<std::string>{});
    const std::string c = s.value("compression", "gzip");
    o.compression = c == "zstd"   ? Compression::kZstd
                    : c == "none" ? Compression::kNone
                                  : Compression::kGzip;
    o.layers = s.value("layers", 1);
  } catch (const nlohmann::json::exception& e) {
    throw Error::usage(path + ": not a valid pare config: " + std::string(e.what()));
  }
  return o;
}

SlimOptions merge(const SlimCommandOptions& cli) {
  SlimOptions o = read_config_file(cli.config_file);
  o.keep.insert(o.keep.end(), cli.keep.begin(), cli.keep.end());
  o.drop.insert(o.drop.end(), cli.drop.begin(), cli.drop.end());
  if (cli.no_ca_certs) o.ca_certs = false;
  if (cli.no_tzdata) o.tzdata = false;
  if (cli.no_package_metadata) o.package_metadata = false;
  if (!cli.user.empty()) o.user = cli.user;
  if (!cli.workdir.empty()) o.workdir = cli.workdir;
  if (!cli.entrypoint.empty()) o.entrypoint = argv_of("--entrypoint", cli.entrypoint);
  if (!cli.cmd.empty()) o.cmd = argv_of("--cmd", cli.cmd);
  o.env.insert(o.env.end(), cli.env.begin(), cli.env.end());
  if (!cli.tags.empty()) o.tags = cli.tags;
  if (!cli.compression.empty()) {
    o.compression = cli.compression == "zstd"   ? Compression::kZstd
                    : cli.compression == "none" ? Compression::kNone
                                                : Compression::kGzip;
  }
  if (cli.layers != 0) o.layers = cli.layers;
  if (cli.preset == "lambda") {
    if (o.compression != Compression::kGzip) {
      throw Error::usage("--preset lambda: rule lambda-gzip-layers: Lambda takes gzip layers only",
                         "drop --compression");
    }
    o.homes = false;
  }
  if (o.layers != 1 && o.layers != 2) throw Error::usage("--layers must be 1 or 2");
  for (const auto& kv : o.env) {
    if (kv.find('=') == std::string::npos || kv.starts_with('=')) {
      throw Error::usage("--env " + kv + ": expected KEY=VALUE");
    }
  }
  o.source_date_epoch = source_date_epoch();
  return o;
}

int run_slim(const SlimCommandOptions& options) {
  const Terminal term = Terminal::detect(options.quiet);
  const SlimOptions slim = merge(options);
  if (!options.dry_run && options.output.empty()) {
    throw Error::usage("pare slim needs -o OUT (or --dry-run)");
  }
  const auto bundle = open_bundle(options.image.image);
  ImageSelector selector = options.image.selector();
  std::vector<std::optional<Platform>> platforms;
  if (options.image.platform == "all") {
    if (options.preset == "lambda") {
      throw Error::usage(
          "--preset lambda: rule lambda-single-image: Lambda takes one image manifest, not an "
          "index",
          "slim one platform per output: --platform linux/amd64 or --platform linux/arm64");
    }
    selector.platform.reset();
    for (auto& p : list_platforms(*bundle, selector)) platforms.emplace_back(p);
  } else {
    platforms.push_back(selector.platform);
  }
  std::vector<OutputImage> outputs;
  nlohmann::json plans = nlohmann::json::array();
  std::uint64_t before = 0;
  std::uint64_t after = 0;
  std::size_t paths = 0;
  for (const auto& platform : platforms) {
    ImageSelector s = selector;
    s.platform = platform;
    const Image image = load_image(*bundle, s);
    const std::string label = image.platform().str();
    const ImageTree tree =
        build_tree(*bundle, image, options.image.limits(), capture_for_slim, [&](std::size_t i) {
          term.progress_line(label + ": reading layer " + std::to_string(i + 1) + "/" +
                             std::to_string(image.layers.size()));
        });
    term.progress_done();
    Plan plan = make_plan(tree, image, slim, bundle->describe());
    if (options.preset == "lambda") {
      require_lambda(bundle->describe(), check_lambda(lambda_facts(plan, slim, 1)));
    }
    before += plan.before;
    after += plan.after;
    paths += plan.entries.size();
    if (options.dry_run) {
      if (options.format == "json") {
        plans.push_back(plan_json(bundle->describe(), label, plan));
      } else {
        std::cout << plan_text(label, plan);
      }
      continue;
    }
    for (const auto& w : plan.warnings) {
      if (!options.quiet) std::cerr << "pare: warning: " << w << "\n";
    }
    OutputImage out;
    out.platform = image.platform();
    out.layers = build_slim_layers(bundle.get(), image, tree, plan, slim, options.image.limits());
    plan.config.diff_ids.clear();
    for (const auto& l : out.layers) plan.config.diff_ids.push_back(l.diff_id);
    const std::string config = nlohmann::json(plan.config).dump();
    out.config.assign(reinterpret_cast<const std::byte*>(config.data()),
                      reinterpret_cast<const std::byte*>(config.data()) + config.size());
    outputs.push_back(std::move(out));
  }
  if (options.dry_run) {
    if (options.format == "json") {
      std::cout << (plans.size() == 1 ? plans[0] : plans).dump(2) << "\n";
    }
    return 0;
  }
  const auto digests = write_image_archive(options.output, outputs, slim.tags);
  if (!options.quiet) {
    const double ratio =
        before == 0 ? 0.0 : 100.0 * static_cast<double>(after) / static_cast<double>(before);
    char pct[32];
    std::snprintf(pct, sizeof pct, "%.1f%%", ratio);
    std::cerr << "pare: " << bundle->describe() << ": " << human_size(before) << " -> "
              << human_size(after) << " (" << pct << "), " << paths << " paths kept; wrote "
              << options.output << " (" << digests.front().str() << ")\n";
  }
  return 0;
}

}  // namespace

void add_slim_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<SlimCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "slim", "Write a distroless-style image holding only what the entrypoint needs");
  add_image_options(*cmd, o->image);
  cmd->add_option("-o,--output", o->output,
                  "the image tarball to write (OCI layout + manifest.json)");
  cmd->add_flag("--dry-run,--explain", o->dry_run,
                "print the plan: every kept path and why; write nothing");
  cmd->add_option("--format", o->format, "text or json (with --dry-run)")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_flag("-q,--quiet", o->quiet, "print nothing but errors");
  cmd->add_option("--config", o->config_file,
                  "rules file (default: .pare.json in the working folder)");
  cmd->add_option("--keep", o->keep, "a path or glob to keep (an ELF brings its libraries)");
  cmd->add_option("--drop", o->drop, "a glob to drop");
  cmd->add_flag("--no-ca-certs", o->no_ca_certs, "do not keep the CA bundle");
  cmd->add_flag("--no-tzdata", o->no_tzdata, "do not keep /usr/share/zoneinfo");
  cmd->add_flag("--no-package-metadata", o->no_package_metadata,
                "do not write /var/lib/dpkg/status.d or the apk database");
  cmd->add_option("--user", o->user, "the User of the output config");
  cmd->add_option("--workdir", o->workdir, "the WorkingDir of the output config");
  cmd->add_option("--entrypoint", o->entrypoint, "the Entrypoint: a path or a JSON array");
  cmd->add_option("--cmd", o->cmd, "the Cmd: a string or a JSON array");
  cmd->add_option("--env", o->env, "KEY=VALUE to set in the output config");
  cmd->add_option("--tag", o->tags, "NAME:TAG to name the output image");
  cmd->add_option("--compression", o->compression, "gzip (default), zstd or none")
      ->check(CLI::IsMember({"gzip", "zstd", "none"}));
  cmd->add_option("--layers", o->layers, "1, or 2: a base layer and an app layer")
      ->check(CLI::Range(1, 2));
  cmd->add_option("--preset", o->preset,
                  "lambda: AWS Lambda's rules (one platform, gzip layers, absolute non-symlink "
                  "entrypoint, world-readable files, read-only root)")
      ->check(CLI::IsMember({"lambda"}));
  cmd->callback([o, &exit_code] { exit_code = run_slim(*o); });
}

}  // namespace pare::cli
