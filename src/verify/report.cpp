#include "pare/verify/report.hpp"

#include <cstdio>

namespace pare {

namespace {

/// The words of the counts a reader cares about; the JSON report has all of them.
const char* singular(const std::string& key) {
  if (key == "blobs") return "blob";
  if (key == "manifests") return "manifest";
  if (key == "layers") return "layer";
  if (key == "programs") return "program";
  if (key == "runs") return "run";
  return nullptr;
}

/// "5 blobs, 1 manifest, 2 layers".
std::string summary(const VerifyReport& report) {
  std::string out;
  for (const auto& [key, n] : report.checked) {
    const char* one = singular(key);
    if (one == nullptr) continue;
    out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + one + (n == 1 ? "" : "s");
  }
  return out;
}

}  // namespace

std::string render_text(const VerifyReport& report, bool color, bool quiet) {
  const char* fail = color ? "\033[31mFAIL\033[0m" : "FAIL";
  std::string out;
  for (const auto& run : report.runs) {
    out += "run " + run.platform + ":";
    for (const auto& a : run.argv) out += " " + a;
    out += "\n" + run.result.output;
    if (!run.result.output.empty() && !run.result.output.ends_with('\n')) out += "\n";
    if (run.result.dropped != 0) {
      out.append("[").append(std::to_string(run.result.dropped));
      out.append(" more bytes of output dropped]\n");
    }
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.2f", run.seconds);
    out += "run " + run.platform + ": " +
           (run.result.timed_out ? "killed after the timeout"
                                 : "exit " + std::to_string(run.result.exit_code)) +
           " (" + secs + " s)\n";
  }
  for (const auto& p : report.problems) {
    out += std::string(fail) + " " + p.check + ": " + p.where + ": " + p.message + "\n";
  }
  if (quiet) return out;
  if (report.ok()) {
    out += "verify: ok (" + summary(report) + ")\n";
  } else {
    out += "verify: " + std::to_string(report.problems.size()) + " checks failed\n";
  }
  return out;
}

nlohmann::ordered_json to_json(const VerifyReport& report, const std::string& image) {
  nlohmann::ordered_json j;
  j["schemaVersion"] = 1;
  j["image"] = image;
  j["ok"] = report.ok();
  j["problems"] = nlohmann::ordered_json::array();
  for (const auto& p : report.problems) {
    j["problems"].push_back({{"check", p.check}, {"where", p.where}, {"message", p.message}});
  }
  j["checked"] = nlohmann::ordered_json::object();
  for (const auto& [key, n] : report.checked) j["checked"][key] = n;
  j["runs"] = nlohmann::ordered_json::array();
  for (const auto& run : report.runs) {
    j["runs"].push_back({{"platform", run.platform},
                         {"argv", run.argv},
                         {"exitCode", run.result.exit_code},
                         {"signal", run.result.signal},
                         {"timedOut", run.result.timed_out},
                         {"seconds", run.seconds},
                         {"output", run.result.output},
                         {"droppedBytes", run.result.dropped}});
  }
  return j;
}

}  // namespace pare
