#pragma once

#include <CLI/CLI.hpp>

namespace pare::cli {

/// Each adds one subcommand whose callback runs it and stores its exit code in `exit_code`.
void add_analyze_command(CLI::App& app, int& exit_code);
void add_diff_command(CLI::App& app, int& exit_code);
void add_ls_command(CLI::App& app, int& exit_code);
void add_pack_command(CLI::App& app, int& exit_code);
void add_sbom_command(CLI::App& app, int& exit_code);
void add_slim_command(CLI::App& app, int& exit_code);
void add_verify_command(CLI::App& app, int& exit_code);

}  // namespace pare::cli
