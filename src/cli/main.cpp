#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <new>

#include "commands.hpp"
#include "pare/util/error.hpp"

namespace {

void print_error(const std::string& message, const std::string& hint) {
  std::fprintf(stderr, "pare: error: %s\n", message.c_str());
  if (!hint.empty()) std::fprintf(stderr, "hint: %s\n", hint.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pare: make container images small"};
  app.set_version_flag("--version", PARE_VERSION);
  app.require_subcommand(1);
  int exit_code = 0;
  pare::cli::add_analyze_command(app, exit_code);
  pare::cli::add_slim_command(app, exit_code);
  pare::cli::add_pack_command(app, exit_code);
  pare::cli::add_ls_command(app, exit_code);
  pare::cli::add_verify_command(app, exit_code);
  try {
    app.parse(argc, argv);
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
