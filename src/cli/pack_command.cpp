#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "image_options.hpp"
#include "output_target.hpp"
#include "pare/pack/pack.hpp"
#include "pare/slim/output.hpp"
#include "pare/util/error.hpp"
#include "pare/util/file.hpp"
#include "pare/util/format.hpp"
#include "plan_output.hpp"
#include "terminal.hpp"

namespace pare::cli {

namespace {

struct PackCommandOptions {
  OutputFlags out;
  std::string binary;
  std::vector<std::string> binaries;  ///< PLATFORM=PATH
  std::string platform;
  std::string base = "distroless";
  std::string sysroot;
  std::string dest;
  std::vector<std::string> labels;
  std::vector<std::string> adds;  ///< SRC:DEST
  std::string ca_bundle;
  RegistryOptions registry;  ///< for -o docker://...
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
  if (!cli.sysroot.empty()) o.sysroot = cli.sysroot;
  o.dest = cli.dest;
  for (const auto& add : cli.adds) {
    auto [src, dest] = split_at("--add", add, ':', "SRC:DEST with an absolute DEST");
    if (!dest.starts_with('/')) throw Error::usage("--add " + add + ": DEST must be absolute");
    HostCopy c;
    c.source = src;
    c.dest = dest;
    o.adds.push_back(std::move(c));
  }
  if (!cli.ca_bundle.empty()) o.ca_bundle = cli.ca_bundle;
  SlimOptions& s = o.image;
  for (const auto& kv : cli.labels) {
    auto [key, value] = split_at("--label", kv + (kv.ends_with('=') ? " " : ""), '=', "KEY=VALUE");
    s.labels[key] = kv.substr(key.size() + 1);
  }
  apply_output_flags(cli.out, s);
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
  if (!cli.out.dry_run && cli.out.output.empty()) {
    throw Error::usage("pare pack needs -o OUT (or --dry-run)");
  }
  PackRequest request;
  request.options = pack_options(cli);
  request.binaries = binaries_of(cli);
  request.preset = cli.out.preset;
  const PackOptions& options = request.options;
  if (!cli.out.dry_run) {
    std::vector<std::string> inputs;
    for (const auto& b : request.binaries) inputs.emplace_back(b.path);
    for (const auto& a : options.adds) inputs.emplace_back(a.source);
    OutputTarget::refuse_over(cli.out.output, inputs);
  }
  const std::vector<PlannedImage> planned = plan_pack(request);
  if (cli.out.dry_run) {
    check_planned(planned, options.image, cli.out.preset);
    print_plans(planned, cli.out.format);
    return 0;
  }
  print_warnings(planned, cli.out.quiet);
  const OutputTarget target(cli.out.output);
  const auto written = write_planned(planned, target.path(), options.image, cli.out.preset);
  const std::string wrote = target.finish(cli.registry, {});
  if (cli.out.quiet) return 0;
  for (std::size_t i = 0; i < planned.size(); ++i) {
    const Plan& plan = planned[i].plan;
    std::cerr << "pare: " << planned[i].image.platform().str() << ": " << planned[i].source << " ("
              << to_string(plan.closure.program_class) << "), " << plan.entries.size() << " paths, "
              << human_size(plan.after) << " of files, " << human_size(written[i].stored)
              << " stored\n";
  }
  std::cerr << "pare: wrote " << wrote
            << (target.is_registry() ? "" : " (" + written.front().digest.str() + ")") << "\n";
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
  cmd->add_option("--platform", o->platform, "os/arch the binary must be built for");
  cmd->add_option("--base", o->base, "distroless (default) or scratch")
      ->check(CLI::IsMember({"distroless", "scratch"}));
  cmd->add_option("--sysroot", o->sysroot,
                  "folder to take libraries, CA bundle and zoneinfo from (/ for this machine's)");
  cmd->add_option("--dest", o->dest,
                  "where the program goes in the image (default /NAME); the Entrypoint unless "
                  "--entrypoint says otherwise");
  cmd->add_option("--label", o->labels, "KEY=VALUE label of the config");
  cmd->add_option("--add", o->adds, "SRC:DEST, a host file or folder to add");
  cmd->add_option("--ca-bundle", o->ca_bundle,
                  "the CA bundle to install as /etc/ssl/certs/ca-certificates.crt");
  add_output_flags(*cmd, o->out);
  add_registry_options(*cmd, o->registry);
  cmd->callback([o, &exit_code] { exit_code = run_pack(*o); });
}

}  // namespace pare::cli
