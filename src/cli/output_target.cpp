#include "output_target.hpp"

#include "pare/registry/push.hpp"

namespace pare::cli {

OutputTarget::OutputTarget(const std::string& output) : path_(output) {
  if (!Reference::is_reference(output)) return;
  ref_ = Reference::parse(output);
  dir_.emplace("pare-push");
  path_ = dir_->path() / "image.tar";
}

void OutputTarget::refuse_over(const std::string& output, const std::vector<std::string>& inputs) {
  if (Reference::is_reference(output)) return;
  std::vector<std::filesystem::path> paths;
  for (const auto& input : inputs) {
    if (input != "-" && !Reference::is_reference(input)) paths.emplace_back(input);
  }
  refuse_output_over_input(output, paths);
}

std::string OutputTarget::finish(const RegistryOptions& options, const std::string& source,
                                 const Progress& progress) const {
  if (!ref_) return path_.string();
  std::string mount_from;
  if (Reference::is_reference(source)) {
    const Reference from = Reference::parse(source);
    if (from.registry == ref_->registry) mount_from = from.repository;
  }
  const auto bundle = open_bundle(path_);
  const std::string digest = push_image(*bundle, *ref_, options, mount_from, progress);
  Reference pushed = *ref_;
  pushed.digest = digest;
  return pushed.str();
}

}  // namespace pare::cli
