#include "pare/util/shell_words.hpp"

#include "pare/util/error.hpp"

namespace pare {

std::vector<std::string> split_shell_words(std::string_view text, std::string_view what) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  const auto fail = [&](std::string_view why) {
    throw Error::usage(std::string(what).append(": ").append(why).append(" in: ").append(text));
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\'') {
      const auto end = text.find('\'', i + 1);
      if (end == std::string_view::npos) fail("unterminated single quote");
      word.append(text.substr(i + 1, end - i - 1));
      i = end;
    } else if (c == '"') {
      bool closed = false;
      for (++i; i < text.size(); ++i) {
        const char d = text[i];
        if (d == '"') {
          closed = true;
          break;
        }
        if (d == '\\' && i + 1 < text.size()) {
          const char next = text[i + 1];
          if (next == '\n') {
            ++i;
            continue;
          }
          if (next == '"' || next == '\\' || next == '$' || next == '`') {
            word += next;
            ++i;
            continue;
          }
        }
        word += d;
      }
      if (!closed) fail("unterminated double quote");
    } else if (c == '\\') {
      if (i + 1 == text.size()) fail("trailing backslash");
      if (text[i + 1] != '\n') word += text[i + 1];
      ++i;
    } else {
      word += c;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

}  // namespace pare
