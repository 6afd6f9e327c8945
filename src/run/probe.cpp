#include "pare/run/probe.hpp"

#include "pare/deps/resolver.hpp"
#include "pare/run/unpack.hpp"
#include "pare/util/path.hpp"

namespace pare {

UnpackedImage::UnpackedImage(const Bundle& bundle, const ImageTree& tree, const std::string& prefix)
    : dir_(prefix), rootfs_(dir_.path() / "rootfs") {
  std::filesystem::create_directory(rootfs_);
  unpack_rootfs(bundle, tree, rootfs_);
}

RunRequest run_request_for(const Image& image, const std::filesystem::path& rootfs,
                           const std::string& program, const std::vector<std::string>& argv) {
  RunRequest run;
  run.rootfs = rootfs;
  run.program = program;
  run.argv = argv;
  run.env = image.config.config.env;
  run.working_dir = image.config.config.working_dir;
  run.user = image.config.config.user;
  run.architecture = image.config.architecture;
  return run;
}

std::vector<ProbeRun> run_probes(const UnpackedImage& unpacked, const ImageTree& tree,
                                 const Image& image, const std::vector<Probe>& probes,
                                 const ProbeSettings& settings, const std::string& image_name,
                                 const Progress& progress) {
  std::vector<ProbeRun> runs;
  runs.reserve(probes.size());
  for (const Probe& probe : probes) {
    ProbeRun run;
    run.number = static_cast<int>(runs.size()) + 1;
    Config config = image.config;
    if (probe.replace_cmd) config.config.cmd = probe.args;
    const Closure program = resolve_closure(tree, config, image_name);
    run.argv = program.argv;
    progress(probe_label(run) + ": running");
    if (program.program.empty()) {
      run.result.exit_code = 127;
      run.result.output = std::string("pare: exec ")
                              .append(run.argv.empty() ? std::string() : run.argv.front())
                              .append(": not in the image\n");
      runs.push_back(std::move(run));
      continue;
    }
    RunRequest request = run_request_for(image, unpacked.rootfs(), program.program, program.argv);
    request.timeout = settings.timeout;
    request.terminate_at_timeout = true;
    request.trace = settings.trace;
    request.split_stderr = true;  // a check compares the standard output
    run.result = run_in_sandbox(request);
    runs.push_back(std::move(run));
  }
  progress.done();
  return runs;
}

std::string probe_label(const ProbeRun& run) {
  std::string label = "probe " + std::to_string(run.number);
  if (!run.argv.empty()) {
    label.append(" (").append(base_name(run.argv.front()));
    for (std::size_t i = 1; i < run.argv.size(); ++i) label.append(" ").append(run.argv[i]);
    label.append(")");
  }
  return label;
}

}  // namespace pare
