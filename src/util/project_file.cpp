#include "pare/util/project_file.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "pare/util/error.hpp"

namespace pare {

namespace {

constexpr const char* kDefaultName = ".pare.json";

Error invalid(const std::string& path, const nlohmann::json::exception& e) {
  return Error::usage(path + ": not a valid pare config: " + std::string(e.what()));
}

}  // namespace

std::optional<ProjectFile> ProjectFile::find(const std::string& given) {
  std::string path = given;
  if (path.empty()) {
    if (!std::filesystem::exists(kDefaultName)) return std::nullopt;
    path = kDefaultName;
  }
  const std::string text = read_text(path);
  return parse(path, text);
}

ProjectFile ProjectFile::parse(std::string path, std::string_view text) {
  try {
    nlohmann::json json = nlohmann::json::parse(text);
    return {std::move(path), std::move(json)};
  } catch (const nlohmann::json::exception& e) {
    throw invalid(path, e);
  }
}

std::string ProjectFile::read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error::system(path, "cannot read the config file");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool ProjectFile::looks_like_json(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && text[first] == '{';
}

void ProjectFile::read_section(std::string_view name,
                               const std::function<void(const nlohmann::json&)>& read) const {
  try {
    const std::string key(name);
    read(json_.contains(key) ? json_.at(key) : nlohmann::json::object());
  } catch (const nlohmann::json::exception& e) {
    throw invalid(path_, e);
  }
}

}  // namespace pare
