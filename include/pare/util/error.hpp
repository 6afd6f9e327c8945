#pragma once

#include <stdexcept>
#include <string>

namespace pare {

/// The exit codes every command shares (documented in man/pare.1 and the README).
enum class ExitCode : int {
  kOk = 0,
  kCheckFailed = 1,  ///< a gate or a verification failed
  kUsage = 2,        ///< bad flags or arguments, or a choice the input requires (--platform)
  kBadInput = 3,     ///< invalid or unsupported input: corrupt archive, digest mismatch, ...
  kSystem = 4,       ///< I/O or system error
};

/// The one exception type of pare: a one-line message, the exit code it maps to, and an
/// optional hint line. Thrown at part boundaries and caught once, in the cli.
class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message, std::string hint = {})
      : std::runtime_error(message), code_(code), hint_(std::move(hint)) {}

  ExitCode code() const { return code_; }
  const std::string& hint() const { return hint_; }

  /// "<file>: <what>" with exit code 3.
  static Error bad_input(const std::string& file, const std::string& what, std::string hint = {}) {
    return {ExitCode::kBadInput, file + ": " + what, std::move(hint)};
  }
  /// "<file>: <what>" with exit code 4.
  static Error system(const std::string& file, const std::string& what) {
    return {ExitCode::kSystem, file + ": " + what};
  }
  /// A usage error (exit code 2).
  static Error usage(const std::string& message, std::string hint = {}) {
    return {ExitCode::kUsage, message, std::move(hint)};
  }

 private:
  ExitCode code_;
  std::string hint_;
};

/// "<what>: <strerror(errno)>" for the current errno.
std::string errno_message(const std::string& what);

}  // namespace pare
