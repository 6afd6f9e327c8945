#include <algorithm>
#include <sstream>

#include "pare/diff/render.hpp"
#include "pare/util/format.hpp"
#include "render_support.hpp"

namespace pare {

namespace {

using namespace diff_render;

using Row = std::vector<std::string>;

/// Rows as aligned lines, each column as wide as its widest cell (`right`: numbers, aligned
/// right), two spaces apart, after `indent`; no trailing spaces, no newline.
std::vector<std::string> columns(const std::vector<Row>& rows, const std::vector<bool>& right,
                                 const std::string& indent) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (std::size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(row[i]));
    }
  }
  std::vector<std::string> lines;
  lines.reserve(rows.size());
  for (const auto& row : rows) {
    std::string line = indent;
    for (std::size_t i = 0; i < row.size(); ++i) {
      const std::string pad(widths[i] - display_width(row[i]), ' ');
      const bool align_right = i < right.size() && right[i];
      line += align_right ? pad + row[i] : row[i] + pad;
      if (i + 1 < row.size()) line += "  ";
    }
    line.erase(line.find_last_not_of(' ') + 1);
    lines.push_back(std::move(line));
  }
  return lines;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

class TextRenderer {
 public:
  TextRenderer(const DiffReport& report, std::size_t top, bool color)
      : r_(report), top_(top), bold_(color ? "\033[1m" : ""), reset_(color ? "\033[0m" : "") {}

  std::string run() {
    heading();
    sizes();
    const bool reasons = r_.slim.planned;
    paths("ADDED", r_.tree.added, [&](const PathChange& p) {
      Row row{printable(p.path), std::string(to_string(p.b.type)), state_detail(p.b)};
      if (reasons) row.push_back(printable(p.reason));
      return row;
    });
    paths("REMOVED", r_.tree.removed, [](const PathChange& p) {
      return Row{printable(p.path), std::string(to_string(p.a.type)), state_detail(p.a)};
    });
    paths("CHANGED", r_.tree.changed, [&](const PathChange& p) {
      std::string names;
      std::string details;
      for (const auto& a : aspects(p)) {
        names += (names.empty() ? "" : ", ") + a.name;
        details += (details.empty() ? "" : "; ") + a.a + " -> " + a.b;
      }
      Row row{printable(p.path), names, details};
      if (reasons) row.push_back(printable(p.reason));
      return row;
    });
    kept();
    return out_.str();
  }

 private:
  void heading() {
    std::vector<Row> rows;
    for (const auto* side : {&r_.a, &r_.b}) {
      rows.push_back({side == &r_.a ? "A" : "B", printable(side->source), side->format,
                      side->platform, side->config_digest});
    }
    out_ << joined(columns(rows, {}, "")) << "\n" << counts_line(r_.tree) << "\n";
  }

  void sizes() {
    const TreeDiff& t = r_.tree;
    std::vector<Row> rows{{"FOLDER", "A", "B", "DIFFERENCE"}};
    const std::size_t shown = std::min(top_, t.folders.size());
    for (std::size_t i = 0; i < shown; ++i) {
      const FolderSize& f = t.folders[i];
      rows.push_back(
          {printable(f.folder), human_size(f.a), human_size(f.b), signed_size(f.a, f.b)});
    }
    std::string total = signed_size(t.size_a, t.size_b);
    if (const auto p = percent_change(t.size_a, t.size_b)) total += " (" + percent_text(*p) + ")";
    rows.push_back({"total", human_size(t.size_a), human_size(t.size_b), total});
    const auto lines = columns(rows, {false, true, true, false}, "");
    out_ << "\n" << bold_ << lines.front() << reset_ << "\n";
    for (std::size_t i = 1; i + 1 < lines.size(); ++i) out_ << lines[i] << "\n";
    out_ << more(t.folders.size() - shown, "") << lines.back() << "\n";
  }

  template <typename RowOf>
  void paths(const char* title, const std::vector<PathChange>& list, const RowOf& row_of) {
    if (list.empty()) return;
    out_ << "\n" << bold_ << title << reset_ << "  " << plural(list.size(), "path") << "\n";
    std::vector<Row> rows;
    const std::size_t shown = std::min(top_, list.size());
    for (std::size_t i = 0; i < shown; ++i) rows.push_back(row_of(list[i]));
    out_ << joined(columns(rows, {}, "  ")) << more(list.size() - shown, "  ");
  }

  void kept() {
    const SlimReasons& s = r_.slim;
    if (!s.detected) return;
    out_ << "\n"
         << bold_ << "WHY KEPT" << reset_ << "  B's history says \"" << printable(s.created_by)
         << "\" made it";
    if (!s.planned) {
      out_ << ", but " << printable(s.note) << "\n";
      return;
    }
    out_ << "; A planned again with B's Entrypoint, Cmd, Env, User and WorkingDir: "
         << plural(s.kept.size(), "path") << " in both\n";
    std::vector<Row> rows;
    const std::size_t shown = std::min(top_, s.kept.size());
    for (std::size_t i = 0; i < shown; ++i) {
      rows.push_back({printable(s.kept[i].path), printable(s.kept[i].reason)});
    }
    out_ << joined(columns(rows, {}, "  ")) << more(s.kept.size() - shown, "  ");
  }

  static std::string more(std::size_t left, const std::string& indent) {
    if (left == 0) return "";
    return indent + "... and " + std::to_string(left) + " more\n";
  }

  const DiffReport& r_;
  std::size_t top_;
  std::string bold_;
  std::string reset_;
  std::ostringstream out_;
};

}  // namespace

std::string render_text(const DiffReport& report, std::size_t top, bool color) {
  return TextRenderer(report, top, color).run();
}

}  // namespace pare
