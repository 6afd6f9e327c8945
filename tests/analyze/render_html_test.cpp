#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <regex>
#include <string>

#include "../support.hpp"
#include "pare/analyze/analyze.hpp"
#include "pare/analyze/report.hpp"
#include "pare/digest/sha256.hpp"

using namespace pare;

namespace {

const std::string kScriptName = "<script>alert(1)</script>";
const std::string kCloser = "</script><script>alert(2)</script>";
const std::string kAttribute = "\"><img src=x onerror=alert(3)>";

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

/// A report whose every string from the image is hostile.
AnalyzeReport hostile_report() {
  AnalyzeReport r;
  r.source = "/tmp/" + kScriptName + ".tar";
  r.format = "oci-archive";
  r.names = {kAttribute};
  r.platform = "linux/amd64";
  r.config_digest = "sha256:" + std::string(64, 'a');
  r.user = kScriptName;
  LayerRow layer;
  layer.digest = "sha256:" + std::string(64, 'b');
  layer.created_by = "RUN echo " + kCloser;
  r.layers.push_back(layer);
  r.program.argv = {"/" + kScriptName};
  r.program.program = "/" + kScriptName;
  r.program.program_class = ProgramClass::kStatic;
  r.program.files.push_back({"/" + kScriptName, "entrypoint " + kAttribute, 10, false});
  r.findings.setuid_files = {"/" + kCloser};
  r.findings.largest_files = {{"/" + kScriptName, 10}, {"/" + kAttribute, 5}};
  r.findings.duplicates.push_back({"ab", 5, {"/" + kScriptName, "/" + kCloser}});
  r.slim_size = 10;
  r.slim_keeps.push_back({"needed by " + kCloser, 1, 10, "/" + kScriptName});
  r.gates.push_back({"max-size", false, "1 GB", "1 MB", "too big: " + kScriptName});
  Treemap map;
  map.width = 1200;
  map.height = 720;
  map.kinds = {"setuid"};
  TreemapBox root;
  root.name = "/";
  root.kind = BoxKind::kFolder;
  root.bytes = 15;
  root.rect = {0, 0, 1200, 720};
  TreemapBox a;
  a.name = kScriptName;
  a.bytes = 10;
  a.reason = kCloser;
  a.rect = {0, 0, 800, 720};
  TreemapBox b;
  b.name = kAttribute;
  b.bytes = 5;
  b.rect = {800, 0, 400, 720};
  map.boxes = {root, a, b};
  r.treemap = map;
  return r;
}

/// The text between `open` and the next `close` after it.
std::string between(const std::string& text, const std::string& open, const std::string& close) {
  const std::size_t start = text.find(open);
  REQUIRE(start != std::string::npos);
  const std::size_t end = text.find(close, start + open.size());
  REQUIRE(end != std::string::npos);
  return text.substr(start + open.size(), end - start - open.size());
}

std::string base64_of_digest(const Digest& d) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string raw;
  for (std::size_t i = 0; i < 64; i += 2) {
    raw += static_cast<char>(std::stoi(d.hex().substr(i, 2), nullptr, 16));
  }
  std::string out;
  for (std::size_t i = 0; i < raw.size(); i += 3) {
    const auto byte = [&](std::size_t k) {
      return k < raw.size() ? static_cast<unsigned>(static_cast<unsigned char>(raw[k])) : 0U;
    };
    const unsigned v = (byte(i) << 16U) | (byte(i + 1) << 8U) | byte(i + 2);
    out += kAlphabet[(v >> 18U) & 63U];
    out += kAlphabet[(v >> 12U) & 63U];
    out += i + 1 < raw.size() ? kAlphabet[(v >> 6U) & 63U] : '=';
    out += i + 2 < raw.size() ? kAlphabet[v & 63U] : '=';
  }
  return out;
}

}  // namespace

TEST_CASE("html page: every string from the image is text, never markup") {
  const std::string page = render_html(hostile_report());
  // The page's own two scripts (its data and its code) and nothing else.
  CHECK(occurrences(page, "<script") == 2);
  CHECK(occurrences(page, "</script>") == 2);
  CHECK(page.find("<img") == std::string::npos);
  CHECK(page.find("alert(1)</") == std::string::npos);
  CHECK(page.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(page.find("&quot;&gt;&lt;img src=x onerror=alert(3)&gt;") != std::string::npos);
  // In the data block, <, > and & are \u escapes: no name can close the block.
  const std::string data =
      between(page, "<script type=\"application/json\" id=\"pare-data\">", "</script>");
  CHECK(data.find('<') == std::string::npos);
  CHECK(data.find('>') == std::string::npos);
  CHECK(data.find("\\u003cscript\\u003ealert(1)\\u003c/script\\u003e") != std::string::npos);
}

TEST_CASE("html page: invalid UTF-8 and control characters become U+FFFD") {
  AnalyzeReport r = hostile_report();
  r.findings.largest_files = {{"/bad\xff\xfe name\x01\x1b[31m", 10}, {"/ok \xc3\xa9", 1}};
  r.treemap->boxes[1].name = "bad\xc3";
  const std::string page = render_html(r);
  CHECK(page.find("/bad\uFFFD\uFFFD name\uFFFD\uFFFD[31m") != std::string::npos);
  CHECK(page.find("/ok \xc3\xa9") != std::string::npos);
  CHECK(page.find('\x01') == std::string::npos);
  CHECK(page.find('\x1b') == std::string::npos);
  CHECK(page.find("\xff") == std::string::npos);
}

TEST_CASE("html page: self-contained, its policy allows its own style and script by hash") {
  const std::string page = render_html(hostile_report());
  CHECK(page.starts_with("<!DOCTYPE html>"));
  CHECK(page.find("http://") == std::string::npos);
  CHECK(page.find("https://") == std::string::npos);
  // No element loads anything (the hostile names hold "src=", as text).
  CHECK_FALSE(std::regex_search(page, std::regex(R"(<[A-Za-z][^>]*\s(src|href)\s*=)")));
  const std::string policy =
      between(page, "http-equiv=\"Content-Security-Policy\" content=\"", "\"");
  CHECK(policy.find("default-src 'none'") != std::string::npos);
  CHECK(policy.find("unsafe-inline") == std::string::npos);
  const std::string script = between(page, "</script>\n<script>", "</script>");
  const std::string style = between(page, "<style>", "</style>");
  auto hash = [](const std::string& block) {
    return "'sha256-" + base64_of_digest(sha256_of(std::as_bytes(std::span(block)))) + "'";
  };
  CHECK(policy.find("script-src " + hash(script)) != std::string::npos);
  CHECK(policy.find("style-src " + hash(style)) != std::string::npos);
}

TEST_CASE("html page: the same report gives the same bytes; sections say what they cut") {
  AnalyzeReport r = hostile_report();
  for (int i = 0; i < 150; ++i) r.findings.setuid_files.push_back("/s" + std::to_string(i));
  const std::string page = render_html(r);
  CHECK(page == render_html(r));
  CHECK(page.find("\u2026 51 more not shown") != std::string::npos);
  CHECK(page.find("Gates") != std::string::npos);
  CHECK(page.find("FAIL") != std::string::npos);
  r.treemap.reset();
  CHECK(render_html(r).find("No map in this report.") != std::string::npos);
}

TEST_CASE("html page: an analyzed fixture, twice, gives the same page with its map") {
  const auto bundle = open_bundle(testdata("churn-oci-gzip.tar"));
  AnalyzeRequest request;
  request.treemap = true;
  const AnalyzeReport report = analyze_image(*bundle, request);
  REQUIRE(report.treemap.has_value());
  CHECK(report.treemap->files > 0);
  CHECK(report.treemap->boxes.size() > 1);
  const std::string page = render_html(report);
  CHECK(page == render_html(analyze_image(*bundle, request)));
  CHECK(page.find("id=\"map\"") != std::string::npos);
  // Without asking, no map is made (text, JSON and Markdown need none).
  CHECK_FALSE(analyze_image(*bundle, AnalyzeRequest{}).treemap.has_value());
}

TEST_CASE("html markdown: under GitHub's cap for 100,000 long paths, saying what was cut") {
  AnalyzeReport r;
  r.source = "big.tar";
  r.platform = "linux/amd64";
  r.files = 100'000;
  const std::string long_name(3000, 'x');
  for (int i = 0; i < 100'000; ++i) {
    const std::string path = "/data/" + long_name + "/" + std::to_string(i);
    r.findings.largest_files.push_back({path, 1000});
    r.findings.setuid_files.push_back(path);
  }
  for (int i = 0; i < 3000; ++i) {
    LayerRow l;
    l.index = static_cast<std::size_t>(i);
    l.created_by = "RUN " + long_name;
    r.layers.push_back(l);
  }
  for (int i = 0; i < 20'000; ++i) {
    r.findings.duplicates.push_back({"h" + std::to_string(i), 5, {"/a/" + long_name, "/b"}});
  }
  r.gates.push_back({"forbid setuid", false, "", "", "setuid files: " + long_name});
  const std::string md = render_markdown(r, 100'000);
  CHECK(md.size() < kMarkdownCap);
  CHECK(md.size() > kMarkdownCap - 10'000);  // it used the room it has
  CHECK(md.find("more paths not shown") != std::string::npos);
  CHECK(md.find("\u2026") != std::string::npos);
  CHECK(md.find(long_name) == std::string::npos);  // every path shortened
  // The default --top: ten rows of each long table, and it says what it left out.
  const std::string top = render_markdown(r, 10);
  CHECK(top.size() < kMarkdownCap);
  CHECK(occurrences(top, "| 1.0 kB | `/data/") == 10);
  CHECK(top.find("\u2026 99,990 more paths not shown") != std::string::npos);
  CHECK(top.find("\u2026 19,990 more sets of identical files not shown") != std::string::npos);
}

TEST_CASE("html markdown: a hostile path cannot break its table row") {
  AnalyzeReport r;
  r.source = "x.tar";
  r.files = 2;
  r.findings.largest_files = {{"/a|b\n| injected | row |\n`tick``", 10}};
  const std::string md = render_markdown(r);
  const std::string table = between(md, "#### Largest files\n\n", "\n\n");
  for (std::size_t start = 0; start < table.size();) {
    const std::size_t end = std::min(table.find('\n', start), table.size());
    const std::string line = table.substr(start, end - start);
    CHECK(line.starts_with("|"));
    start = end + 1;
  }
  CHECK(table.find("a\\|b") != std::string::npos);
  CHECK(table.find("```") != std::string::npos);  // a fence longer than the name's backticks
  CHECK(std::count(table.begin(), table.end(), '\n') == 2);  // header, rule, one row
}
