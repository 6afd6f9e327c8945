#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

#include "pare/analyze/report.hpp"
#include "pare/util/format.hpp"
#include "report_text.hpp"

namespace pare {

namespace {

constexpr std::size_t kMaxPath = 120;     ///< bytes of a path in a cell
constexpr std::size_t kMaxCommand = 100;  ///< bytes of a layer's command
constexpr std::size_t kMaxMessage = 400;  ///< bytes of a gate's message or a warning

/// One line of text: control characters as spaces (a newline would end the table row).
std::string flat(std::string_view text) {
  std::string out(text);
  std::replace_if(
      out.begin(), out.end(), [](char c) { return (c >= 0 && c < 0x20) || c == 0x7F; }, ' ');
  return out;
}

/// Text from the image as a code span in a table cell: shortened, `|` escaped (GitHub's
/// tables split on it even inside code), fenced by more backticks than it holds.
std::string code(std::string_view text, std::size_t max) {
  std::string s = shorten_middle(flat(text), max);
  std::size_t run = 0;
  std::size_t longest = 0;
  std::string escaped;
  for (const char c : s) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
    if (c == '|') escaped += '\\';
    escaped += c;
  }
  const std::string fence(longest + 1, '`');
  const bool pad = !escaped.empty() && (escaped.front() == '`' || escaped.back() == '`');
  return fence + (pad ? " " : "") + escaped + (pad ? " " : "") + fence;
}

/// pare's own words (they may quote the image) as table text: shortened, one line, `|`
/// escaped, and a `<` or `&` that could open an HTML tag, comment or reference written as a
/// reference ("4 <= 10" stays as it is).
std::string plain(std::string_view text, std::size_t max) {
  const std::string s = shorten_middle(flat(text), max);
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const char next = i + 1 < s.size() ? s[i + 1] : ' ';
    const bool word = std::isalnum(static_cast<unsigned char>(next)) != 0;
    if (c == '|') {
      out += "\\|";
    } else if (c == '<' && (word || next == '/' || next == '!' || next == '?')) {
      out += "&lt;";
    } else if (c == '&' && (word || next == '#')) {
      out += "&amp;";
    } else {
      out += c;
    }
  }
  return out;
}

/// Markdown that stays under a byte cap: a block is added only while it leaves room for the
/// lines saying what was cut, which then always fit.
class CappedMarkdown {
 public:
  explicit CappedMarkdown(std::size_t cap) : cap_(cap) {}

  /// Appends `text` if it fits below the cap with room to spare; false when it does not.
  bool add(std::string_view text) {
    if (out_.size() + text.size() + kReserve >= cap_) return false;
    out_ += text;
    return true;
  }

  /// A table of `rows` rows (`row(i)` makes row i) out of `total` things; the rows that do not
  /// fit, and the things past `rows`, are said in one line: "… N more NOUN not shown".
  template <typename Row>
  void table(std::string_view header, std::size_t rows, std::uint64_t total, std::string_view noun,
             const Row& row) {
    if (rows == 0 && total == 0) return;
    std::size_t shown = 0;
    if (rows > 0 && add(header)) {
      while (shown < rows && add(row(shown))) ++shown;
    }
    if (total > shown) {
      note("\n\u2026 " + with_commas(total - shown) + " more " + std::string(noun) +
           " not shown\n");
    }
    add("\n");
  }

  /// A line about what was cut: it uses the room add() leaves, never more than the cap.
  void note(std::string_view text) {
    if (out_.size() + text.size() < cap_) out_ += text;
  }

  std::string take() && { return std::move(out_); }

 private:
  /// Room kept for the lines that say what was cut: a few sections' worth.
  static constexpr std::size_t kReserve = 4096;
  std::string out_;
  std::size_t cap_;
};

}  // namespace

std::string render_markdown(const AnalyzeReport& r, std::size_t top) {
  CappedMarkdown md(kMarkdownCap);
  md.add("### pare analyze: " + code(r.names.empty() ? r.source : r.names.front(), kMaxPath) +
         " (" + plain(r.platform, 60) + ")\n\n");
  const std::string removes =
      r.slim_size ? human_size(r.content_size - std::min(r.content_size, *r.slim_size)) : "n/a";
  md.add(
      "| size | stored | layers | paths | dive efficiency | wasted | a slim keeps | a slim "
      "removes |\n|---|---|---|---|---|---|---|---|\n| " +
      human_size(r.uncompressed_size) + " | " + human_size(r.compressed_size) + " | " +
      with_commas(r.layers.size()) + " | " + with_commas(r.files) + " | " +
      percent(r.dive.efficiency) + " | " + human_size(r.wasted) + " | " +
      (r.slim_size ? human_size(*r.slim_size) : std::string("n/a")) + " | " + removes + " |\n\n");

  if (!r.gates.empty()) {
    const auto failed = static_cast<std::size_t>(std::count_if(
        r.gates.begin(), r.gates.end(), [](const GateResult& g) { return !g.passed; }));
    md.add(failed == 0 ? "**Gates:** all " + with_commas(r.gates.size()) + " passed\n\n"
                       : "**Gates:** " + with_commas(failed) + " of " +
                             with_commas(r.gates.size()) + " failed\n\n");
    md.table("| gate | result |\n|---|---|\n", r.gates.size(), r.gates.size(), "gates",
             [&](std::size_t i) {
               const GateResult& g = r.gates[i];
               return "| " + plain(g.name, 60) + " | " + (g.passed ? "✅ " : "❌ ") +
                      plain(g.message, kMaxMessage) + " |\n";
             });
  }

  const Closure& p = r.program;
  if (p.program_class != ProgramClass::kNone) {
    md.add("Program: " + code(p.program.empty() ? p.argv.front() : p.program, kMaxPath) + " (" +
           std::string(to_string(p.program_class)) + (p.libc.empty() ? "" : ", " + p.libc) + "), " +
           with_commas(p.files.size()) + " paths needed, " + human_size(p.size()) + "\n\n");
    if (!p.error.empty())
      md.add("❌ The program cannot start: " + plain(p.error, kMaxMessage) + "\n\n");
  }
  if (!r.slim_error.empty())
    md.add("No slim estimate: " + plain(r.slim_error, kMaxMessage) + "\n\n");
  for (const auto& spot : r.slim_blind_spots) {
    md.add("⚠️ A slim may break it: " + plain(spot, kMaxMessage) + "\n\n");
  }

  md.table(
      "#### Layers\n\n| # | size | added | changed | removed | created by "
      "|\n|---|---|---|---|---|---|\n",
      r.layers.size(), r.layers.size(), "layers", [&](std::size_t i) {
        const LayerRow& l = r.layers[i];
        return "| " + std::to_string(l.index) + " | " + human_size(l.uncompressed_size) + " | " +
               with_commas(l.changes.added) + " | " + with_commas(l.changes.changed) + " | " +
               with_commas(l.changes.removed) + " | " +
               code(command_line(l.created_by), kMaxCommand) + " |\n";
      });

  const Findings& f = r.findings;
  const std::size_t files = std::min(f.largest_files.size(), top);
  md.table("#### Largest files\n\n| size | path |\n|---|---|\n", files,
           std::max<std::uint64_t>(r.files, files), "paths", [&](std::size_t i) {
             return "| " + human_size(f.largest_files[i].bytes) + " | " +
                    code(f.largest_files[i].path, kMaxPath) + " |\n";
           });
  const std::size_t folders = std::min(f.largest_folders.size(), top);
  md.table("#### Largest folders\n\n| size | folder |\n|---|---|\n", folders, folders, "folders",
           [&](std::size_t i) {
             return "| " + human_size(f.largest_folders[i].bytes) + " | " +
                    code(f.largest_folders[i].path, kMaxPath) + " |\n";
           });
  md.table(
      "#### What a runtime image need not hold\n\n| what | files | bytes | where "
      "|\n|---|---|---|---|\n",
      f.categories.size(), f.categories.size(), "kinds", [&](std::size_t i) {
        const Finding& c = f.categories[i];
        return "| " + plain(c.what, 80) + " | " + with_commas(c.files) + " | " +
               human_size(c.bytes) + " | " + code(c.paths.front(), kMaxPath) +
               (c.paths.size() > 1 ? " …" : "") + " |\n";
      });
  const std::size_t duplicates = std::min(f.duplicates.size(), top);
  md.table("#### Identical files\n\n| size | copies | wasted | paths |\n|---|---|---|---|\n",
           duplicates, f.duplicates.size(), "sets of identical files", [&](std::size_t i) {
             const Duplicate& d = f.duplicates[i];
             return "| " + human_size(d.size) + " | " + with_commas(d.paths.size()) + " | " +
                    human_size(d.size * (d.paths.size() - 1)) + " | " + code(d.paths[0], kMaxPath) +
                    ", " + code(d.paths[1], kMaxPath) + (d.paths.size() > 2 ? " …" : "") + " |\n";
           });
  auto paths = [&](std::string_view what, const std::vector<std::string>& items) {
    const std::size_t shown = std::min(items.size(), top);
    md.table("#### " + std::string(what) + "\n\n| path |\n|---|\n", shown, items.size(), "paths",
             [&](std::size_t i) { return "| " + code(items[i], kMaxPath) + " |\n"; });
  };
  paths("Setuid and setgid files", f.setuid_files);
  paths("Shells", f.shells);
  paths("Package managers", f.package_managers);
  const std::size_t keeps = std::min(r.slim_keeps.size(), top);
  md.table(
      "#### Why a slim keeps what it keeps\n\n| reason | paths | bytes | largest "
      "|\n|---|---|---|---|\n",
      keeps, r.slim_keeps.size() + r.slim_keeps_cut, "reasons", [&](std::size_t i) {
        const SlimKeep& k = r.slim_keeps[i];
        return "| " + plain(k.reason, kMaxPath) + " | " + with_commas(k.paths) + " | " +
               human_size(k.bytes) + " | " + code(k.example, kMaxPath) + " |\n";
      });
  return std::move(md).take();
}

}  // namespace pare
