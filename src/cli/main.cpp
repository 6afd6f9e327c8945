#include <malloc.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include "commands.hpp"
#include "completion.hpp"
#include "pare/util/error.hpp"
#include "pare/util/signal_cleanup.hpp"
#include "version.hpp"

namespace {

void print_error(const std::string& message, const std::string& hint) {
  std::fprintf(stderr, "pare: error: %s\n", message.c_str());
  if (!hint.empty()) std::fprintf(stderr, "hint: %s\n", hint.c_str());
}

/// The arguments with each `--probe VALUE` joined into `--probe=VALUE`, so that a probe's
/// own flags (`--probe -t`) are its value, not options of pare; reversed, as CLI11 takes them.
std::vector<std::string> arguments(int argc, char** argv) {
  std::vector<std::string> args;
  args.reserve(static_cast<std::size_t>(argc));
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") {
      for (; i < argc; ++i) args.emplace_back(argv[i]);
      break;
    }
    if (arg == "--probe" && i + 1 < argc) {
      args.push_back(arg + "=" + argv[++i]);
    } else {
      args.push_back(arg);
    }
  }
  std::reverse(args.begin(), args.end());
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  // Layers are read on threads of their own and their entries merged on this one: glibc's
  // per-thread arenas would each keep the freed halves of those vectors (40 MiB more at peak on
  // a 45,000-entry image). One arena: the hot loops (inflate, hash) do not allocate.
  mallopt(M_ARENA_MAX, 1);
  pare::install_signal_cleanup();  // before any thread starts: they inherit the blocked signals
  CLI::App app{"pare: make container images small"};
  app.set_version_flag(
      "--version", [] { return pare::cli::version_text(); },
      "print the version of pare and of the libraries it runs with");
  app.require_subcommand(1);
  int exit_code = 0;
  pare::cli::add_analyze_command(app, exit_code);
  pare::cli::add_slim_command(app, exit_code);
  pare::cli::add_pack_command(app, exit_code);
  pare::cli::add_ls_command(app, exit_code);
  pare::cli::add_verify_command(app, exit_code);
  pare::cli::add_sbom_command(app, exit_code);
  pare::cli::add_diff_command(app, exit_code);
  pare::cli::add_completion_command(app, exit_code);
  try {
    std::vector<std::string> args = arguments(argc, argv);
    app.parse(args);
    return exit_code;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    print_error(e.what(), "run 'pare --help' (or 'pare COMMAND --help') for usage");
    return static_cast<int>(pare::ExitCode::kUsage);
  } catch (const pare::Error& e) {
    print_error(e.what(), e.hint());
    return static_cast<int>(e.code());
  } catch (const std::bad_alloc&) {
    print_error("out of memory", "");
    return static_cast<int>(pare::ExitCode::kSystem);
  } catch (const std::exception& e) {
    print_error(e.what(), "");
    return static_cast<int>(pare::ExitCode::kSystem);
  }
}
