#include <algorithm>
#include <sstream>

#include "pare/diff/render.hpp"
#include "pare/util/format.hpp"
#include "render_support.hpp"

namespace pare {

namespace {

using namespace diff_render;

/// A cell's longest text: 50 rows of four cells a table stay far below GitHub's limit whatever
/// the paths (PATH_MAX is 4096).
constexpr std::size_t kMaxCellBytes = 200;

/// At most kMaxCellBytes, cut before a UTF-8 continuation byte, "..." marking the cut.
std::string clipped(std::string text) {
  if (text.size() <= kMaxCellBytes) return text;
  std::size_t cut = kMaxCellBytes - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0U) == 0x80U) --cut;
  return text.substr(0, cut) + "...";
}

/// Text in a table cell: printable, clipped, and its pipes escaped (GitHub splits cells on
/// them even inside code spans).
std::string cell(const std::string& text) {
  std::string out;
  for (const char c : clipped(printable(text))) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

/// A path as a code span; one holding a backtick is fenced by two and padded, as CommonMark
/// allows.
std::string code(const std::string& text) {
  if (text.empty()) return "";
  const std::string c = cell(text);
  if (c.find('`') != std::string::npos) return "`` " + c + " ``";
  return "`" + c + "`";
}

class MarkdownRenderer {
 public:
  MarkdownRenderer(const DiffReport& report, std::size_t top) : r_(report), top_(top) {}

  std::string run() {
    out_ << "### pare diff: " << code(r_.a.source) << " → " << code(r_.b.source) << "\n\n";
    out_ << "| | image | format | platform | config |\n|---|---|---|---|---|\n";
    for (const auto* s : {&r_.a, &r_.b}) {
      out_ << "| " << (s == &r_.a ? "A" : "B") << " | " << code(s->source) << " | " << s->format
           << " | " << s->platform << " | `" << s->config_digest << "` |\n";
    }
    out_ << "\n**" << counts_line(r_.tree) << "**\n";
    sizes();
    const bool reasons = r_.slim.planned;
    table("Added", r_.tree.added,
          reasons ? "| path | type | size or target | reason |\n|---|---|---|---|\n"
                  : "| path | type | size or target |\n|---|---|---|\n",
          [&](const PathChange& p) {
            std::string row = "| " + code(p.path) + " | " + std::string(to_string(p.b.type)) +
                              " | " + cell(state_detail(p.b)) + " |";
            if (reasons) row += " " + cell(p.reason) + " |";
            return row;
          });
    table("Removed", r_.tree.removed, "| path | type | size or target |\n|---|---|---|\n",
          [](const PathChange& p) {
            return "| " + code(p.path) + " | " + std::string(to_string(p.a.type)) + " | " +
                   cell(state_detail(p.a)) + " |";
          });
    table("Changed", r_.tree.changed,
          reasons ? "| path | what | A | B | reason |\n|---|---|---|---|---|\n"
                  : "| path | what | A | B |\n|---|---|---|---|\n",
          [&](const PathChange& p) {
            std::string names;
            std::string a;
            std::string b;
            for (const auto& x : aspects(p)) {
              const std::string sep = names.empty() ? "" : ", ";
              names += sep + x.name;
              a += sep + x.a;
              b += sep + x.b;
            }
            std::string row =
                "| " + code(p.path) + " | " + names + " | " + cell(a) + " | " + cell(b) + " |";
            if (reasons) row += " " + cell(p.reason) + " |";
            return row;
          });
    kept();
    return out_.str();
  }

 private:
  void sizes() {
    const TreeDiff& t = r_.tree;
    out_ << "\n| folder | A | B | difference |\n|---|---:|---:|---:|\n";
    const std::size_t shown = std::min(top_, t.folders.size());
    for (std::size_t i = 0; i < shown; ++i) {
      const FolderSize& f = t.folders[i];
      out_ << "| " << code(f.folder) << " | " << human_size(f.a) << " | " << human_size(f.b)
           << " | " << signed_size(f.a, f.b) << " |\n";
    }
    if (shown < t.folders.size()) {
      out_ << "| ... and " << t.folders.size() - shown << " more | | | |\n";
    }
    std::string total = signed_size(t.size_a, t.size_b);
    if (const auto p = percent_change(t.size_a, t.size_b)) total += " (" + percent_text(*p) + ")";
    out_ << "| **total** | " << human_size(t.size_a) << " | " << human_size(t.size_b) << " | "
         << total << " |\n";
  }

  template <typename RowOf>
  void table(const char* title, const std::vector<PathChange>& list, const char* head,
             const RowOf& row_of) {
    if (list.empty()) return;
    out_ << "\n#### " << title << ": " << plural(list.size(), "path") << "\n\n" << head;
    const std::size_t shown = std::min(top_, list.size());
    for (std::size_t i = 0; i < shown; ++i) out_ << row_of(list[i]) << "\n";
    more(list.size() - shown);
  }

  void kept() {
    const SlimReasons& s = r_.slim;
    if (!s.detected) return;
    out_ << "\n#### Why B kept it\n\nB's history says `" << cell(s.created_by) << "` made it";
    if (!s.planned) {
      out_ << ", but " << cell(s.note) << "\n";
      return;
    }
    out_ << "; A planned again with B's Entrypoint, Cmd, Env, User and WorkingDir: "
         << plural(s.kept.size(), "path") << " in both.\n\n| path | reason |\n|---|---|\n";
    const std::size_t shown = std::min(top_, s.kept.size());
    for (std::size_t i = 0; i < shown; ++i) {
      out_ << "| " << code(s.kept[i].path) << " | " << cell(s.kept[i].reason) << " |\n";
    }
    more(s.kept.size() - shown);
  }

  void more(std::size_t left) {
    if (left != 0) {
      out_ << "\n... and " << left << " more (`--format json` lists every path)\n";
    }
  }

  const DiffReport& r_;
  std::size_t top_;
  std::ostringstream out_;
};

}  // namespace

std::string render_markdown(const DiffReport& report, std::size_t top) {
  return MarkdownRenderer(report, top).run();
}

}  // namespace pare
