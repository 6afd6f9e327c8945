#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "pare/analyze/report.hpp"
#include "pare/image/image_writer.hpp"
#include "pare/pack/pack.hpp"
#include "pare/slim/layer_builder.hpp"
#include "pare/util/error.hpp"
#include "plan_output.hpp"
#include "terminal.hpp"

namespace pare::cli {

namespace {

struct PackCommandOptions {
  std::string binary;
  std::vector<std::string> binaries;  ///< PLATFORM=PATH
  std::string output;
  std::string platform;
  std::string base = "distroless";
  std::string sysroot;
  std::string dest;
  std::string workdir;
  std::string entrypoint;
  std::string cmd;
  std::vector<std::string> env;
  std::vector<std::string> labels;
  std::string user;
  std::vector<std::string> tags;
  std::vector<std::string> adds;  ///< SRC:DEST
  std::string ca_bundle;
  bool no_ca_certs = false;
  bool no_tzdata = false;
  std::string compression = "gzip";
  int layers = 1;
  std::string preset;
  bool dry_run = false;
  std::string format = "text";
  bool quiet = false;
};

std::pair<std::string, std::string> split_at(const std::string& flag, const std::string& text,
                                             char sep, const std::string& expected) {
  const auto at = text.find(sep);
  if (at == std::string::npos || at == 0 || at + 1 == text.size()) {
    throw Error::usage(flag + " " + text + ": expected " + expected);
  }
  return {text.substr(0, at), text.substr(at + 1)};
}

PackOptions pack_options(const PackCommandOptions& cli) {
  PackOptions o;
  o.base = cli.base == "scratch" ? PackBase::kScratch : PackBase::kDistroless;
  if (!cli.sysroot.empty()) {
    if (!std::filesystem::is_directory(cli.sysroot)) {
      throw Error::usage("--sysroot " + cli.sysroot + ": not a folder");
    }
    o.sysroot = cli.sysroot;
  }
  o.dest = cli.dest;
  for (const auto& add : cli.adds) {
    auto [src, dest] = split_at("--add", add, ':', "SRC:DEST with an absolute DEST");
    if (!dest.starts_with('/')) throw Error::usage("--add " + add + ": DEST must be absolute");
    HostCopy c;
    c.source = src;
    c.dest = dest;
    o.adds.push_back(std::move(c));
  }
  if (!cli.ca_bundle.empty()) {
    if (o.base == PackBase::kScratch) {
      throw Error::usage("--ca-bundle: --base scratch holds no CA bundle",
                         "use --add FILE:/etc/ssl/certs/ca-certificates.crt");
    }
    o.ca_bundle = cli.ca_bundle;
  }
  SlimOptions& s = o.image;
  if (!cli.user.empty()) s.user = cli.user;
  if (!cli.workdir.empty()) s.workdir = cli.workdir;
  if (!cli.entrypoint.empty()) s.entrypoint = argv_of("--entrypoint", cli.entrypoint);
  if (!cli.cmd.empty()) s.cmd = argv_of("--cmd", cli.cmd);
  for (const auto& kv : cli.env) {
    split_at("--env", kv, '=', "KEY=VALUE");
    s.env.push_back(kv);
  }
  for (const auto& kv : cli.labels) {
    auto [key, value] = split_at("--label", kv + (kv.ends_with('=') ? " " : ""), '=', "KEY=VALUE");
    s.labels[key] = kv.substr(key.size() + 1);
  }
  s.tags = cli.tags;
  s.ca_certs = !cli.no_ca_certs;
  s.tzdata = !cli.no_tzdata;
  s.compression = cli.compression == "zstd"   ? Compression::kZstd
                  : cli.compression == "none" ? Compression::kNone
                                              : Compression::kGzip;
  s.layers = cli.layers;
  s.source_date_epoch = source_date_epoch();
  if (cli.preset == "lambda") {
    if (s.compression != Compression::kGzip) {
      throw Error::usage("--preset lambda: rule lambda-gzip-layers: Lambda takes gzip layers only",
                         "drop --compression");
    }
    s.homes = false;
  }
  return o;
}

std::vector<PackBinary> binaries_of(const PackCommandOptions& cli) {
  std::vector<PackBinary> out;
  if (!cli.binary.empty()) {
    if (!cli.binaries.empty()) {
      throw Error::usage("give BINARY or --binary PLATFORM=PATH, not both");
    }
    PackBinary b;
    b.path = cli.binary;
    if (!cli.platform.empty()) {
      b.platform = Platform::parse(cli.platform);
      if (!b.platform) throw Error::usage("--platform " + cli.platform + ": expected os/arch");
    }
    out.push_back(std::move(b));
    return out;
  }
  if (cli.binaries.empty()) throw Error::usage("pare pack needs BINARY or --binary PLATFORM=PATH");
  if (!cli.platform.empty()) {
    throw Error::usage("--platform goes with BINARY; --binary names its platform itself");
  }
  for (const auto& given : cli.binaries) {
    auto [platform, path] = split_at("--binary", given, '=', "PLATFORM=PATH");
    PackBinary b;
    b.path = path;
    b.platform = Platform::parse(platform);
    if (!b.platform) throw Error::usage("--binary " + given + ": expected os/arch=PATH");
    for (const auto& other : out) {
      if (b.platform->matches(*other.platform) || other.platform->matches(*b.platform)) {
        throw Error::usage("--binary " + given + ": " + b.platform->str() + " is given twice");
      }
    }
    out.push_back(std::move(b));
  }
  return out;
}

int run_pack(const PackCommandOptions& cli) {
  if (!cli.dry_run && cli.output.empty()) {
    throw Error::usage("pare pack needs -o OUT (or --dry-run)");
  }
  const PackOptions options = pack_options(cli);
  const std::vector<PackBinary> binaries = binaries_of(cli);
  if (cli.preset == "lambda" && binaries.size() > 1) {
    throw Error::usage(
        "--preset lambda: rule lambda-single-image: Lambda takes one image manifest, not an index",
        "pack one platform per output");
  }
  std::vector<OutputImage> outputs;
  nlohmann::json plans = nlohmann::json::array();
  std::vector<std::string> summary;
  for (const auto& binary : binaries) {
    PackedImage packed = plan_pack(binary, options);
    const Plan& plan = packed.plan;
    const std::string label = packed.image.config.platform().str();
    if (cli.preset == "lambda") {
      require_lambda(binary.path.string(), check_lambda(lambda_facts(plan, options.image, 1)));
    }
    if (cli.dry_run) {
      if (cli.format == "json") {
        plans.push_back(plan_json(binary.path.string(), label, plan));
      } else {
        std::cout << plan_text(label, plan);
      }
      continue;
    }
    for (const auto& w : plan.warnings) {
      if (!cli.quiet) std::cerr << "pare: warning: " << w << "\n";
    }
    OutputImage out;
    out.platform = packed.image.config.platform();
    out.layers =
        build_slim_layers(nullptr, packed.image, packed.tree, plan, options.image, LayerLimits{});
    Config config = plan.config;
    config.diff_ids.clear();
    for (const auto& l : out.layers) config.diff_ids.push_back(l.diff_id);
    const std::string bytes = nlohmann::json(config).dump();
    out.config.assign(reinterpret_cast<const std::byte*>(bytes.data()),
                      reinterpret_cast<const std::byte*>(bytes.data()) + bytes.size());
    std::uint64_t stored = 0;
    for (const auto& l : out.layers) stored += l.size;
    summary.push_back(label + ": " + binary.path.string() + " (" +
                      std::string(to_string(plan.closure.program_class)) + "), " +
                      std::to_string(plan.entries.size()) + " paths, " + human_size(plan.after) +
                      " of files, " + human_size(stored) + " stored");
    outputs.push_back(std::move(out));
  }
  if (cli.dry_run) {
    if (cli.format == "json") std::cout << (plans.size() == 1 ? plans[0] : plans).dump(2) << "\n";
    return 0;
  }
  const auto digests = write_image_archive(cli.output, outputs, options.image.tags);
  if (!cli.quiet) {
    for (const auto& line : summary) std::cerr << "pare: " << line << "\n";
    std::cerr << "pare: wrote " << cli.output << " (" << digests.front().str() << ")\n";
  }
  return 0;
}

}  // namespace

void add_pack_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<PackCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "pack", "Build a distroless-style image from a local binary, without Docker");
  cmd->add_option("BINARY", o->binary, "the program to pack (amd64 or arm64 ELF)");
  cmd->add_option("--binary", o->binaries,
                  "PLATFORM=PATH, once per platform, for a multi-platform index");
  cmd->add_option("-o,--output", o->output,
                  "the image tarball to write (OCI layout + manifest.json)");
  cmd->add_option("--platform", o->platform, "os/arch the binary must be built for");
  cmd->add_option("--base", o->base, "distroless (default) or scratch")
      ->check(CLI::IsMember({"distroless", "scratch"}));
  cmd->add_option("--sysroot", o->sysroot,
                  "folder to take libraries, CA bundle and zoneinfo from (/ for this machine's)");
  cmd->add_option("--dest", o->dest, "where the program goes in the image (default /NAME)");
  cmd->add_option("--workdir", o->workdir, "the WorkingDir of the config");
  cmd->add_option("--entrypoint", o->entrypoint,
                  "the Entrypoint: a path or a JSON array (default: the program)");
  cmd->add_option("--cmd", o->cmd, "the Cmd: a string or a JSON array");
  cmd->add_option("--env", o->env, "KEY=VALUE to set in the config");
  cmd->add_option("--label", o->labels, "KEY=VALUE label of the config");
  cmd->add_option("--user", o->user, "the User of the config (a name needs --base distroless)");
  cmd->add_option("--tag", o->tags, "NAME:TAG to name the output image");
  cmd->add_option("--add", o->adds, "SRC:DEST, a host file or folder to add");
  cmd->add_option("--ca-bundle", o->ca_bundle,
                  "the CA bundle to install as /etc/ssl/certs/ca-certificates.crt");
  cmd->add_flag("--no-ca-certs", o->no_ca_certs, "do not keep the CA bundle");
  cmd->add_flag("--no-tzdata", o->no_tzdata, "do not keep /usr/share/zoneinfo");
  cmd->add_option("--compression", o->compression, "gzip (default), zstd or none")
      ->check(CLI::IsMember({"gzip", "zstd", "none"}));
  cmd->add_option("--layers", o->layers, "1, or 2: a base layer and an app layer")
      ->check(CLI::Range(1, 2));
  cmd->add_option("--preset", o->preset,
                  "lambda: AWS Lambda's rules (one platform, gzip layers, absolute non-symlink "
                  "entrypoint, world-readable files, read-only root)")
      ->check(CLI::IsMember({"lambda"}));
  cmd->add_flag("--dry-run,--explain", o->dry_run,
                "print the plan: every path and why; write nothing");
  cmd->add_option("--format", o->format, "text or json (with --dry-run)")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_flag("-q,--quiet", o->quiet, "print nothing but errors");
  cmd->callback([o, &exit_code] { exit_code = run_pack(*o); });
}

}  // namespace pare::cli
