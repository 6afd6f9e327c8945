#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace pare::cli {

/// One flag of a command as a shell completes it.
struct CompletionFlag {
  std::vector<std::string> names;    ///< "-o", "--output"
  bool takes_value = false;          ///< else a switch
  std::vector<std::string> choices;  ///< the values an IsMember check allows; empty: any (a file)
  std::string help;
};

/// One command (or the top level, with an empty name) and what follows it.
struct CompletionCommand {
  std::string name;
  std::string help;
  std::vector<CompletionFlag> flags;
};

/// The commands and flags of `app`, read off the parser itself so completions never drift from
/// `--help`: the top level first, then each subcommand in the order it was added.
std::vector<CompletionCommand> completion_model(CLI::App& app);

/// The completion script of `shell` ("bash", "zsh" or "fish") for `commands`. Positional
/// arguments complete as file names (images, binaries, folders).
std::string completion_script(const std::vector<CompletionCommand>& commands,
                              std::string_view shell);

/// Adds `pare completion SHELL`, which prints completion_script for the whole app.
void add_completion_command(CLI::App& app, int& exit_code);

}  // namespace pare::cli
