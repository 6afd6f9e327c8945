#include "pare/elf/dlopen_note.hpp"

#include <nlohmann/json.hpp>

namespace pare {

namespace {

// Real notes name one to a few libraries; these keep a crafted one small.
constexpr std::size_t kMaxEntries = 256;
constexpr std::size_t kMaxSonames = 64;

std::string string_field(const nlohmann::json& entry, const char* key) {
  const auto it = entry.find(key);
  return it != entry.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::vector<DlopenNote> parse_dlopen_metadata(std::string_view payload,
                                              std::uint64_t max_json_depth) {
  // The payload is a C string padded with NULs to the note's alignment.
  payload = payload.substr(0, payload.find('\0'));
  if (payload.size() > kMaxDlopenNotePayload) return {};
  if (json_nests_deeper(std::as_bytes(std::span(payload)), max_json_depth)) return {};
  const nlohmann::json parsed = nlohmann::json::parse(payload, nullptr, false);
  if (!parsed.is_array()) return {};
  std::vector<DlopenNote> notes;
  for (const auto& entry : parsed) {
    if (notes.size() == kMaxEntries) break;
    if (!entry.is_object()) continue;
    DlopenNote note;
    if (const auto sonames = entry.find("soname"); sonames != entry.end() && sonames->is_array()) {
      for (const auto& soname : *sonames) {
        if (note.sonames.size() == kMaxSonames) break;
        if (soname.is_string() && !soname.get_ref<const std::string&>().empty()) {
          note.sonames.push_back(soname.get<std::string>());
        }
      }
    }
    if (note.sonames.empty()) continue;
    note.feature = string_field(entry, "feature");
    note.description = string_field(entry, "description");
    note.priority = string_field(entry, "priority");
    if (note.priority.empty()) note.priority = "recommended";
    notes.push_back(std::move(note));
  }
  return notes;
}

}  // namespace pare
