#pragma once

#include <cstddef>
#include <string>

#include "pare/util/progress.hpp"

namespace pare::cli {

/// What the user's terminal allows: colors only on a TTY without NO_COLOR, progress only when
/// stderr is a TTY, --quiet is off and CI is not set.
struct Terminal {
  bool color_stdout = false;
  bool show_progress = false;
  bool quiet = false;

  static Terminal detect(bool quiet);
  /// "reading layer 2/14" on one rewritten stderr line, when progress is on.
  void progress_line(const std::string& text) const;
  /// Clears the progress line.
  void progress_done() const;
  /// A Progress for the library's pipelines that draws on this terminal.
  Progress progress() const;
};

}  // namespace pare::cli
