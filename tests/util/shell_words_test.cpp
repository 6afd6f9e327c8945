#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "pare/util/error.hpp"
#include "pare/util/shell_words.hpp"

using namespace pare;
using Words = std::vector<std::string>;

TEST_CASE("shell words: split as a shell splits, without expansions") {
  CHECK(split_shell_words("-t", "--probe") == Words{"-t"});
  CHECK(split_shell_words("-g 'daemon off;'", "--probe") == Words{"-g", "daemon off;"});
  CHECK(split_shell_words("  a\t b  ", "x") == Words{"a", "b"});
  CHECK(split_shell_words(R"(a"b c"d 'e'"f")", "x") == Words{"ab cd", "ef"});
  CHECK(split_shell_words(R"("say \"hi\" \$HOME \n")", "x") == Words{R"(say "hi" $HOME \n)"});
  CHECK(split_shell_words(R"(a\ b \'c)", "x") == Words{"a b", "'c"});
  CHECK(split_shell_words("''", "x") == Words{""});
  CHECK(split_shell_words("", "x").empty());
  CHECK(split_shell_words("$HOME *", "x") == Words{"$HOME", "*"});
}

TEST_CASE("shell words: an unterminated quote is a usage error naming what was read") {
  for (const char* bad : {"'open", "\"open", "end\\"}) {
    try {
      split_shell_words(bad, "--probe");
      FAIL("no error for " << bad);
    } catch (const Error& e) {
      CHECK(e.code() == ExitCode::kUsage);
      CHECK(std::string(e.what()).starts_with("--probe: "));
    }
  }
}
