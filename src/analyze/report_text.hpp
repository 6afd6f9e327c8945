#pragma once

// Text the report's renderers share (HTML and Markdown): long names shortened, commands on one
// line, counts as people read them.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace pare {

/// `text` cut to at most `max` bytes (max >= 8) at UTF-8 character boundaries, with an ellipsis
/// in the middle: a long path keeps its first folders and its file name.
std::string shorten_middle(std::string_view text, std::size_t max);

/// A layer's command on one line: tabs and newlines as spaces, Docker's "/bin/sh -c #(nop) "
/// prefix dropped.
std::string command_line(std::string text);

/// 12345 -> "12,345".
std::string with_commas(std::uint64_t n);

/// 0.9712 -> "97.12%".
std::string percent(double ratio);

}  // namespace pare
