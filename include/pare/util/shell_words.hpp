#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pare {

/// Splits `text` into words as a POSIX shell does without expansions: blanks separate words;
/// 'single quotes' keep everything; "double quotes" keep everything but \" \\ \$ \` (and a
/// backslash-newline, removed); a backslash outside quotes keeps the next character. "-g
/// 'daemon off;'" is {"-g", "daemon off;"}. Throws Error (exit 2) on an unterminated quote or a
/// trailing backslash, naming `what`.
std::vector<std::string> split_shell_words(std::string_view text, std::string_view what);

}  // namespace pare
