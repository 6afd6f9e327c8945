#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "pare/fs/image_tree.hpp"
#include "pare/image/bundle.hpp"
#include "pare/image/image.hpp"
#include "pare/image/layer_reader.hpp"
#include "pare/run/sandbox.hpp"
#include "pare/util/file.hpp"
#include "pare/util/progress.hpp"

namespace pare {

/// One start of an image's program, as `docker run IMAGE [ARGS...]` would make it.
struct Probe {
  std::vector<std::string> args;  ///< the Cmd replacing the image's, when `replace_cmd`
  bool replace_cmd = false;       ///< false: the image's own Entrypoint and Cmd
};

/// How a probe ran.
struct ProbeRun {
  int number = 0;                 ///< 1-based, in the order given: "probe 2"
  std::vector<std::string> argv;  ///< what was exec'd (Entrypoint + Cmd)
  RunResult result;
};

/// What probes are run with.
struct ProbeSettings {
  std::chrono::milliseconds timeout{5000};  ///< then SIGTERM, and SIGKILL after a grace
  bool trace = true;                        ///< record every path the process tree touches
  InputLimits limits;
};

/// An image unpacked into a temporary folder of its own (unpack_rootfs), removed with it.
class UnpackedImage {
 public:
  UnpackedImage(const Bundle& bundle, const ImageTree& tree, const std::string& prefix);
  const std::filesystem::path& rootfs() const { return rootfs_; }

 private:
  TempDir dir_;
  std::filesystem::path rootfs_;
};

/// The run of `program` (argv resolved in the image, as Closure::program and argv) that the
/// image's config makes: its Env, WorkingDir, User and architecture.
RunRequest run_request_for(const Image& image, const std::filesystem::path& rootfs,
                           const std::string& program, const std::vector<std::string>& argv);

/// Runs each probe in order in `unpacked` (one rootfs for all: a later probe sees what an
/// earlier one wrote, on the source and on a slim output alike). A probe whose program is not
/// in the image is a run that exited 127, as docker reports it. Throws as run_in_sandbox does
/// (exit 4: not privileged enough to make namespaces; exit 3: a User or WorkingDir the image
/// lacks).
std::vector<ProbeRun> run_probes(const UnpackedImage& unpacked, const ImageTree& tree,
                                 const Image& image, const std::vector<Probe>& probes,
                                 const ProbeSettings& settings, const std::string& image_name,
                                 const Progress& progress = {});

/// "probe 2 (nginx -t)" for messages and plan reasons.
std::string probe_label(const ProbeRun& run);

}  // namespace pare
