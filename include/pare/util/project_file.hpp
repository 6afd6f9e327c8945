#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace pare {

/// pare's rules file (.pare.json): one JSON object with a section per command ("slim",
/// "analyze"), each read by the part it configures. This is its one reader.
class ProjectFile {
 public:
  /// The file named by --config (`given`), else .pare.json in the working folder when there
  /// is one. Throws Error: exit 4 when it cannot be read, exit 2 when it is not JSON.
  static std::optional<ProjectFile> find(const std::string& given);
  /// Parses `text` read from `path`; a usage Error (exit 2) when it is not JSON.
  static ProjectFile parse(std::string path, std::string_view text);
  /// The whole of a file named on the command line; Error (exit 4) when it cannot be read.
  static std::string read_text(const std::string& path);
  /// True when `text` starts (after blanks) like a JSON object: how a --config that may be
  /// dive's .dive-ci is told apart.
  static bool looks_like_json(std::string_view text);

  const std::string& path() const { return path_; }
  /// Hands the section `name` (an empty object when absent) to `read`; a JSON type error
  /// inside it becomes a usage Error (exit 2) naming the file.
  void read_section(std::string_view name,
                    const std::function<void(const nlohmann::json& section)>& read) const;

 private:
  ProjectFile(std::string path, nlohmann::json json)
      : path_(std::move(path)), json_(std::move(json)) {}
  std::string path_;
  nlohmann::json json_;
};

}  // namespace pare
