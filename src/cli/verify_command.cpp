#include <chrono>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "image_options.hpp"
#include "pare/util/error.hpp"
#include "pare/verify/report.hpp"
#include "pare/verify/verify.hpp"
#include "terminal.hpp"

namespace pare::cli {

namespace {

struct VerifyOptions {
  ImageOptions image;
  std::string format = "text";
  bool quiet = false;
  VerifyRequest request;
  double timeout = 10;
};

int run_verify(VerifyOptions& options) {
  const Terminal term = Terminal::detect(options.quiet);
  VerifyRequest& request = options.request;
  request.selector = options.image.selector();
  request.limits = options.image.limits();
  request.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(options.timeout * 1000));
  validate(request);
  // An input that is no tar or folder at all is an error (exit 3 or 4), not a failed check.
  const auto bundle = options.image.open();
  const VerifyReport report = verify_image(*bundle, request, term.progress());
  if (options.format == "json") {
    std::cout << to_json(report, options.image.image).dump(2) << "\n";
  } else {
    std::cout << render_text(report, term.color_stdout, options.quiet);
  }
  return report.ok() ? 0 : static_cast<int>(ExitCode::kCheckFailed);
}

}  // namespace

void add_verify_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<VerifyOptions>();
  VerifyRequest& request = options->request;
  CLI::App* cmd = app.add_subcommand(
      "verify",
      "Check that an image is what it states: digests, sizes, diff_ids, counts, media "
      "types, platforms");
  add_image_options(*cmd, options->image);
  cmd->add_option("--format", options->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_flag("-q,--quiet", options->quiet, "print only the FAIL lines");
  add_preset_option(*cmd, request.preset,
                    "lambda: also check AWS Lambda's rules (one image manifest, gzip layers, "
                    "absolute non-symlink entrypoint, world-readable files, read-only root)");
  cmd->add_flag("--run", request.run,
                "unpack the image and start its program in a sandbox (root; qemu for a "
                "foreign architecture); ARGS after -- replace the Cmd");
  cmd->add_option("--expect-exit", request.expect_exit, "the exit code --run must see (default 0)");
  cmd->add_option("--expect-output", request.expect_output,
                  "an extended regular expression a line of the --run output must match (grep -E)");
  cmd->add_option("--timeout", options->timeout, "seconds --run lets the program run (default 10)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("ARGS", request.args, "with --run: the arguments (after --), replacing Cmd");
  cmd->callback([options, &exit_code] { exit_code = run_verify(*options); });
}

}  // namespace pare::cli
