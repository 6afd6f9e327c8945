#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace pare {

/// The limits a CI step or a pre-push hook sets on an image (flags, .pare.json's "analyze", or
/// dive's .dive-ci). Unset limits are not checked.
struct GateConfig {
  std::optional<std::uint64_t> max_size;  ///< uncompressed bytes of all layers
  std::optional<std::uint64_t> max_layers;
  std::optional<double> min_efficiency;                ///< dive's efficiency, 0..1
  std::optional<std::uint64_t> max_wasted;             ///< pare's wasted bytes
  std::optional<double> max_wasted_percent;            ///< pare's wasted bytes / size, 0..1
  std::optional<std::uint64_t> max_removable;          ///< bytes a slim would remove
  std::optional<std::uint64_t> dive_max_wasted;        ///< .dive-ci highestWastedBytes
  std::optional<double> dive_max_user_wasted_percent;  ///< .dive-ci highestUserWastedPercent
  std::set<std::string> forbid;  ///< "shell", "package-manager", "setuid", "root-user"
};

/// What the gates compare.
struct GateInputs {
  std::uint64_t size = 0;
  std::uint64_t layers = 0;
  double efficiency = 1.0;
  std::uint64_t wasted = 0;
  std::uint64_t dive_wasted = 0;
  double dive_user_wasted_percent = 0.0;
  std::optional<std::uint64_t> removable;  ///< unknown when no slim plan could be made
  std::vector<std::string> shells;
  std::vector<std::string> package_managers;
  std::vector<std::string> setuid_files;
  std::string user;  ///< the config's User
};

/// One gate's verdict.
struct GateResult {
  std::string name;  ///< "max-size", "forbid shell", ...
  bool passed = true;
  std::string actual;
  std::string limit;
  std::string message;  ///< one line: what failed and by how much, or why it passed
};

std::vector<GateResult> evaluate_gates(const GateConfig& config, const GateInputs& inputs);

/// "300MB", "1.5GB", "20MiB", "1024" (bytes); nullopt when malformed.
std::optional<std::uint64_t> parse_size(std::string_view text);
/// "0.9", "90%"; nullopt when malformed.
std::optional<double> parse_ratio(std::string_view text);

/// parse_size and parse_ratio of a limit named `what` ("--max-size", "f.json: maxSize"), a
/// usage Error (exit 2) saying what was expected when the text is malformed.
std::uint64_t size_limit(const std::string& what, const std::string& text);
double ratio_limit(const std::string& what, const std::string& text);

/// dive's .dive-ci rules file: `rules:` with lowestEfficiency, highestWastedBytes,
/// highestUserWastedPercent (snake_case accepted too; "disabled", "off", "false" or empty turn a
/// rule off). Throws Error (exit 2) naming `file` on a value it cannot read.
GateConfig parse_dive_ci(std::string_view text, const std::string& file);

/// Sets in `into` every limit `from` sets; forbidden things add up.
void merge(GateConfig& into, const GateConfig& from);

/// The limits of the rules files: `config_file` when given (pare's JSON, anything else read
/// as .dive-ci), else .dive-ci then .pare.json in the working folder, merged in that order.
/// .pare.json's "analyze" section holds maxSize, maxLayers, minEfficiency, maxWasted,
/// maxWastedPercent, maxRemovable (sizes and ratios as strings or numbers) and forbid.
/// Throws Error: exit 4 when a file cannot be read, exit 2 when a value is malformed.
GateConfig read_gate_files(const std::string& config_file);

}  // namespace pare
