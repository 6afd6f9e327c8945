#include <iostream>
#include <memory>

#include "commands.hpp"
#include "image_options.hpp"
#include "output_target.hpp"
#include "pare/analyze/analyze.hpp"
#include "pare/deps/resolver.hpp"
#include "pare/util/error.hpp"
#include "pare/util/file.hpp"
#include "terminal.hpp"

namespace pare::cli {

namespace {

/// The gate flags as given (empty: not given).
struct GateFlags {
  std::string max_size;
  std::string max_layers;
  std::string min_efficiency;
  std::string max_wasted;
  std::string max_wasted_percent;
  std::string max_removable;
  std::vector<std::string> forbid;
};

struct AnalyzeOptions {
  ImageOptions image;
  std::string format = "text";
  std::string output;  ///< -o: a file instead of standard output
  bool quiet = false;
  std::string config_file;
  GateFlags gates;
  std::size_t top = 10;
};

/// The rules files' limits, then the flags over them.
GateConfig gate_config(const std::string& config_file, const GateFlags& f) {
  GateConfig g = read_gate_files(config_file);
  if (!f.max_size.empty()) g.max_size = size_limit("--max-size", f.max_size);
  if (!f.max_layers.empty()) {
    try {
      g.max_layers = std::stoull(f.max_layers);
    } catch (const std::exception&) {
      throw Error::usage("--max-layers " + f.max_layers + ": not a number");
    }
  }
  if (!f.min_efficiency.empty())
    g.min_efficiency = ratio_limit("--min-efficiency", f.min_efficiency);
  if (!f.max_wasted.empty()) g.max_wasted = size_limit("--max-wasted", f.max_wasted);
  if (!f.max_wasted_percent.empty()) {
    g.max_wasted_percent = ratio_limit("--max-wasted-percent", f.max_wasted_percent);
  }
  if (!f.max_removable.empty()) g.max_removable = size_limit("--max-removable", f.max_removable);
  g.forbid.insert(f.forbid.begin(), f.forbid.end());
  return g;
}

int run_analyze(const AnalyzeOptions& options) {
  const Terminal term = Terminal::detect(options.quiet);
  AnalyzeRequest request;
  request.gates = gate_config(options.config_file, options.gates);
  request.selector = options.image.selector();
  request.limits = options.image.limits();
  request.top = options.top;
  request.treemap = options.format == "html";
  if (!options.output.empty()) OutputTarget::refuse_over(options.output, {options.image.image});
  const auto bundle = options.image.open();
  const AnalyzeReport report = analyze_image(*bundle, request, term.progress());
  std::string out;
  if (options.format == "json") {
    out = to_json_report(report).dump(2) + "\n";
  } else if (options.format == "markdown") {
    out = render_markdown(report, options.top);
  } else if (options.format == "html") {
    out = render_html(report);
  } else if (!options.quiet) {
    out = render_text(report, term.color_stdout && options.output.empty());
  } else {
    for (const auto& g : report.gates) {
      if (!g.passed) out += "FAIL  " + g.message + "\n";
    }
  }
  if (options.output.empty()) {
    std::cout << out << std::flush;
  } else {
    AtomicFile file(options.output);
    file.write(out);
    file.commit();
  }
  // The report is out; an image whose program cannot start still fails the command.
  require_complete(report.program);
  return gates_failed(report) ? static_cast<int>(ExitCode::kCheckFailed) : 0;
}

}  // namespace

void add_analyze_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<AnalyzeOptions>();
  GateFlags& gates = options->gates;
  CLI::App* cmd = app.add_subcommand(
      "analyze", "Report an image: its layers, waste, program and findings; gate it for CI");
  add_image_options(*cmd, options->image);
  cmd->add_option("--format", options->format,
                  "text, json, markdown (under GitHub's 1024k job summary cap) or html (one "
                  "self-contained page)")
      ->check(CLI::IsMember({"text", "json", "markdown", "html"}));
  cmd->add_option("-o,--output", options->output,
                  "write the report to this file (replaced whole, atomically), not to stdout");
  cmd->add_flag("-q,--quiet", options->quiet, "print only failed gates and errors");
  cmd->add_option("--config", options->config_file,
                  "gates file: pare JSON or dive's .dive-ci (default: .pare.json and .dive-ci "
                  "in the working folder)");
  cmd->add_option("--max-size", gates.max_size, "fail above this uncompressed size (300MB)");
  cmd->add_option("--max-layers", gates.max_layers, "fail above this many layers");
  cmd->add_option("--min-efficiency", gates.min_efficiency, "fail below dive's efficiency (0.9)");
  cmd->add_option("--max-wasted", gates.max_wasted, "fail above this many wasted bytes");
  cmd->add_option("--max-wasted-percent", gates.max_wasted_percent,
                  "fail above this share of wasted bytes (0.1 or 10%)");
  cmd->add_option("--max-removable", gates.max_removable,
                  "fail when a slim would remove more than this");
  cmd->add_option("--top", options->top,
                  "how many largest files and folders to list, and rows of each long Markdown "
                  "table (10)");
  cmd->add_option("--forbid", gates.forbid, "shell, package-manager, setuid or root-user")
      ->check(CLI::IsMember({"shell", "package-manager", "setuid", "root-user"}));
  cmd->callback([options, &exit_code] { exit_code = run_analyze(*options); });
}

}  // namespace pare::cli
