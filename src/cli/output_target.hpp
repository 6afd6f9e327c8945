#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "pare/registry/options.hpp"
#include "pare/registry/reference.hpp"
#include "pare/util/file.hpp"
#include "pare/util/progress.hpp"

namespace pare::cli {

/// Where slim and pack write: the file named by -o, or, for -o docker://..., a temporary
/// archive that is pushed once written (and checked, with --check) and removed after.
class OutputTarget {
 public:
  explicit OutputTarget(const std::string& output);

  /// refuse_output_over_input for what names host paths: neither a docker:// output nor a
  /// docker:// or "-" input is looked up on the host.
  static void refuse_over(const std::string& output, const std::vector<std::string>& inputs);

  bool is_registry() const { return ref_.has_value(); }
  /// The file the image is written to.
  const std::filesystem::path& path() const { return path_; }
  /// Pushes the written archive when the output is a registry, mounting blobs from the source
  /// reference when it is in the same registry. Returns what was written, for the last line:
  /// the file, or the reference with the digest pushed ("docker://h/r:t@sha256:...").
  std::string finish(const RegistryOptions& options, const std::string& source,
                     const Progress& progress = {}) const;

 private:
  std::optional<Reference> ref_;
  std::optional<TempDir> dir_;
  std::filesystem::path path_;
};

}  // namespace pare::cli
