#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "pare/analyze/report.hpp"
#include "pare/digest/sha256.hpp"
#include "pare/util/format.hpp"
#include "report_text.hpp"

namespace pare {

namespace {

#include "report_page.inc"

constexpr std::size_t kMaxRows = 300;    ///< of any table but the layers'
constexpr std::size_t kMaxItems = 100;   ///< of any list
constexpr std::size_t kMaxText = 300;    ///< bytes of a path or a command shown in a cell
constexpr std::size_t kMaxLegend = 200;  ///< bytes of a layer's command in the map's data

/// The bytes of one UTF-8 character starting at `s[i]`, 0 when it is not a valid one.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  std::size_t n = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) low = 0xA0;
    if (c == 0xED) high = 0x9F;  // no UTF-16 surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) low = 0x90;
    if (c == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if ((byte(i + k) & 0xC0U) != 0x80U) return 0;
  }
  return n;
}

/// Text as an HTML page may hold it: invalid UTF-8 and control characters (but tab and
/// newline) become U+FFFD, and &, <, >, " and ' become references, so a name from the image
/// is only ever text, in an element or a quoted attribute.
std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_length(text, i);
    const char c = text[i];
    if (n == 0 || (n == 1 && ((c >= 0 && c < 0x20 && c != '\t' && c != '\n') || c == 0x7F))) {
      out += "\uFFFD";
      i += n == 0 ? 1 : n;
      continue;
    }
    if (n == 1) {
      switch (c) {
        case '&':
          out += "&amp;";
          break;
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '"':
          out += "&quot;";
          break;
        case '\'':
          out += "&#39;";
          break;
        default:
          out += c;
      }
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  return out;
}

/// The JSON for a <script type="application/json"> block: <, > and & as \u escapes, so no
/// name can close the block or open a comment; invalid UTF-8 replaced.
std::string script_json(const nlohmann::json& value) {
  const std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '<':
        out += "\\u003c";
        break;
      case '>':
        out += "\\u003e";
        break;
      case '&':
        out += "\\u0026";
        break;
      default:
        out += c;
    }
  }
  return out;
}

/// The Content Security Policy source of an inline block: 'sha256-BASE64'.
std::string csp_hash(std::string_view block) {
  const std::string hex = sha256_of(std::as_bytes(std::span(block.data(), block.size()))).hex();
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::vector<unsigned> raw;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    raw.push_back(static_cast<unsigned>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  }
  std::string out = "'sha256-";
  for (std::size_t i = 0; i < raw.size(); i += 3) {
    const unsigned b0 = raw[i];
    const unsigned b1 = i + 1 < raw.size() ? raw[i + 1] : 0;
    const unsigned b2 = i + 2 < raw.size() ? raw[i + 2] : 0;
    const unsigned triple = (b0 << 16U) | (b1 << 8U) | b2;
    out += kAlphabet[(triple >> 18U) & 63U];
    out += kAlphabet[(triple >> 12U) & 63U];
    out += i + 1 < raw.size() ? kAlphabet[(triple >> 6U) & 63U] : '=';
    out += i + 2 < raw.size() ? kAlphabet[triple & 63U] : '=';
  }
  return out + "'";
}

/// The words for a kind of finding on the map.
std::string kind_words(const std::string& kind) {
  static const std::array<std::pair<std::string_view, std::string_view>, 13> kWords = {{
      {"setuid", "setuid or setgid"},
      {"shell", "shells"},
      {"package-manager", "package managers"},
      {"overwritten", "written by two layers or more (the lower copies are wasted)"},
      {"duplicate", "identical to another file"},
      {"package-cache", "package manager caches"},
      {"docs", "documentation"},
      {"man", "manual pages"},
      {"info", "info pages"},
      {"locales", "locales"},
      {"headers", "C and C++ headers"},
      {"static-libs", "static libraries"},
      {"toolchain", "compilers and build tools"},
  }};
  for (const auto& [name, words] : kWords) {
    if (name == kind) return std::string(words);
  }
  return kind;
}

/// Rounded to a tenth of a plane unit: the page is the same bytes on every run, and smaller.
double tenth(double v) {
  return std::round(v * 10.0) / 10.0;
}

nlohmann::json map_data(const AnalyzeReport& r, const Treemap& map) {
  using nlohmann::json;
  json kinds = json::array();
  json words = json::array();
  for (const auto& k : map.kinds) {
    kinds.push_back(k);
    words.push_back(kind_words(k));
  }
  json layers = json::array();
  for (const auto& l : r.layers) {
    layers.push_back({{"createdBy", shorten_middle(command_line(l.created_by), kMaxLegend)}});
  }
  json boxes = json::array();
  for (const auto& b : map.boxes) {
    boxes.push_back(json::array({b.name, b.parent, static_cast<int>(b.kind), b.bytes, b.files,
                                 b.layer, b.marks, b.mark, b.kept, b.reason, tenth(b.rect.x),
                                 tenth(b.rect.y), tenth(b.rect.w), tenth(b.rect.h)}));
  }
  return {{"width", map.width}, {"height", map.height}, {"kinds", kinds}, {"kindWords", words},
          {"slim", map.slim},   {"layers", layers},     {"boxes", boxes}};
}

/// The page, written top to bottom.
class Page {
 public:
  explicit Page(const AnalyzeReport& r) : r_(r) {}

  std::string render() {
    head();
    summary();
    treemap();
    gates();
    layers();
    program();
    slim();
    findings();
    out_ += "<footer class=\"note\">Made by pare " PARE_VERSION
            " analyze. Sizes are decimal (1 kB = 1000 bytes).</footer>\n";
    if (r_.treemap) {
      out_ += R"(<script type="application/json" id="pare-data">)";
      out_ += script_json(map_data(r_, *r_.treemap));
      out_ += "</script>\n<script>";
      out_ += kPageScript;
      out_ += "</script>\n";
    }
    out_ += "</body>\n</html>\n";
    return std::move(out_);
  }

 private:
  std::string title() const { return r_.names.empty() ? r_.source : r_.names.front(); }

  void head() {
    out_ += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    out_ += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    // Nothing may be fetched, and no script runs but the page's own, even if a name from the
    // image got past the escaping.
    out_ +=
        R"(<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src )" +
        csp_hash(kPageStyle) + "; script-src " + csp_hash(kPageScript) +
        "; base-uri 'none'; form-action 'none'\">\n";
    out_ += "<title>pare analyze: " + escape(title()) + "</title>\n<style>";
    out_ += kPageStyle;
    out_ += "</style>\n</head>\n<body>\n";
    out_ += "<h1>pare analyze: " + escape(title()) + "</h1>\n<p class=\"sub\">";
    out_ += escape(r_.source) + " \u00b7 " + escape(r_.format) + " \u00b7 " + escape(r_.platform);
    if (!r_.created.empty()) out_ += " \u00b7 created " + escape(r_.created);
    out_ += "<br><span class=\"mono\">config " + escape(r_.config_digest);
    if (!r_.manifest_digest.empty()) out_ += " \u00b7 manifest " + escape(r_.manifest_digest);
    out_ += "</span></p>\n";
  }

  void card(const std::string& value, const std::string& what, const std::string& cls = "") {
    out_ += "<div class=\"card\"><b" + (cls.empty() ? "" : " class=\"" + cls + "\"") + ">" +
            escape(value) + "</b><span>" + escape(what) + "</span></div>";
  }

  void summary() {
    out_ += "<div class=\"cards\">";
    card(human_size(r_.uncompressed_size),
         "uncompressed, " + human_size(r_.compressed_size) + " stored");
    card(with_commas(r_.layers.size()), r_.layers.size() == 1 ? "layer" : "layers");
    card(with_commas(r_.files), "paths, " + human_size(r_.content_size) + " of files");
    card(percent(r_.dive.efficiency), "dive efficiency");
    card(human_size(r_.wasted), "wasted: copies no longer visible");
    if (r_.slim_size) {
      card(human_size(*r_.slim_size),
           "a slim keeps; it removes " +
               human_size(r_.content_size - std::min(r_.content_size, *r_.slim_size)));
    } else {
      card("n/a", "no slim estimate");
    }
    if (!r_.gates.empty()) {
      const auto passed = static_cast<std::size_t>(std::count_if(
          r_.gates.begin(), r_.gates.end(), [](const GateResult& g) { return g.passed; }));
      card(with_commas(passed) + " of " + with_commas(r_.gates.size()), "gates passed",
           passed == r_.gates.size() ? "pass" : "fail");
    }
    out_ += "</div>\n";
  }

  void treemap() {
    out_ += "<h2>Where the bytes are</h2>\n";
    if (!r_.treemap) {
      out_ += "<p class=\"note\">No map in this report.</p>\n";
      return;
    }
    const Treemap& m = *r_.treemap;
    out_ +=
        "<div class=\"toolbar\">Colour by <button type=\"button\" data-mode=\"layer\" "
        "aria-pressed=\"true\">layer</button><button type=\"button\" data-mode=\"finding\" "
        "aria-pressed=\"false\">finding</button><button type=\"button\" data-mode=\"slim\" "
        "aria-pressed=\"false\">what a slim keeps</button></div>\n<div id=\"legend\"></div>\n"
        "<div id=\"map\" role=\"img\" aria-label=\"the merged filesystem, each file a box sized "
        "by its bytes\"></div>\n<div id=\"tip\" hidden></div>\n"
        "<noscript><p class=\"note\">The map needs JavaScript; the tables below do "
        "not.</p></noscript>\n";
    out_ += "<p class=\"note\">" + with_commas(m.files) + " files with bytes (" +
            human_size(m.bytes) + ") in " + with_commas(m.boxes.size()) +
            " boxes, folders drawn inside their parents. ";
    if (m.summarized_files > 0) {
      out_ += with_commas(m.summarized_files) + " files (" + human_size(m.summarized_bytes) +
              ") too small to draw one by one are together in hatched boxes. ";
    }
    out_ += with_commas(m.empty_paths) +
            " paths without bytes (folders, links, empty files) take no room. Deleted files are "
            "not in the merged tree: their bytes are in the layers' wasted column.</p>\n";
  }

  void gates() {
    if (r_.gates.empty()) return;
    out_ +=
        "<h2>Gates</h2>\n<table><tr><th>result</th><th>gate</th><th>actual</th>"
        "<th>limit</th><th>message</th></tr>\n";
    for (const auto& g : r_.gates) {
      out_ += std::string("<tr><td class=\"") + (g.passed ? "pass\">PASS" : "fail\">FAIL") +
              "</td><td>" + escape(g.name) + "</td><td class=\"n\">" + escape(g.actual) +
              "</td><td class=\"n\">" + escape(g.limit) + "</td><td class=\"p\">" +
              escape(shorten_middle(g.message, 4 * kMaxText)) + "</td></tr>\n";
    }
    out_ += "</table>\n";
  }

  void layers() {
    out_ +=
        "<h2>Layers</h2>\n<table><tr><th class=\"n\">#</th><th>created by</th>"
        "<th class=\"n\">size</th><th class=\"n\">stored</th><th class=\"n\">added</th>"
        "<th class=\"n\">changed</th><th class=\"n\">removed</th>"
        "<th class=\"n\">overwritten later</th><th>digest</th></tr>\n";
    for (const auto& l : r_.layers) {
      const std::string by = command_line(l.created_by);
      out_ += "<tr><td class=\"n\">" + std::to_string(l.index) + "</td><td class=\"p\"><code>" +
              escape(shorten_middle(by, kMaxText)) + "</code></td><td class=\"n\">" +
              human_size(l.uncompressed_size) + "</td><td class=\"n\">" +
              human_size(l.compressed_size) + "</td><td class=\"n\">" +
              with_commas(l.changes.added) + "</td><td class=\"n\">" +
              with_commas(l.changes.changed) + "</td><td class=\"n\">" +
              with_commas(l.changes.removed) + "</td><td class=\"n\">" +
              human_size(l.waste.bytes_overwritten_later) + R"(</td><td class="mono" title=")" +
              escape(l.digest) + "\">" + escape(l.digest.substr(0, 19)) + "</td></tr>\n";
    }
    out_ += "</table>\n";
  }

  /// "… N more WHAT not shown" when `total` exceeds what was shown.
  void more(std::uint64_t total, std::uint64_t shown, const std::string& what) {
    if (total > shown) {
      out_ += "<p class=\"note\">\u2026 " + with_commas(total - shown) + " more " +
              (what.empty() ? "" : what + " ") + "not shown</p>\n";
    }
  }

  void list(const std::string& what, const std::vector<std::string>& items) {
    if (items.empty()) return;
    out_ += "<h3>" + escape(what) + " (" + with_commas(items.size()) + ")</h3>\n<ul>";
    for (std::size_t i = 0; i < items.size() && i < kMaxItems; ++i) {
      out_ +=
          "<li class=\"p\"><code>" + escape(shorten_middle(items[i], kMaxText)) + "</code></li>";
    }
    out_ += "</ul>\n";
    more(items.size(), std::min(items.size(), kMaxItems), "");
  }

  void program() {
    const Closure& p = r_.program;
    out_ += "<h2>Program</h2>\n";
    if (p.program_class == ProgramClass::kNone) {
      out_ += "<p>None: the config has no Entrypoint or Cmd.</p>\n";
      return;
    }
    std::string argv;
    for (const auto& a : p.argv) argv += (argv.empty() ? "" : " ") + a;
    out_ += "<table><tr><th>program</th><td class=\"p\"><code>" +
            escape(shorten_middle(p.program.empty() ? p.argv.front() : p.program, kMaxText)) +
            "</code> (" + escape(to_string(p.program_class)) +
            (p.detail.empty() ? "" : ": " + escape(shorten_middle(p.detail, kMaxText))) +
            ")</td></tr>\n";
    out_ += "<tr><th>runs</th><td class=\"p\"><code>" + escape(shorten_middle(argv, kMaxText)) +
            "</code></td></tr>\n";
    if (!p.script_interpreter.empty()) {
      out_ += "<tr><th>interpreter</th><td><code>" + escape(p.script_interpreter) +
              "</code></td></tr>\n";
    }
    if (!p.libc.empty()) {
      out_ += "<tr><th>loader</th><td><code>" + escape(p.interpreter) + "</code> (" +
              escape(p.libc) + ")</td></tr>\n";
    }
    if (p.go) {
      out_ += "<tr><th>Go</th><td>" + escape(p.go->go_version + " " + p.go->module_path) +
              "</td></tr>\n";
    }
    out_ += "<tr><th>user</th><td>" + escape(r_.user.empty() ? "(root)" : r_.user) +
            "</td></tr>\n</table>\n";
    if (!p.error.empty()) {
      out_ += "<p class=\"fail\">The program cannot start: " + escape(p.error) + "</p>\n";
    }
    for (const auto& w : p.warnings) out_ += "<p class=\"note\">warning: " + escape(w) + "</p>\n";
    if (!p.files.empty()) {
      out_ += "<h3>What it needs: " + with_commas(p.files.size()) + " paths, " +
              human_size(p.size()) +
              "</h3>\n<table><tr><th class=\"n\">size</th><th>path</th>"
              "<th>why</th></tr>\n";
      for (std::size_t i = 0; i < p.files.size() && i < kMaxRows; ++i) {
        const NeededFile& f = p.files[i];
        out_ += "<tr><td class=\"n\">" + human_size(f.size) + "</td><td class=\"p\"><code>" +
                escape(shorten_middle(f.path + (f.tree ? "/" : ""), kMaxText)) +
                "</code></td><td class=\"p\">" + escape(shorten_middle(f.reason, kMaxText)) +
                "</td></tr>\n";
      }
      out_ += "</table>\n";
      more(p.files.size(), std::min(p.files.size(), kMaxRows), "paths");
    }
  }

  void slim() {
    out_ += "<h2>What a slim would keep</h2>\n";
    if (!r_.slim_size) {
      out_ += "<p>No estimate: " + escape(r_.slim_error) + "</p>\n";
      return;
    }
    const std::uint64_t removed = r_.content_size - std::min(r_.content_size, *r_.slim_size);
    out_ += "<p><code>pare slim</code> with no rules would keep <b>" + human_size(*r_.slim_size) +
            "</b> of " + human_size(r_.content_size) + " of files and remove <b>" +
            human_size(removed) + "</b> (" +
            percent(r_.content_size > 0
                        ? static_cast<double>(removed) / static_cast<double>(r_.content_size)
                        : 0.0) +
            ").</p>\n";
    for (const auto& spot : r_.slim_blind_spots) {
      out_ += "<p class=\"fail\">May break: " + escape(spot) + "</p>\n";
    }
    if (!r_.slim_folders.empty()) {
      out_ +=
          "<table><tr><th>folder</th><th class=\"n\">in the image</th>"
          "<th class=\"n\">after a slim</th><th class=\"n\">removed</th></tr>\n";
      for (std::size_t i = 0; i < r_.slim_folders.size() && i < kMaxRows; ++i) {
        const SlimFolder& f = r_.slim_folders[i];
        out_ += "<tr><td class=\"p\"><code>" + escape(shorten_middle(f.folder, kMaxText)) +
                "</code></td><td class=\"n\">" + human_size(f.before) + "</td><td class=\"n\">" +
                human_size(f.after) + "</td><td class=\"n\">" +
                human_size(f.before - std::min(f.before, f.after)) + "</td></tr>\n";
      }
      out_ += "</table>\n";
      more(r_.slim_folders.size(), std::min(r_.slim_folders.size(), kMaxRows), "folders");
    }
    if (!r_.slim_keeps.empty()) {
      out_ +=
          "<h3>Why it keeps them</h3>\n<table><tr><th>reason</th><th class=\"n\">paths</th>"
          "<th class=\"n\">bytes</th><th>largest</th></tr>\n";
      for (const auto& k : r_.slim_keeps) {
        out_ += "<tr><td class=\"p\">" + escape(shorten_middle(k.reason, kMaxText)) +
                "</td><td class=\"n\">" + with_commas(k.paths) + "</td><td class=\"n\">" +
                human_size(k.bytes) + "</td><td class=\"p\"><code>" +
                escape(shorten_middle(k.example, kMaxText)) + "</code></td></tr>\n";
      }
      out_ += "</table>\n";
      more(r_.slim_keeps.size() + r_.slim_keeps_cut, r_.slim_keeps.size(), "reasons");
    }
  }

  void sized(const std::string& what, const std::vector<SizedPath>& paths) {
    if (paths.empty()) return;
    out_ +=
        "<h3>" + escape(what) + "</h3>\n<table><tr><th class=\"n\">size</th><th>path</th></tr>\n";
    for (std::size_t i = 0; i < paths.size() && i < kMaxRows; ++i) {
      out_ += "<tr><td class=\"n\">" + human_size(paths[i].bytes) + "</td><td class=\"p\"><code>" +
              escape(shorten_middle(paths[i].path, kMaxText)) + "</code></td></tr>\n";
    }
    out_ += "</table>\n";
  }

  void findings() {
    const Findings& f = r_.findings;
    out_ += "<h2>Findings</h2>\n";
    list("Shells", f.shells);
    list("Package managers", f.package_managers);
    list("Setuid and setgid files", f.setuid_files);
    list("Folders anyone may write to (no sticky bit)", f.world_writable);
    if (!f.categories.empty()) {
      out_ +=
          "<h3>Kinds of bytes a runtime image need not hold</h3>\n<table><tr><th>what</th>"
          "<th class=\"n\">files</th><th class=\"n\">bytes</th><th>where</th></tr>\n";
      for (const auto& c : f.categories) {
        std::string where;
        for (std::size_t i = 0; i < c.paths.size() && i < 3; ++i) {
          where += (i == 0 ? "" : ", ") + shorten_middle(c.paths[i], kMaxText);
        }
        if (c.paths.size() > 3) where += ", \u2026";
        out_ += "<tr><td>" + escape(c.what) + "</td><td class=\"n\">" + with_commas(c.files) +
                "</td><td class=\"n\">" + human_size(c.bytes) + "</td><td class=\"p\"><code>" +
                escape(where) + "</code></td></tr>\n";
      }
      out_ += "</table>\n";
    }
    if (!f.duplicates.empty()) {
      out_ +=
          "<h3>Identical files</h3>\n<table><tr><th class=\"n\">size</th>"
          "<th class=\"n\">copies</th><th class=\"n\">wasted</th><th>paths</th></tr>\n";
      const std::size_t shown = std::min<std::size_t>(f.duplicates.size(), 50);
      for (std::size_t i = 0; i < shown; ++i) {
        const Duplicate& d = f.duplicates[i];
        std::string paths;
        for (std::size_t k = 0; k < d.paths.size() && k < 3; ++k) {
          paths += (k == 0 ? "" : ", ") + shorten_middle(d.paths[k], kMaxText);
        }
        if (d.paths.size() > 3) paths += ", \u2026";
        out_ += "<tr><td class=\"n\">" + human_size(d.size) + "</td><td class=\"n\">" +
                with_commas(d.paths.size()) + "</td><td class=\"n\">" +
                human_size(d.size * (d.paths.size() - 1)) + "</td><td class=\"p\"><code>" +
                escape(paths) + "</code></td></tr>\n";
      }
      out_ += "</table>\n";
      more(f.duplicates.size(), shown, "sets of identical files");
    }
    sized("Largest files", f.largest_files);
    const std::size_t listed = std::min(f.largest_files.size(), kMaxRows);
    more(r_.files, std::min<std::uint64_t>(r_.files, listed), "paths");
    sized("Largest folders", f.largest_folders);
  }

  const AnalyzeReport& r_;
  std::string out_;
};

}  // namespace

std::string render_html(const AnalyzeReport& report) {
  return Page(report).render();
}

}  // namespace pare
