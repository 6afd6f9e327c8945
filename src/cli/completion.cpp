#include "completion.hpp"

#include <iostream>
#include <memory>
#include <sstream>

#include "pare/util/error.hpp"

namespace pare::cli {

namespace {

/// The values of an IsMember check, whose description CLI11 renders as "{a,b,c}".
std::vector<std::string> choices_of(CLI::Option& option) {
  for (int i = 0;; ++i) {
    CLI::Validator* validator = nullptr;
    try {
      validator = option.get_validator(i);
    } catch (const CLI::OptionNotFound&) {
      return {};
    }
    const std::string set = validator->get_description();
    if (set.size() < 2 || set.front() != '{' || set.back() != '}') continue;
    std::vector<std::string> values;
    std::stringstream items(set.substr(1, set.size() - 2));
    for (std::string value; std::getline(items, value, ',');) values.push_back(value);
    return values;
  }
}

CompletionCommand command_of(CLI::App& app) {
  CompletionCommand command{app.get_name(), app.get_description(), {}};
  for (CLI::Option* option : app.get_options()) {
    if (!option->nonpositional()) continue;
    CompletionFlag flag;
    for (const auto& name : option->get_snames()) flag.names.push_back("-" + name);
    for (const auto& name : option->get_lnames()) flag.names.push_back("--" + name);
    flag.takes_value = option->get_expected_max() != 0;  // flags expect 0 values
    if (flag.takes_value) flag.choices = choices_of(*option);
    flag.help = option->get_description();
    command.flags.push_back(std::move(flag));
  }
  return command;
}

std::string join(const std::vector<std::string>& words, const char* separator = " ") {
  std::string out;
  for (const auto& word : words) {
    if (!out.empty()) out += separator;
    out += word;
  }
  return out;
}

/// `text` inside single quotes, for every shell here.
std::string single_quoted(std::string_view text) {
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

/// The first line of a help text: the completion menus show one line.
std::string first_line(const std::string& help) {
  return help.substr(0, help.find('\n'));
}

std::string bash_script(const std::vector<CompletionCommand>& commands) {
  std::vector<std::string> names;
  for (const auto& c : commands) {
    if (!c.name.empty()) names.push_back(c.name);
  }
  std::ostringstream out;
  out << "# bash completion for pare (made by `pare completion bash`)\n"
         "_pare() {\n"
         "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd= i\n"
         "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "    case ${COMP_WORDS[i]} in\n"
      << "      " << join(names, "|") << ") cmd=${COMP_WORDS[i]}; break ;;\n"
      << "    esac\n"
         "  done\n"
         "  local flags\n"
         "  case $cmd in\n";
  for (const auto& c : commands) {
    std::vector<std::string> all;
    for (const auto& f : c.flags) all.insert(all.end(), f.names.begin(), f.names.end());
    out << "    " << (c.name.empty() ? "''" : c.name) << ") flags=" << single_quoted(join(all))
        << " ;;\n";
  }
  out << "  esac\n"
         "  case \"$cmd $prev\" in\n";
  for (const auto& c : commands) {
    for (const auto& f : c.flags) {
      if (!f.takes_value) continue;
      std::vector<std::string> keys;
      for (const auto& n : f.names) keys.push_back(single_quoted(c.name + " " + n));
      out << "    " << join(keys, "|") << ")\n      COMPREPLY=($(compgen "
          << (f.choices.empty() ? "-f" : "-W " + single_quoted(join(f.choices)))
          << " -- \"$cur\")); return ;;\n";
    }
  }
  out << "  esac\n"
         "  if [[ $cur == -* ]]; then\n"
         "    COMPREPLY=($(compgen -W \"$flags\" -- \"$cur\"))\n"
         "  elif [[ -z $cmd ]]; then\n"
      << "    COMPREPLY=($(compgen -W " << single_quoted(join(names)) << " -- \"$cur\"))\n"
      << "  else\n"
         "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
         "  fi\n"
         "}\n"
         "complete -o filenames -F _pare pare\n";
  return out.str();
}

/// A description inside _arguments' brackets: they and the colon are special there.
std::string zsh_description(const std::string& help) {
  std::string out;
  for (const char c : first_line(help)) {
    if (c == '[' || c == ']' || c == ':' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string zsh_script(const std::vector<CompletionCommand>& commands) {
  std::ostringstream out;
  out << "#compdef pare\n"
         "# zsh completion for pare (made by `pare completion zsh`)\n"
         "_pare() {\n"
         "  local -a commands\n"
         "  commands=(\n";
  for (const auto& c : commands) {
    if (!c.name.empty()) out << "    " << single_quoted(c.name + ":" + first_line(c.help)) << "\n";
  }
  out << "  )\n"
         "  if (( CURRENT == 2 )); then\n"
         "    if [[ $words[CURRENT] == -* ]]; then\n"
         "      compadd --";
  for (const auto& c : commands) {
    if (!c.name.empty()) continue;
    for (const auto& f : c.flags) {
      for (const auto& n : f.names) out << " " << n;
    }
  }
  out << "\n"
         "    else\n"
         "      _describe -t commands 'pare command' commands\n"
         "    fi\n"
         "    return\n"
         "  fi\n"
         "  local cmd=$words[2]\n"
         "  shift words\n"
         "  (( CURRENT-- ))\n"
         "  case $cmd in\n";
  for (const auto& c : commands) {
    if (c.name.empty()) continue;
    out << "    " << c.name << ")\n      _arguments -s";
    for (const auto& f : c.flags) {
      for (const auto& n : f.names) {
        std::string spec = "*" + n + "[" + zsh_description(f.help) + "]";
        if (f.takes_value) {
          spec += f.choices.empty() ? ":value:_files" : ":value:(" + join(f.choices) + ")";
        }
        out << " \\\n        " << single_quoted(spec);
      }
    }
    out << " \\\n        '*:file:_files' ;;\n";
  }
  out << "  esac\n"
         "}\n"
         "if [[ $funcstack[1] == _pare ]]; then _pare \"$@\"; else compdef _pare pare; fi\n";
  return out.str();
}

std::string fish_script(const std::vector<CompletionCommand>& commands) {
  std::ostringstream out;
  out << "# fish completion for pare (made by `pare completion fish`)\n"
         "complete -c pare -f\n";
  for (const auto& c : commands) {
    const std::string when =
        c.name.empty() ? "__fish_use_subcommand" : "__fish_seen_subcommand_from " + c.name;
    if (!c.name.empty()) {
      out << "complete -c pare -n __fish_use_subcommand -a " << c.name << " -d "
          << single_quoted(first_line(c.help)) << "\n";
      out << "complete -c pare -n " << single_quoted(when) << " -F\n";
    }
    for (const auto& f : c.flags) {
      out << "complete -c pare -n " << single_quoted(when);
      for (const auto& n : f.names)
        out << (n.size() == 2 ? " -s " : " -l ") << n.substr(n.find_first_not_of('-'));
      if (f.takes_value) {
        out << " -r";
        out << (f.choices.empty() ? " -F" : " -f -a " + single_quoted(join(f.choices)));
      }
      out << " -d " << single_quoted(first_line(f.help)) << "\n";
    }
  }
  return out.str();
}

}  // namespace

std::vector<CompletionCommand> completion_model(CLI::App& app) {
  std::vector<CompletionCommand> commands{command_of(app)};
  commands.front().name.clear();
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    commands.push_back(command_of(*sub));
  }
  return commands;
}

std::string completion_script(const std::vector<CompletionCommand>& commands,
                              std::string_view shell) {
  if (shell == "bash") return bash_script(commands);
  if (shell == "zsh") return zsh_script(commands);
  if (shell == "fish") return fish_script(commands);
  throw Error::usage("completion: no such shell: " + std::string(shell));
}

void add_completion_command(CLI::App& app, int& exit_code) {
  auto shell = std::make_shared<std::string>();
  CLI::App* cmd =
      app.add_subcommand("completion", "Print the shell completion script for bash, zsh or fish");
  cmd->add_option("SHELL", *shell, "bash, zsh or fish")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));
  cmd->callback([&app, shell, &exit_code] {
    std::cout << completion_script(completion_model(app), *shell);
    exit_code = 0;
  });
}

}  // namespace pare::cli
