#pragma once

// What the text and markdown renderers of a diff say alike: the words for a path's state and
// its changes, signed sizes, and printable paths. Private to src/diff.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pare/diff/compare.hpp"

namespace pare::diff_render {

/// A path's bytes with each control byte (and DEL) as \xHH, so one path is one line.
std::string printable(std::string_view text);

/// "0644", "4755": permission bits in octal.
std::string octal_mode(std::uint32_t mode);

/// "+1.2 kB", "-300 B", "0 B".
std::string signed_size(std::uint64_t a, std::uint64_t b);

/// (b - a) / a in percent, rounded to 0.01; nullopt when a is 0.
std::optional<double> percent_change(std::uint64_t a, std::uint64_t b);

/// "+12.5%", "-66.7%" (one decimal).
std::string percent_text(double percent);

/// What a path holds, in a few words: "file 12 B", "symlink to x", "dir", "chardev 1:3".
std::string state_words(const PathState& state);

/// The part after the type in state_words: "12 B", "-> x", "1:3", or "".
std::string state_detail(const PathState& state);

/// One kind of change of a changed path and the two sides of it.
struct Aspect {
  std::string name;  ///< "type", "content", "mode", "owner", "link"
  std::string a;
  std::string b;
};

/// What changed, in the order type, content, mode, owner, link.
std::vector<Aspect> aspects(const PathChange& change);

/// "1 added, 1 removed, 6 changed, 9 the same", or "no differences: 9 paths the same".
std::string counts_line(const TreeDiff& diff);

/// Display width: UTF-8 code points.
std::size_t display_width(std::string_view text);

}  // namespace pare::diff_render
