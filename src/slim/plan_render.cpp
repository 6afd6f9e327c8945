#include "pare/slim/plan_render.hpp"

#include <algorithm>

#include "pare/util/format.hpp"

namespace pare {

nlohmann::json plan_json(const std::string& source, const std::string& platform, const Plan& p) {
  using nlohmann::json;
  json entries = json::array();
  for (const auto& e : p.entries) {
    entries.push_back({{"path", e.path},
                       {"type", to_string(e.type)},
                       {"size", e.size},
                       {"mode", e.mode},
                       {"reason", e.reason}});
  }
  json folders = json::array();
  for (const auto& f : p.folders) {
    folders.push_back({{"folder", f.folder}, {"before", f.before}, {"after", f.after}});
  }
  json packages = json::array();
  for (const auto& k : p.packages.packages) {
    packages.push_back({{"name", k.name}, {"version", k.version}});
  }
  return {{"schemaVersion", 1},
          {"source", source},
          {"platform", platform},
          {"program", p.closure.program},
          {"class", to_string(p.closure.program_class)},
          {"before", p.before},
          {"after", p.after},
          {"entries", entries},
          {"folders", folders},
          {"packages", packages},
          {"droppedPackages", p.packages.dropped},
          {"setuidDropped", p.setuid_dropped},
          {"warnings", p.warnings}};
}

std::string plan_text(const std::string& platform, const Plan& p) {
  std::string out = "Plan for " + platform + ": " + p.closure.program + " (" +
                    std::string(to_string(p.closure.program_class)) + ")\n\n";
  for (const auto& e : p.entries) {
    std::string size =
        e.type == EntryType::kFile ? human_size(e.size) : std::string(to_string(e.type));
    out += std::string(std::max<std::size_t>(0, 9 - std::min<std::size_t>(9, size.size())), ' ') +
           size + "  " + e.path + (e.link_target.empty() ? "" : " -> " + e.link_target) + "  " +
           e.reason + "\n";
  }
  out += "\nFOLDER            BEFORE       AFTER\n";
  for (const auto& f : p.folders) {
    std::string name = f.folder;
    name.resize(std::max<std::size_t>(name.size(), 14), ' ');
    out += name + "  " + human_size(f.before) + "  ->  " + human_size(f.after) + "\n";
  }
  if (!p.setuid_dropped.empty()) {
    out += "\nsetuid/setgid bits dropped:";
    for (const auto& s : p.setuid_dropped) out += " " + s;
    out += "\n";
  }
  if (!p.packages.packages.empty()) {
    out += "\npackages still present (" + p.packages.format + "):";
    for (const auto& k : p.packages.packages) out += " " + k.name;
    out += "\n";
  }
  for (const auto& w : p.warnings) out += "warning: " + w + "\n";
  out.append("\n").append(human_size(p.before)).append(" -> ").append(human_size(p.after));
  out.append(" of files, ").append(std::to_string(p.entries.size())).append(" paths\n");
  return out;
}

}  // namespace pare
