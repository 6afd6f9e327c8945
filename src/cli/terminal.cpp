#include "terminal.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace pare::cli {

Terminal Terminal::detect(bool quiet) {
  Terminal t;
  const char* no_color = std::getenv("NO_COLOR");
  const bool color_allowed = no_color == nullptr || *no_color == '\0';
  t.color_stdout = color_allowed && ::isatty(STDOUT_FILENO) == 1;
  // CI runners that give jobs a pseudo-terminal keep every rewrite of the progress line in the
  // log: CI (set by GitHub Actions, GitLab CI and most others) turns it off.
  const char* ci = std::getenv("CI");
  const bool in_ci = ci != nullptr && *ci != '\0' && std::string_view(ci) != "false";
  t.show_progress = !quiet && !in_ci && ::isatty(STDERR_FILENO) == 1;
  t.quiet = quiet;
  return t;
}

void Terminal::progress_line(const std::string& text) const {
  if (show_progress) std::fprintf(stderr, "\r\033[K%s", text.c_str());
}

void Terminal::progress_done() const {
  if (show_progress) std::fprintf(stderr, "\r\033[K");
}

Progress Terminal::progress() const {
  if (!show_progress) return {};
  return Progress([](std::string_view text) {
    std::fprintf(stderr, "\r\033[K%.*s", static_cast<int>(text.size()), text.data());
  });
}

}  // namespace pare::cli
