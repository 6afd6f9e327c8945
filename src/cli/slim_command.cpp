#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "image_options.hpp"
#include "pare/image/image_writer.hpp"
#include "pare/slim/layer_builder.hpp"
#include "pare/slim/plan.hpp"
#include "pare/util/error.hpp"
#include "pare/util/format.hpp"
#include "plan_output.hpp"
#include "terminal.hpp"

namespace pare::cli {

namespace {

struct SlimCommandOptions {
  ImageOptions image;
  OutputFlags out;
  std::string config_file;
  // Rules as given on the command line; merged over the config file's.
  std::vector<std::string> keep;
  std::vector<std::string> drop;
  bool no_package_metadata = false;
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
  if (cli.no_package_metadata) o.package_metadata = false;
  apply_output_flags(cli.out, o);
  return o;
}

int run_slim(const SlimCommandOptions& options) {
  const Terminal term = Terminal::detect(options.out.quiet);
  const SlimOptions slim = merge(options);
  if (!options.out.dry_run && options.out.output.empty()) {
    throw Error::usage("pare slim needs -o OUT (or --dry-run)");
  }
  const auto bundle = open_bundle(options.image.image);
  ImageSelector selector = options.image.selector();
  std::vector<std::optional<Platform>> platforms;
  if (options.image.platform == "all") {
    if (options.out.preset == "lambda") {
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
    BuildTreeOptions reading;
    reading.limits = options.image.limits();
    reading.capture = capture_for_slim;
    reading.on_layer = [&](std::size_t i) {
      term.progress_line(label + ": reading layer " + std::to_string(i + 1) + "/" +
                         std::to_string(image.layers.size()));
    };
    const ImageTree tree = build_tree(*bundle, image, reading);
    term.progress_done();
    Plan plan = make_plan(tree, image, slim, bundle->describe());
    if (options.out.preset == "lambda") {
      require_lambda(bundle->describe(), check_lambda(lambda_facts(plan, slim, 1)));
    }
    before += plan.before;
    after += plan.after;
    paths += plan.entries.size();
    if (options.out.dry_run) {
      if (options.out.format == "json") {
        plans.push_back(plan_json(bundle->describe(), label, plan));
      } else {
        std::cout << plan_text(label, plan);
      }
      continue;
    }
    for (const auto& w : plan.warnings) {
      if (!options.out.quiet) std::cerr << "pare: warning: " << w << "\n";
    }
    outputs.push_back(output_image(
        image.platform(), plan,
        build_slim_layers(plan, tree_sources(*bundle, image, tree, options.image.limits()), slim)));
  }
  if (options.out.dry_run) {
    if (options.out.format == "json") {
      std::cout << (plans.size() == 1 ? plans[0] : plans).dump(2) << "\n";
    }
    return 0;
  }
  const auto digests = write_image_archive(options.out.output, outputs, slim.tags);
  if (!options.out.quiet) {
    const double ratio =
        before == 0 ? 0.0 : 100.0 * static_cast<double>(after) / static_cast<double>(before);
    char pct[32];
    std::snprintf(pct, sizeof pct, "%.1f%%", ratio);
    std::cerr << "pare: " << bundle->describe() << ": " << human_size(before) << " -> "
              << human_size(after) << " (" << pct << "), " << paths << " paths kept; wrote "
              << options.out.output << " (" << digests.front().str() << ")\n";
  }
  return 0;
}

}  // namespace

void add_slim_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<SlimCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "slim", "Write a distroless-style image holding only what the entrypoint needs");
  add_image_options(*cmd, o->image);
  add_output_flags(*cmd, o->out);
  cmd->add_option("--config", o->config_file,
                  "rules file (default: .pare.json in the working folder)");
  cmd->add_option("--keep", o->keep, "a path or glob to keep (an ELF brings its libraries)");
  cmd->add_option("--drop", o->drop, "a glob to drop");
  cmd->add_flag("--no-package-metadata", o->no_package_metadata,
                "do not write /var/lib/dpkg/status.d or the apk database");
  cmd->callback([o, &exit_code] { exit_code = run_slim(*o); });
}

}  // namespace pare::cli
