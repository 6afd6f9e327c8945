#include "pare/slim/options.hpp"

#include <cmath>
#include <cstdint>
#include <sstream>

#include "pare/util/error.hpp"
#include "pare/util/json_integer.hpp"
#include "pare/util/project_file.hpp"
#include "pare/util/shell_words.hpp"

namespace pare {

namespace {
/// About 31 years: far past any probe, far below what milliseconds in 64 bits can count.
constexpr std::int64_t kMaxProbeSeconds = 1'000'000'000;
}  // namespace

std::chrono::milliseconds probe_timeout_of(double seconds, const std::string& source) {
  // Milliseconds must fit the count (NaN fails the comparison too).
  if (!(std::abs(seconds) <= static_cast<double>(kMaxProbeSeconds))) {
    std::ostringstream given;
    given << seconds;
    throw Error::usage(source + " " + given.str() + ": expected seconds, at most " +
                       std::to_string(kMaxProbeSeconds));
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000.0));
}

SlimOptions read_slim_options(const std::string& config_file) {
  SlimOptions o;
  const auto file = ProjectFile::find(config_file);
  if (!file) return o;
  file->read_section("slim", [&](const nlohmann::json& s) {
    o.keep = s.value("keep", std::vector<std::string>{});
    o.drop = s.value("drop", std::vector<std::string>{});
    o.ca_certs = s.value("caCerts", true);
    o.tzdata = s.value("tzdata", true);
    o.package_metadata = s.value("packageMetadata", true);
    if (s.contains("user")) o.user = s.at("user").get<std::string>();
    if (s.contains("workdir")) o.workdir = s.at("workdir").get<std::string>();
    if (s.contains("entrypoint")) o.entrypoint = s.at("entrypoint").get<std::vector<std::string>>();
    if (s.contains("cmd")) o.cmd = s.at("cmd").get<std::vector<std::string>>();
    o.env = s.value("env", std::vector<std::string>{});
    o.tags = s.value("tags", std::vector<std::string>{});
    const std::string c = s.value("compression", "gzip");
    const auto compression = parse_compression(c);
    if (!compression) {
      throw Error::usage(file->path() + ": compression " + c + ": expected gzip, zstd or none");
    }
    o.compression = *compression;
    if (s.contains("layers")) o.layers = json_integer<int>(s.at("layers"));
    o.trace = s.value("trace", false);
    o.strict = s.value("strict", false);
    o.probes = s.value("probes", std::vector<std::string>{});
    if (s.contains("probeTimeout")) {
      o.probe_timeout =
          probe_timeout_of(s.at("probeTimeout").get<double>(), file->path() + ": probeTimeout");
    }
  });
  return o;
}

void check_slim_options(SlimOptions& options, Preset preset) {
  if (preset == Preset::kLambda) {
    if (options.compression != Compression::kGzip) {
      throw Error::usage("--preset lambda: rule lambda-gzip-layers: Lambda takes gzip layers only",
                         "drop --compression");
    }
    options.homes = false;  // 0700 folders Lambda's user cannot read, for a User Lambda ignores
  }
  if (options.layers != 1 && options.layers != 2) throw Error::usage("--layers must be 1 or 2");
  if (!options.probes.empty()) options.trace = true;  // a probe is a traced run
  if (options.probe_timeout.count() <= 0) {
    throw Error::usage("--probe-timeout must be more than 0 seconds");
  }
  for (const auto& probe : options.probes) split_shell_words(probe, "--probe");
  for (const auto& kv : options.env) {
    if (kv.find('=') == std::string::npos || kv.starts_with('=')) {
      throw Error::usage("--env " + kv + ": expected KEY=VALUE");
    }
  }
}

}  // namespace pare
