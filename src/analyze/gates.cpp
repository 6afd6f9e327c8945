#include "pare/analyze/gates.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>

#include "pare/util/error.hpp"
#include "pare/util/format.hpp"
#include "pare/util/json_integer.hpp"
#include "pare/util/project_file.hpp"

namespace pare {

namespace {

std::string percent(double ratio) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", ratio * 100.0);
  return buf;
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) {
    s = s.substr(1, s.size() - 2);
  }
  return std::string(s);
}

GateResult at_most(const std::string& name, std::uint64_t actual, std::uint64_t limit, bool bytes) {
  auto show = [&](std::uint64_t v) { return bytes ? human_size(v) : std::to_string(v); };
  GateResult r{name, actual <= limit, show(actual), show(limit), ""};
  r.message = r.passed ? name + ": " + show(actual) + " <= " + show(limit)
                       : name + ": " + show(actual) + " is over the limit of " + show(limit) +
                             " by " + show(actual - limit);
  return r;
}

GateResult ratio_gate(const std::string& name, double actual, double limit, bool at_least) {
  GateResult r{name, at_least ? actual >= limit : actual <= limit, percent(actual), percent(limit),
               ""};
  r.message = name + ": " + percent(actual) +
              (r.passed ? (at_least ? " >= " : " <= ") + percent(limit)
                        : (at_least ? " is under " : " is over ") + percent(limit) + " by " +
                              percent(std::fabs(actual - limit)));
  return r;
}

GateResult forbid(const std::string& what, const std::vector<std::string>& found) {
  GateResult r{"forbid " + what, found.empty(), std::to_string(found.size()), "0", ""};
  if (r.passed) {
    r.message = "forbid " + what + ": none";
  } else {
    std::string list;
    for (std::size_t i = 0; i < found.size() && i < 5; ++i) list += (i ? ", " : "") + found[i];
    if (found.size() > 5) list += ", ...";
    r.message = "forbid " + what + ": " + std::to_string(found.size()) + " found (" + list + ")";
  }
  return r;
}

}  // namespace

namespace {

/// The number at the start of `s` and where it ends; nullopt when there is none or it is
/// negative.
std::optional<std::pair<double, std::size_t>> leading_number(const std::string& s) {
  std::size_t end = 0;
  double value = 0;
  try {
    value = std::stod(s, &end);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (value < 0) return std::nullopt;
  return std::pair{value, end};
}

}  // namespace

std::optional<std::uint64_t> parse_size(std::string_view text) {
  static const std::map<std::string, double> kUnits = {{"", 1},
                                                       {"b", 1},
                                                       {"k", 1e3},
                                                       {"kb", 1e3},
                                                       {"m", 1e6},
                                                       {"mb", 1e6},
                                                       {"g", 1e9},
                                                       {"gb", 1e9},
                                                       {"t", 1e12},
                                                       {"tb", 1e12},
                                                       {"kib", 1024.0},
                                                       {"mib", 1024.0 * 1024},
                                                       {"gib", 1024.0 * 1024 * 1024}};
  const std::string s = trim(text);
  const auto number = leading_number(s);
  if (!number) return std::nullopt;
  std::string unit = trim(std::string_view(s).substr(number->second));
  for (auto& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto it = kUnits.find(unit);
  if (it == kUnits.end()) return std::nullopt;
  return static_cast<std::uint64_t>(std::llround(number->first * it->second));
}

std::optional<double> parse_ratio(std::string_view text) {
  std::string s = trim(text);
  const bool pct = !s.empty() && s.back() == '%';
  if (pct) s.pop_back();
  const auto number = leading_number(s);
  if (!number || number->second != s.size()) return std::nullopt;
  return pct ? number->first / 100.0 : number->first;
}

std::vector<GateResult> evaluate_gates(const GateConfig& c, const GateInputs& in) {
  std::vector<GateResult> out;
  if (c.max_size) out.push_back(at_most("max-size", in.size, *c.max_size, true));
  if (c.max_layers) out.push_back(at_most("max-layers", in.layers, *c.max_layers, false));
  if (c.min_efficiency) {
    out.push_back(ratio_gate("min-efficiency", in.efficiency, *c.min_efficiency, true));
  }
  if (c.max_wasted) out.push_back(at_most("max-wasted", in.wasted, *c.max_wasted, true));
  if (c.max_wasted_percent) {
    const double ratio =
        in.size == 0 ? 0.0 : static_cast<double>(in.wasted) / static_cast<double>(in.size);
    out.push_back(ratio_gate("max-wasted-percent", ratio, *c.max_wasted_percent, false));
  }
  if (c.max_removable) {
    if (in.removable) {
      out.push_back(at_most("max-removable", *in.removable, *c.max_removable, true));
    } else {
      out.push_back({"max-removable", false, "unknown", human_size(*c.max_removable),
                     "max-removable: no slim plan could be made for this image"});
    }
  }
  // dive fails these when the threshold is met or crossed.
  if (c.dive_max_wasted) {
    GateResult g = at_most("dive highestWastedBytes", in.dive_wasted, *c.dive_max_wasted, true);
    if (in.dive_wasted == *c.dive_max_wasted) {
      g.passed = false;
      g.message = "dive highestWastedBytes: " + g.actual + " meets the limit";
    }
    out.push_back(g);
  }
  if (c.dive_max_user_wasted_percent) {
    GateResult g = ratio_gate("dive highestUserWastedPercent", in.dive_user_wasted_percent,
                              *c.dive_max_user_wasted_percent, false);
    if (in.dive_user_wasted_percent == *c.dive_max_user_wasted_percent) {
      g.passed = false;
      g.message = "dive highestUserWastedPercent: " + g.actual + " meets the limit";
    }
    out.push_back(g);
  }
  for (const auto& what : c.forbid) {
    if (what == "shell") out.push_back(forbid(what, in.shells));
    if (what == "package-manager") out.push_back(forbid(what, in.package_managers));
    if (what == "setuid") out.push_back(forbid(what, in.setuid_files));
    if (what == "root-user") {
      const bool root = in.user.empty() || in.user == "root" || in.user == "0" ||
                        in.user.starts_with("0:") || in.user.starts_with("root:");
      GateResult r{"forbid root-user", !root, in.user.empty() ? "(unset: root)" : in.user,
                   "not root", ""};
      r.message = root ? "forbid root-user: the image runs as root (User is " +
                             (in.user.empty() ? std::string("unset") : "\"" + in.user + "\"") + ")"
                       : "forbid root-user: runs as " + in.user;
      out.push_back(r);
    }
  }
  return out;
}

GateConfig parse_dive_ci(std::string_view text, const std::string& file) {
  GateConfig c;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = trim(std::string_view(line).substr(0, colon));
    const std::string value = trim(std::string_view(line).substr(colon + 1));
    std::string k;
    for (char ch : key) {
      if (ch != '_' && ch != '-')
        k += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    if (k == "rules") continue;
    const bool off = value.empty() || value == "disabled" || value == "off" || value == "false";
    auto bad = [&] { return Error::usage(file + ": " + key + ": cannot read \"" + value + "\""); };
    if (k == "lowestefficiency") {
      if (off) continue;
      c.min_efficiency = parse_ratio(value);
      if (!c.min_efficiency) throw bad();
    } else if (k == "highestwastedbytes") {
      if (off) continue;
      c.dive_max_wasted = parse_size(value);
      if (!c.dive_max_wasted) throw bad();
    } else if (k == "highestuserwastedpercent") {
      if (off) continue;
      c.dive_max_user_wasted_percent = parse_ratio(value);
      if (!c.dive_max_user_wasted_percent) throw bad();
    }
  }
  return c;
}

namespace {

/// .pare.json's "analyze" section.
GateConfig gates_of(const ProjectFile& file) {
  GateConfig g;
  const std::string& path = file.path();
  file.read_section("analyze", [&](const nlohmann::json& a) {
    auto str = [&](const char* key) {
      const auto& v = a.at(key);
      return v.is_string() ? v.get<std::string>() : v.dump();
    };
    if (a.contains("maxSize")) g.max_size = size_limit(path + ": maxSize", str("maxSize"));
    if (a.contains("maxLayers")) g.max_layers = json_integer<std::uint64_t>(a.at("maxLayers"));
    if (a.contains("minEfficiency")) {
      g.min_efficiency = ratio_limit(path + ": minEfficiency", str("minEfficiency"));
    }
    if (a.contains("maxWasted")) g.max_wasted = size_limit(path + ": maxWasted", str("maxWasted"));
    if (a.contains("maxWastedPercent")) {
      g.max_wasted_percent = ratio_limit(path + ": maxWastedPercent", str("maxWastedPercent"));
    }
    if (a.contains("maxRemovable")) {
      g.max_removable = size_limit(path + ": maxRemovable", str("maxRemovable"));
    }
    for (const auto& f : a.value("forbid", std::vector<std::string>{})) g.forbid.insert(f);
  });
  return g;
}

GateConfig gates_in(const std::string& path) {
  const std::string text = ProjectFile::read_text(path);
  if (ProjectFile::looks_like_json(text)) return gates_of(ProjectFile::parse(path, text));
  return parse_dive_ci(text, path);
}

}  // namespace

std::uint64_t size_limit(const std::string& what, const std::string& text) {
  auto v = parse_size(text);
  if (!v) throw Error::usage(what + " " + text + ": not a size (e.g. 300MB, 1.5GiB)");
  return *v;
}

double ratio_limit(const std::string& what, const std::string& text) {
  auto v = parse_ratio(text);
  if (!v) throw Error::usage(what + " " + text + ": not a ratio (e.g. 0.9 or 90%)");
  return *v;
}

void merge(GateConfig& into, const GateConfig& from) {
  if (from.max_size) into.max_size = from.max_size;
  if (from.max_layers) into.max_layers = from.max_layers;
  if (from.min_efficiency) into.min_efficiency = from.min_efficiency;
  if (from.max_wasted) into.max_wasted = from.max_wasted;
  if (from.max_wasted_percent) into.max_wasted_percent = from.max_wasted_percent;
  if (from.max_removable) into.max_removable = from.max_removable;
  if (from.dive_max_wasted) into.dive_max_wasted = from.dive_max_wasted;
  if (from.dive_max_user_wasted_percent) {
    into.dive_max_user_wasted_percent = from.dive_max_user_wasted_percent;
  }
  into.forbid.insert(from.forbid.begin(), from.forbid.end());
}

GateConfig read_gate_files(const std::string& config_file) {
  GateConfig g;
  if (!config_file.empty()) {
    merge(g, gates_in(config_file));
    return g;
  }
  for (const char* f : {".dive-ci", ".pare.json"}) {
    if (std::filesystem::exists(f)) merge(g, gates_in(f));
  }
  return g;
}

}  // namespace pare
