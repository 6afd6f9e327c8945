#include <algorithm>
#include <cstdio>
#include <sstream>

#include "pare/analyze/report.hpp"
#include "pare/util/format.hpp"

namespace pare {

namespace {

std::string quoted_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out += ", ";
    out += "\"" + items[i] + "\"";
  }
  return out + "]";
}

/// created_by on one line, shortened to `width` characters.
std::string one_line(std::string text, std::size_t width) {
  std::replace_if(
      text.begin(), text.end(), [](char c) { return c == '\n' || c == '\t'; }, ' ');
  if (text.starts_with("/bin/sh -c #(nop) ")) text = text.substr(18);
  if (text.size() > width) text = text.substr(0, width - 3) + "...";
  return text;
}

std::string pad_left(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

}  // namespace

std::string render_text(const AnalyzeReport& r, bool color) {
  const std::string bold = color ? "\033[1m" : "";
  const std::string reset = color ? "\033[0m" : "";
  std::ostringstream out;
  auto field = [&](const char* name, const std::string& value) {
    if (!value.empty())
      out << bold << name << reset << std::string(12 - std::string(name).size(), ' ') << value
          << "\n";
  };
  field("Image", r.source + " (" + r.format + ")");
  std::string names;
  for (const auto& n : r.names) names += (names.empty() ? "" : ", ") + n;
  field("Names", names);
  field("Platform", r.platform);
  field("Manifest", r.manifest_digest);
  field("Config", r.config_digest);
  field("Created", r.created);
  if (!r.entrypoint.empty()) field("Entrypoint", quoted_list(r.entrypoint));
  if (!r.cmd.empty()) field("Cmd", quoted_list(r.cmd));
  field("User", r.user);
  field("WorkingDir", r.working_dir);
  for (std::size_t i = 0; i < r.env.size(); ++i) field(i == 0 ? "Env" : "", r.env[i]);
  const Closure& p = r.program;
  if (p.program_class == ProgramClass::kNone) {
    field("Program", "none (the config has no Entrypoint or Cmd)");
  } else {
    std::string what = (p.program.empty() ? p.argv.front() : p.program) + " (" +
                       std::string(to_string(p.program_class));
    if (!p.detail.empty()) what += ": " + p.detail;
    field("Program", what + ")");
    if (!p.script_interpreter.empty()) field("Runs with", p.script_interpreter);
    if (!p.libc.empty()) field("Loader", p.interpreter + " (" + p.libc + ")");
    if (p.go) {
      field("Go", p.go->go_version + " " + p.go->module_path +
                      (p.go->cgo_enabled ? (*p.go->cgo_enabled ? " (cgo)" : " (no cgo)") : ""));
    }
  }
  out << "\n"
      << bold << "LAYER  COMPRESSED  UNCOMPRESSED  ADDED  CHANGED  REMOVED  CREATED BY" << reset
      << "\n";
  for (const auto& l : r.layers) {
    out << pad_left(std::to_string(l.index), 5) << "  "
        << pad_left(human_size(l.compressed_size), 10) << "  "
        << pad_left(human_size(l.uncompressed_size), 12) << "  "
        << pad_left(std::to_string(l.changes.added), 5) << "  "
        << pad_left(std::to_string(l.changes.changed), 7) << "  "
        << pad_left(std::to_string(l.changes.removed), 7) << "  " << one_line(l.created_by, 60)
        << "\n";
  }
  if (!p.files.empty()) {
    out << "\n"
        << bold << "NEEDED BY THE PROGRAM" << reset << "  " << p.files.size() << " paths, "
        << human_size(p.size()) << "\n";
    for (const auto& f : p.files) {
      out << pad_left(human_size(f.size), 9) << "  " << f.path << (f.tree ? "/" : "") << "  "
          << f.reason << "\n";
    }
  }
  for (const auto& w : p.warnings) out << "warning: " << w << "\n";
  if (!p.error.empty()) out << "The program cannot start: " << p.error << "\n";
  char eff[64];
  std::snprintf(eff, sizeof eff, "%.4f", r.dive.efficiency);
  char uwp[64];
  std::snprintf(uwp, sizeof uwp, "%.2f%%", r.dive.user_wasted_percent * 100.0);
  out << "\n"
      << bold << "EFFICIENCY" << reset << "\n"
      << "  dive efficiency " << eff << ", dive wasted " << human_size(r.dive.wasted_bytes)
      << ", user size " << human_size(r.dive.user_size_bytes) << ", user wasted " << uwp << "\n"
      << "  pare wasted (copies no longer visible) " << human_size(r.wasted) << "\n";
  if (r.slim_size) {
    out << "  a slim would keep " << human_size(*r.slim_size) << " of "
        << human_size(r.content_size) << " (removes "
        << human_size(r.content_size - std::min(r.content_size, *r.slim_size)) << ")\n";
    for (const auto& spot : r.slim_blind_spots) out << "  may break: " << spot << "\n";
  } else if (!r.slim_error.empty()) {
    out << "  no slim estimate: " << r.slim_error << "\n";
  }
  auto list = [&](const char* what, const std::vector<std::string>& items) {
    if (items.empty()) return;
    out << "  " << what << ": ";
    for (std::size_t i = 0; i < items.size() && i < 8; ++i) out << (i ? ", " : "") << items[i];
    if (items.size() > 8) out << ", ... (" << items.size() << ")";
    out << "\n";
  };
  list("shells", r.findings.shells);
  list("package managers", r.findings.package_managers);
  list("setuid/setgid", r.findings.setuid_files);
  list("world-writable folders", r.findings.world_writable);
  if (!r.findings.categories.empty()) {
    out << "\n" << bold << "WHERE THE BYTES ARE" << reset << "\n";
    for (const auto& c : r.findings.categories) {
      out << pad_left(human_size(c.bytes), 9) << "  " << c.what << " (" << c.files
          << " files: " << c.paths.front() << (c.paths.size() > 1 ? ", ..." : "") << ")\n";
    }
  }
  if (!r.findings.duplicates.empty()) {
    out << "\n" << bold << "IDENTICAL FILES" << reset << "\n";
    for (std::size_t i = 0; i < r.findings.duplicates.size() && i < 10; ++i) {
      const auto& d = r.findings.duplicates[i];
      out << pad_left(human_size(d.size), 9) << "  x" << d.paths.size() << "  " << d.paths[0]
          << ", " << d.paths[1] << (d.paths.size() > 2 ? ", ..." : "") << "\n";
    }
  }
  if (!r.findings.largest_files.empty()) {
    out << "\n" << bold << "LARGEST FILES" << reset << "\n";
    for (const auto& s : r.findings.largest_files) {
      out << pad_left(human_size(s.bytes), 9) << "  " << s.path << "\n";
    }
    out << "\n" << bold << "LARGEST FOLDERS" << reset << "\n";
    for (const auto& s : r.findings.largest_folders) {
      out << pad_left(human_size(s.bytes), 9) << "  " << s.path << "\n";
    }
  }
  if (!r.gates.empty()) {
    out << "\n" << bold << "GATES" << reset << "\n";
    for (const auto& g : r.gates) {
      const std::string mark = g.passed ? (color ? "\033[32mPASS\033[0m" : "PASS")
                                        : (color ? "\033[31mFAIL\033[0m" : "FAIL");
      out << "  " << mark << "  " << g.message << "\n";
    }
  }
  out << "\n"
      << r.layers.size() << " layers, " << human_size(r.compressed_size) << " stored, "
      << human_size(r.uncompressed_size) << " uncompressed; " << r.files << " paths, "
      << human_size(r.content_size) << " of file content\n";
  return out.str();
}

}  // namespace pare
