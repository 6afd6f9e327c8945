#pragma once

#include <chrono>
#include <string>

#include "pare/rules/lambda.hpp"
#include "pare/slim/plan.hpp"

namespace pare {

/// The slim rules of the project file (`config_file`, else .pare.json in the working folder;
/// the defaults when there is none), its "slim" section: keep, drop, caCerts, tzdata,
/// packageMetadata, user, workdir, entrypoint, cmd, env, tags, compression, layers, trace,
/// probes (shell words each), probeTimeout (seconds). Throws
/// Error: exit 4 when the file cannot be read, exit 2 when a value is malformed.
SlimOptions read_slim_options(const std::string& config_file);

/// A probe timeout given in seconds by `source` (".pare.json: probeTimeout", "--probe-timeout").
/// Throws a usage Error (exit 2) naming it past a billion seconds (about 31 years), where the
/// conversion to milliseconds would be undefined, or when it is not a number.
std::chrono::milliseconds probe_timeout_of(double seconds, const std::string& source);

/// Checks options before anything is read: --env is KEY=VALUE, --layers 1 or 2, each probe
/// splits into shell words (a probe turns tracing on), a positive probe timeout, and under the
/// lambda preset gzip layers (lambda-gzip-layers); the preset also leaves out the 0700 homes
/// Lambda's user cannot read. Throws a usage Error (exit 2).
void check_slim_options(SlimOptions& options, Preset preset);

}  // namespace pare
