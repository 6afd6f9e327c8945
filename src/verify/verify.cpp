#include "pare/verify/verify.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <regex>

#include "pare/deps/resolver.hpp"
#include "pare/fs/image_tree.hpp"
#include "pare/run/probe.hpp"
#include "pare/util/error.hpp"
#include "pare/util/file.hpp"
#include "pare/verify/content.hpp"
#include "pare/verify/structure.hpp"

namespace pare {

namespace {

/// The check id of an image the content pass could not read: the structure checks usually
/// name the fault better.
constexpr const char* kUnreadableImage = "image";

std::string seconds_text(std::chrono::milliseconds timeout) {
  char secs[32];
  std::snprintf(secs, sizeof secs, "%g", static_cast<double>(timeout.count()) / 1000.0);
  return secs;
}

/// The program to exec: the one the content checks resolved, unless ARGS replace the Cmd
/// (which may change what argv[0] is).
Closure program_for(const ImageTree& tree, const Image& image, const VerifyRequest& request,
                    const std::string& name, const Closure& configured) {
  if (request.args.empty()) return configured;
  Config config = image.config;
  config.config.cmd = request.args;
  return resolve_closure(tree, config, name);
}

/// Unpacks the image into a temporary folder, starts its program in the sandbox and checks
/// how it ended against the request.
void run_image(const Bundle& bundle, const Image& image, const ImageTree& tree,
               const Closure& configured, const std::string& label, const VerifyRequest& request,
               const Progress& progress, VerifyReport& report) {
  const Closure program = program_for(tree, image, request, bundle.describe(), configured);
  if (program.program.empty()) {
    report.problems.push_back({"run", label, "not started: no program to exec"});
    return;
  }
  progress(label + ": unpacking");
  const UnpackedImage unpacked(bundle, tree, "pare-verify");
  progress.done();
  RunRequest run = run_request_for(image, unpacked.rootfs(), program.program, program.argv);
  run.timeout = request.timeout;
  RunRecord record;
  record.platform = label;
  record.argv = program.argv;
  const auto start = std::chrono::steady_clock::now();
  record.result = run_in_sandbox(run);
  record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const RunResult& r = record.result;
  if (r.timed_out) {
    report.problems.push_back(
        {"run", label,
         "still running after " + seconds_text(request.timeout) + " s: killed (--timeout)"});
  } else if (r.exit_code != request.expect_exit) {
    report.problems.push_back(
        {"run", label,
         "exited " + std::to_string(r.exit_code) +
             (r.signal != 0 ? " (signal " + std::to_string(r.signal) + ")" : std::string()) +
             ", expected " + std::to_string(request.expect_exit)});
  }
  if (!request.expect_output.empty() && !output_matches(r.output, request.expect_output)) {
    report.problems.push_back(
        {"run-output", label, "the output does not match /" + request.expect_output + "/"});
  }
  report.runs.push_back(std::move(record));
}

/// An image is named by its platform, and by its name when the input holds several.
std::string label_of(const Image& image, const std::vector<Image>& images) {
  std::string label = image.platform().str();
  if (images.size() > 1 && !image.names.empty() &&
      std::any_of(images.begin(), images.end(),
                  [&](const Image& other) { return other.names != image.names; })) {
    label = image.names.front() + " " + label;
  }
  return label;
}

/// What the image's program needs, the Lambda rules, and the run, for each image the selector
/// picks (every platform when none is named). Each layer read here is verified as it streams
/// (digest, size, diff_id, a tar within the limits); `verified` receives them, so the
/// structure checks need not inflate them again.
void check_contents(const Bundle& bundle, const VerifyRequest& request, const Progress& progress,
                    VerifyReport& report, std::vector<VerifiedLayer>& verified) {
  std::vector<Image> images;
  try {
    images = load_images(bundle, request.selector, request.limits);
  } catch (const Error& e) {
    if (e.code() != ExitCode::kBadInput) throw;
    report.problems.push_back({kUnreadableImage, bundle.describe(), e.what()});
    return;
  }
  std::uint64_t programs = 0;
  for (const Image& image : images) {
    std::optional<ImageTree> tree;
    try {
      BuildTreeOptions reading;
      reading.limits = request.limits;
      reading.capture = capture_for_content;
      reading.on_layer = [&](std::size_t i, std::uint64_t read, std::uint64_t total) {
        progress(layer_progress(i, image.layers.size(), read, total));
      };
      tree = build_tree(bundle, image, reading);
      progress.done();
    } catch (const Error& e) {
      progress.done();
      if (e.code() != ExitCode::kBadInput) throw;
      report.problems.push_back({kUnreadableImage, bundle.describe(), e.what()});
      continue;
    }
    for (std::size_t i = 0; i < image.layers.size(); ++i) {
      const LayerStats& stats = tree->layers[i].stats;
      verified.push_back({image.layers[i].path, stats.digest, stats.compressed_size,
                          stats.compression, image.layers[i].diff_id});
    }
    const std::string label = label_of(image, images);
    const std::string prefix = images.size() > 1 ? label + " " : "";
    ContentReport content = check_content(*tree, image, bundle.describe());
    if (content.closure.program_class != ProgramClass::kNone) ++programs;
    const std::string first_problem =
        content.problems.empty() ? std::string() : content.problems.front().check;
    for (auto& p : content.problems) {
      p.where = prefix + p.where;
      report.problems.push_back(std::move(p));
    }
    if (request.preset == Preset::kLambda) {
      for (auto& p : check_lambda(lambda_facts(bundle, image, *tree))) {
        p.where = prefix + p.where;
        report.problems.push_back(std::move(p));
      }
    }
    if (!request.run) continue;
    if (!first_problem.empty() || content.closure.program_class == ProgramClass::kNone) {
      report.problems.push_back(
          {"run", label,
           "not started: " + (first_problem.empty() ? std::string("no Entrypoint and no Cmd")
                                                    : "the " + first_problem + " check failed")});
      continue;
    }
    run_image(bundle, image, *tree, content.closure, label, request, progress, report);
  }
  report.checked.emplace_back("programs", programs);
  if (request.run) report.checked.emplace_back("runs", report.runs.size());
}

VerifyReport structure_checks(const Bundle& bundle, const VerifyRequest& request,
                              std::vector<VerifiedLayer> verified) {
  StructureOptions options;
  options.limits = request.limits;
  options.verified = std::move(verified);
  options.selector = request.selector;
  StructureReport structure = verify_structure(bundle, options);
  VerifyReport report;
  report.problems = std::move(structure.problems);
  const StructureCounts& c = structure.counts;
  report.checked = {{"blobs", c.blobs},     {"indexes", c.indexes}, {"manifests", c.manifests},
                    {"configs", c.configs}, {"layers", c.layers},   {"bytes", c.bytes}};
  return report;
}

}  // namespace

void validate(const VerifyRequest& request) {
  if (!request.args.empty() && !request.run) {
    throw Error::usage("arguments after the image go to the program: they need --run");
  }
  if (!request.expect_output.empty()) {
    try {
      const std::regex check(request.expect_output, std::regex::extended);
    } catch (const std::regex_error& e) {
      throw Error::usage("--expect-output " + request.expect_output +
                         ": not a regular expression: " + e.what());
    }
  }
}

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

VerifyReport verify_image(const Bundle& bundle, const VerifyRequest& request,
                          const Progress& progress) {
  validate(request);
  // The content pass first: it reads every layer once, and the structure checks take those
  // layers as read instead of inflating them a second time.
  VerifyReport content;
  std::vector<VerifiedLayer> verified;
  check_contents(bundle, request, progress, content, verified);
  VerifyReport report = structure_checks(bundle, request, std::move(verified));
  // An image that could not be read is explained by the structure faults, when there are any.
  if (!report.problems.empty()) {
    std::erase_if(content.problems, [](const Problem& p) { return p.check == kUnreadableImage; });
  }
  report.problems.insert(report.problems.end(), std::make_move_iterator(content.problems.begin()),
                         std::make_move_iterator(content.problems.end()));
  report.checked.insert(report.checked.end(), content.checked.begin(), content.checked.end());
  report.runs = std::move(content.runs);
  return report;
}

}  // namespace pare
