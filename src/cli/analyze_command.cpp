#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.hpp"
#include "image_options.hpp"
#include "pare/analyze/report.hpp"
#include "pare/deps/resolver.hpp"
#include "pare/fs/image_tree.hpp"
#include "pare/slim/plan.hpp"
#include "pare/util/error.hpp"
#include "terminal.hpp"

namespace pare::cli {

namespace {

struct AnalyzeOptions {
  ImageOptions image;
  std::string format = "text";
  bool quiet = false;
  std::string config_file;
  std::string max_size;
  std::string max_layers;
  std::string min_efficiency;
  std::string max_wasted;
  std::string max_wasted_percent;
  std::string max_removable;
  std::vector<std::string> forbid;
  std::size_t top = 10;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error::system(path, "cannot read the config file");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::uint64_t size_of(const std::string& what, const std::string& text) {
  auto v = parse_size(text);
  if (!v) throw Error::usage(what + " " + text + ": not a size (e.g. 300MB, 1.5GiB)");
  return *v;
}

double ratio_of(const std::string& what, const std::string& text) {
  auto v = parse_ratio(text);
  if (!v) throw Error::usage(what + " " + text + ": not a ratio (e.g. 0.9 or 90%)");
  return *v;
}

/// .pare.json's "analyze" section.
void read_pare_json(const std::string& path, const std::string& text, GateConfig& g) {
  try {
    const auto j = nlohmann::json::parse(text);
    if (!j.contains("analyze")) return;
    const auto& a = j.at("analyze");
    auto str = [&](const char* key) {
      const auto& v = a.at(key);
      return v.is_string() ? v.get<std::string>() : v.dump();
    };
    if (a.contains("maxSize")) g.max_size = size_of(path + ": maxSize", str("maxSize"));
    if (a.contains("maxLayers")) g.max_layers = a.at("maxLayers").get<std::uint64_t>();
    if (a.contains("minEfficiency"))
      g.min_efficiency = ratio_of(path + ": minEfficiency", str("minEfficiency"));
    if (a.contains("maxWasted")) g.max_wasted = size_of(path + ": maxWasted", str("maxWasted"));
    if (a.contains("maxWastedPercent")) {
      g.max_wasted_percent = ratio_of(path + ": maxWastedPercent", str("maxWastedPercent"));
    }
    if (a.contains("maxRemovable"))
      g.max_removable = size_of(path + ": maxRemovable", str("maxRemovable"));
    for (const auto& f : a.value("forbid", std::vector<std::string>{})) g.forbid.insert(f);
  } catch (const nlohmann::json::exception& e) {
    throw Error::usage(path + ": not a valid pare config: " + std::string(e.what()));
  }
}

void merge(GateConfig& into, const GateConfig& from) {
  if (from.max_size) into.max_size = from.max_size;
  if (from.max_layers) into.max_layers = from.max_layers;
  if (from.min_efficiency) into.min_efficiency = from.min_efficiency;
  if (from.max_wasted) into.max_wasted = from.max_wasted;
  if (from.max_wasted_percent) into.max_wasted_percent = from.max_wasted_percent;
  if (from.max_removable) into.max_removable = from.max_removable;
  if (from.dive_max_wasted) into.dive_max_wasted = from.dive_max_wasted;
  if (from.dive_max_user_wasted_percent) {
    into.dive_max_user_wasted_percent = from.dive_max_user_wasted_percent;
  }
  into.forbid.insert(from.forbid.begin(), from.forbid.end());
}

/// Rules from the files (.pare.json and .dive-ci in the working folder, or --config, JSON for
/// pare's format and anything else read as .dive-ci), then the flags over them.
GateConfig gate_config(const AnalyzeOptions& o) {
  GateConfig g;
  auto load = [&](const std::string& path) {
    const std::string text = read_file(path);
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && text[first] == '{') {
      read_pare_json(path, text, g);
    } else {
      merge(g, parse_dive_ci(text, path));
    }
  };
  if (!o.config_file.empty()) {
    load(o.config_file);
  } else {
    for (const char* f : {".dive-ci", ".pare.json"}) {
      if (std::filesystem::exists(f)) load(f);
    }
  }
  if (!o.max_size.empty()) g.max_size = size_of("--max-size", o.max_size);
  if (!o.max_layers.empty()) {
    try {
      g.max_layers = std::stoull(o.max_layers);
    } catch (const std::exception&) {
      throw Error::usage("--max-layers " + o.max_layers + ": not a number");
    }
  }
  if (!o.min_efficiency.empty()) g.min_efficiency = ratio_of("--min-efficiency", o.min_efficiency);
  if (!o.max_wasted.empty()) g.max_wasted = size_of("--max-wasted", o.max_wasted);
  if (!o.max_wasted_percent.empty()) {
    g.max_wasted_percent = ratio_of("--max-wasted-percent", o.max_wasted_percent);
  }
  if (!o.max_removable.empty()) g.max_removable = size_of("--max-removable", o.max_removable);
  g.forbid.insert(o.forbid.begin(), o.forbid.end());
  return g;
}

int run_analyze(const AnalyzeOptions& options) {
  const Terminal term = Terminal::detect(options.quiet);
  const GateConfig gates = gate_config(options);
  const auto bundle = open_bundle(options.image.image);
  const Image image = load_image(*bundle, options.image.selector());
  LayerAccounting accounting;
  BuildTreeOptions reading;
  reading.limits = options.image.limits();
  reading.capture = capture_for_slim;
  reading.on_layer = [&](std::size_t i) {
    term.progress_line("reading layer " + std::to_string(i + 1) + "/" +
                       std::to_string(image.layers.size()));
  };
  reading.on_entries = [&](std::size_t, const std::vector<TarEntry>& entries) {
    accounting.add_layer(entries);
  };
  reading.hash_files = true;
  const ImageTree tree = build_tree(*bundle, image, reading);
  term.progress_done();
  Closure closure = resolve_closure(tree, image.config, bundle->describe());
  AnalyzeReport report =
      make_report(bundle->describe(), image, tree, std::move(closure), accounting, options.top);
  // The size a slim would reach: the same plan `pare slim --dry-run` prints.
  try {
    report.slim_size =
        make_plan(tree, image, SlimOptions{}, bundle->describe(), report.program).after;
  } catch (const Error& e) {
    report.slim_error = e.what();
  }
  report.gates = evaluate_gates(gates, gate_inputs(report));
  const bool failed = std::any_of(report.gates.begin(), report.gates.end(),
                                  [](const GateResult& g) { return !g.passed; });
  if (options.format == "json") {
    std::cout << to_json_report(report).dump(2) << "\n";
  } else if (options.format == "markdown") {
    std::cout << render_markdown(report);
  } else if (!options.quiet) {
    std::cout << render_text(report, term.color_stdout);
  } else {
    for (const auto& g : report.gates) {
      if (!g.passed) std::cout << "FAIL  " << g.message << "\n";
    }
  }
  // The report is out; an image whose program cannot start still fails the command.
  require_complete(report.program);
  return failed ? static_cast<int>(ExitCode::kCheckFailed) : 0;
}

}  // namespace

void add_analyze_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<AnalyzeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "analyze", "Report an image: its layers, waste, program and findings; gate it for CI");
  add_image_options(*cmd, options->image);
  cmd->add_option("--format", options->format, "text, json or markdown")
      ->check(CLI::IsMember({"text", "json", "markdown"}));
  cmd->add_flag("-q,--quiet", options->quiet, "print only failed gates and errors");
  cmd->add_option("--config", options->config_file,
                  "gates file: pare JSON or dive's .dive-ci (default: .pare.json and .dive-ci "
                  "in the working folder)");
  cmd->add_option("--max-size", options->max_size, "fail above this uncompressed size (300MB)");
  cmd->add_option("--max-layers", options->max_layers, "fail above this many layers");
  cmd->add_option("--min-efficiency", options->min_efficiency,
                  "fail below dive's efficiency (0.9)");
  cmd->add_option("--max-wasted", options->max_wasted, "fail above this many wasted bytes");
  cmd->add_option("--max-wasted-percent", options->max_wasted_percent,
                  "fail above this share of wasted bytes (0.1 or 10%)");
  cmd->add_option("--max-removable", options->max_removable,
                  "fail when a slim would remove more than this");
  cmd->add_option("--top", options->top, "how many largest files and folders to list (10)");
  cmd->add_option("--forbid", options->forbid, "shell, package-manager, setuid or root-user")
      ->check(CLI::IsMember({"shell", "package-manager", "setuid", "root-user"}));
  cmd->callback([options, &exit_code] { exit_code = run_analyze(*options); });
}

}  // namespace pare::cli
