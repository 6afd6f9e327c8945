#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "commands.hpp"
#include "image_options.hpp"
#include "pare/deps/resolver.hpp"
#include "pare/fs/image_tree.hpp"
#include "pare/image/bundle.hpp"
#include "pare/rules/lambda.hpp"
#include "pare/run/sandbox.hpp"
#include "pare/run/unpack.hpp"
#include "pare/util/error.hpp"
#include "pare/util/file.hpp"
#include "pare/verify/content.hpp"
#include "pare/verify/structure.hpp"
#include "terminal.hpp"

namespace pare::cli {

namespace {

struct VerifyOptions {
  ImageOptions image;
  std::string format = "text";
  bool quiet = false;
  std::string preset;
  bool run = false;
  std::vector<std::string> args;  ///< after "--": replace the config's Cmd, as docker run does
  int expect_exit = 0;
  std::string expect_output;
  double timeout = 10;
};

/// One program started by --run, and how it ended.
struct RunRecord {
  std::string platform;
  std::vector<std::string> argv;
  RunResult result;
  double seconds = 0;
};

/// What every group of checks hands back: its failures and what it looked at. The structure
/// checks are the first group; content and run checks append theirs to the same list, and the
/// result is rendered once.
struct VerifyResult {
  std::vector<Problem> problems;
  /// Counts in the order they are shown: "blobs", "manifests", ... Each group adds its own keys.
  std::vector<std::pair<std::string, std::uint64_t>> checked;
  std::vector<RunRecord> runs;
};

void add_structure_checks(const Bundle& bundle, const VerifyOptions& options,
                          std::vector<VerifiedLayer> verified, VerifyResult& result) {
  StructureOptions structure;
  structure.limits = options.image.limits();
  structure.verified = std::move(verified);
  structure.selector = options.image.selector();
  StructureReport report = verify_structure(bundle, structure);
  for (auto& p : report.problems) result.problems.push_back(std::move(p));
  const StructureCounts& c = report.counts;
  result.checked.insert(result.checked.end(), {{"blobs", c.blobs},
                                               {"indexes", c.indexes},
                                               {"manifests", c.manifests},
                                               {"configs", c.configs},
                                               {"layers", c.layers},
                                               {"bytes", c.bytes}});
}

/// The program to exec: the one the content checks resolved, unless ARGS replace the Cmd
/// (which may change what argv[0] is).
Closure program_for(const ImageTree& tree, const Image& image, const VerifyOptions& options,
                    const std::string& name, const Closure& configured) {
  if (options.args.empty()) return configured;
  Config config = image.config;
  config.config.cmd = options.args;
  return resolve_closure(tree, config, name);
}

/// As grep -E: a line of the output matches (anchors are the line's), or the whole output does
/// (a pattern spanning lines).
bool output_matches(const std::string& output, const std::string& pattern) {
  const std::regex re(pattern, std::regex::extended);
  std::size_t start = 0;
  while (start <= output.size()) {
    std::size_t end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    if (std::regex_search(output.begin() + static_cast<std::ptrdiff_t>(start),
                          output.begin() + static_cast<std::ptrdiff_t>(end), re)) {
      return true;
    }
    start = end + 1;
  }
  return std::regex_search(output, re);
}

/// --run: unpacks the image into a temporary folder and starts its program in a sandbox.
void run_image(const Bundle& bundle, const Image& image, const ImageTree& tree,
               const Closure& configured, const std::string& label, const VerifyOptions& options,
               const Terminal& term, VerifyResult& result) {
  const Closure program = program_for(tree, image, options, bundle.describe(), configured);
  if (program.program.empty()) {
    result.problems.push_back({"run", label, "not started: no program to exec"});
    return;
  }
  term.progress_line(label + ": unpacking");
  const TempDir dir("pare-verify");
  const std::filesystem::path rootfs = dir.path() / "rootfs";
  std::filesystem::create_directory(rootfs);
  unpack_rootfs(bundle, image, tree, rootfs, options.image.limits());
  term.progress_done();
  RunRequest request;
  request.rootfs = rootfs;
  request.program = program.program;
  request.argv = program.argv;
  request.env = image.config.config.env;
  request.working_dir = image.config.config.working_dir;
  request.user = image.config.config.user;
  request.architecture = image.config.architecture;
  request.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(options.timeout * 1000));
  RunRecord record;
  record.platform = label;
  record.argv = program.argv;
  const auto start = std::chrono::steady_clock::now();
  record.result = run_in_sandbox(request);
  record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const RunResult& r = record.result;
  if (r.timed_out) {
    char secs[32];
    std::snprintf(secs, sizeof secs, "%g", options.timeout);
    result.problems.push_back(
        {"run", label, std::string("still running after ") + secs + " s: killed (--timeout)"});
  } else if (r.exit_code != options.expect_exit) {
    result.problems.push_back(
        {"run", label,
         "exited " + std::to_string(r.exit_code) +
             (r.signal != 0 ? " (signal " + std::to_string(r.signal) + ")" : std::string()) +
             ", expected " + std::to_string(options.expect_exit)});
  }
  if (!options.expect_output.empty() && !output_matches(r.output, options.expect_output)) {
    result.problems.push_back(
        {"run-output", label, "the output does not match /" + options.expect_output + "/"});
  }
  result.runs.push_back(std::move(record));
}

/// What the image's program needs, the Lambda rules, and --run, for each image the selector
/// picks (every platform when none is named).
/// Each layer read here is verified as it streams (digest, size, diff_id, a tar within the
/// limits); `verified` receives them, so the structure checks need not inflate them again.
void add_content_checks(const Bundle& bundle, const VerifyOptions& options, const Terminal& term,
                        VerifyResult& result, std::vector<VerifiedLayer>& verified) {
  std::vector<Image> images;
  try {
    images = load_images(bundle, options.image.selector());
  } catch (const Error& e) {
    if (e.code() != ExitCode::kBadInput) throw;
    result.problems.push_back({"image", bundle.describe(), e.what()});
    return;
  }
  std::uint64_t programs = 0;
  for (const Image& image : images) {
    std::optional<ImageTree> tree;
    try {
      BuildTreeOptions reading;
      reading.limits = options.image.limits();
      reading.capture = capture_for_content;
      reading.on_layer = [&](std::size_t i) {
        term.progress_line("reading layer " + std::to_string(i + 1) + "/" +
                           std::to_string(image.layers.size()));
      };
      tree = build_tree(bundle, image, reading);
      term.progress_done();
    } catch (const Error& e) {
      term.progress_done();
      if (e.code() != ExitCode::kBadInput) throw;
      result.problems.push_back({"image", bundle.describe(), e.what()});
      continue;
    }
    for (std::size_t i = 0; i < image.layers.size(); ++i) {
      const LayerStats& stats = tree->layers[i].stats;
      verified.push_back({image.layers[i].path, stats.digest, stats.compressed_size,
                          stats.compression, image.layers[i].diff_id});
    }
    // An image is named by its platform, and by its name when the input holds several.
    std::string label = image.platform().str();
    if (images.size() > 1 && !image.names.empty() &&
        std::any_of(images.begin(), images.end(),
                    [&](const Image& other) { return other.names != image.names; })) {
      label = image.names.front() + " " + label;
    }
    const std::string prefix = images.size() > 1 ? label + " " : "";
    ContentReport content = check_content(*tree, image, bundle.describe());
    if (content.closure.program_class != ProgramClass::kNone) ++programs;
    const std::string first_problem =
        content.problems.empty() ? std::string() : content.problems.front().check;
    for (auto& p : content.problems) {
      p.where = prefix + p.where;
      result.problems.push_back(std::move(p));
    }
    if (options.preset == "lambda") {
      for (auto& p : check_lambda(lambda_facts(bundle, image, *tree))) {
        p.where = prefix + p.where;
        result.problems.push_back(std::move(p));
      }
    }
    if (!options.run) continue;
    if (!first_problem.empty() || content.closure.program_class == ProgramClass::kNone) {
      result.problems.push_back(
          {"run", label,
           "not started: " + (first_problem.empty() ? std::string("no Entrypoint and no Cmd")
                                                    : "the " + first_problem + " check failed")});
      continue;
    }
    run_image(bundle, image, *tree, content.closure, label, options, term, result);
  }
  result.checked.emplace_back("programs", programs);
  if (options.run) result.checked.emplace_back("runs", result.runs.size());
}

std::string plural(std::uint64_t n, const std::string& one) {
  return std::to_string(n) + " " + one + (n == 1 ? "" : "s");
}

/// "5 blobs, 1 manifest, 2 layers": the counts a reader cares about; the JSON report has all.
std::string summary(const VerifyResult& result) {
  std::string out;
  for (const auto& [key, n] : result.checked) {
    std::string one;
    if (key == "blobs") one = "blob";
    if (key == "manifests") one = "manifest";
    if (key == "layers") one = "layer";
    if (key == "programs") one = "program";
    if (key == "runs") one = "run";
    if (one.empty()) continue;
    out += (out.empty() ? "" : ", ") + plural(n, one);
  }
  return out;
}

void render_text(const VerifyResult& result, const VerifyOptions& options, const Terminal& term) {
  const char* fail = term.color_stdout ? "\033[31mFAIL\033[0m" : "FAIL";
  for (const auto& run : result.runs) {
    std::string argv;
    for (const auto& a : run.argv) argv += " " + a;
    std::cout << "run " << run.platform << ":" << argv << "\n" << run.result.output;
    if (!run.result.output.empty() && !run.result.output.ends_with('\n')) std::cout << "\n";
    if (run.result.dropped != 0) {
      std::cout << "[" << run.result.dropped << " more bytes of output dropped]\n";
    }
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.2f", run.seconds);
    std::cout << "run " << run.platform << ": "
              << (run.result.timed_out ? "killed after the timeout"
                                       : "exit " + std::to_string(run.result.exit_code))
              << " (" << secs << " s)\n";
  }
  for (const auto& p : result.problems) {
    std::cout << fail << " " << p.check << ": " << p.where << ": " << p.message << "\n";
  }
  if (options.quiet) return;
  if (result.problems.empty()) {
    std::cout << "verify: ok (" << summary(result) << ")\n";
  } else {
    std::cout << "verify: " << result.problems.size() << " checks failed\n";
  }
}

void render_json(const VerifyResult& result, const VerifyOptions& options) {
  nlohmann::ordered_json j;
  j["schemaVersion"] = 1;
  j["image"] = options.image.image;
  j["ok"] = result.problems.empty();
  j["problems"] = nlohmann::ordered_json::array();
  for (const auto& p : result.problems) {
    j["problems"].push_back({{"check", p.check}, {"where", p.where}, {"message", p.message}});
  }
  j["checked"] = nlohmann::ordered_json::object();
  for (const auto& [key, n] : result.checked) j["checked"][key] = n;
  j["runs"] = nlohmann::ordered_json::array();
  for (const auto& run : result.runs) {
    j["runs"].push_back({{"platform", run.platform},
                         {"argv", run.argv},
                         {"exitCode", run.result.exit_code},
                         {"signal", run.result.signal},
                         {"timedOut", run.result.timed_out},
                         {"seconds", run.seconds},
                         {"output", run.result.output},
                         {"droppedBytes", run.result.dropped}});
  }
  std::cout << j.dump(2) << "\n";
}

int run_verify(const VerifyOptions& options) {
  const Terminal term = Terminal::detect(options.quiet);
  if (!options.args.empty() && !options.run) {
    throw Error::usage("arguments after the image go to the program: they need --run");
  }
  if (!options.expect_output.empty()) {
    try {
      std::regex check(options.expect_output, std::regex::extended);
    } catch (const std::regex_error& e) {
      throw Error::usage("--expect-output " + options.expect_output +
                         ": not a regular expression: " + e.what());
    }
  }
  // An input that is no tar or folder at all is an error (exit 3 or 4), not a failed check.
  const auto bundle = open_bundle(options.image.image);
  // The content pass first: it reads every layer once, and the structure checks take those
  // layers as read instead of inflating them a second time.
  VerifyResult content;
  std::vector<VerifiedLayer> verified;
  add_content_checks(*bundle, options, term, content, verified);
  VerifyResult result;
  add_structure_checks(*bundle, options, verified, result);
  // An image that could not be read is explained by the structure faults, when there are any.
  if (!result.problems.empty()) {
    std::erase_if(content.problems, [](const Problem& p) { return p.check == "image"; });
  }
  result.problems.insert(result.problems.end(), std::make_move_iterator(content.problems.begin()),
                         std::make_move_iterator(content.problems.end()));
  result.checked.insert(result.checked.end(), content.checked.begin(), content.checked.end());
  result.runs = std::move(content.runs);
  if (options.format == "json") {
    render_json(result, options);
  } else {
    render_text(result, options, term);
  }
  return result.problems.empty() ? 0 : static_cast<int>(ExitCode::kCheckFailed);
}

}  // namespace

void add_verify_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<VerifyOptions>();
  CLI::App* cmd = app.add_subcommand(
      "verify",
      "Check that an image is what it states: digests, sizes, diff_ids, counts, media "
      "types, platforms");
  add_image_options(*cmd, options->image);
  cmd->add_option("--format", options->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_flag("-q,--quiet", options->quiet, "print only the FAIL lines");
  cmd->add_option("--preset", options->preset,
                  "lambda: also check AWS Lambda's rules (one image manifest, gzip layers, "
                  "absolute non-symlink entrypoint, world-readable files, read-only root)")
      ->check(CLI::IsMember({"lambda"}));
  cmd->add_flag("--run", options->run,
                "unpack the image and start its program in a sandbox (root; qemu for a "
                "foreign architecture); ARGS after -- replace the Cmd");
  cmd->add_option("--expect-exit", options->expect_exit,
                  "the exit code --run must see (default 0)");
  cmd->add_option("--expect-output", options->expect_output,
                  "an extended regular expression a line of the --run output must match (grep -E)");
  cmd->add_option("--timeout", options->timeout, "seconds --run lets the program run (default 10)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("ARGS", options->args, "with --run: the arguments (after --), replacing Cmd");
  cmd->callback([options, &exit_code] { exit_code = run_verify(*options); });
}

}  // namespace pare::cli
