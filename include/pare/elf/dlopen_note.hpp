#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pare/util/limits.hpp"

namespace pare {

/// The owner and type of a dlopen metadata note (systemd docs/ELF_DLOPEN_METADATA.md).
inline constexpr std::string_view kDlopenNoteOwner = "FDO";
inline constexpr std::uint32_t kDlopenNoteType = 0x407c0c0a;
/// The largest payload read: real notes hold a few hundred bytes.
inline constexpr std::size_t kMaxDlopenNotePayload = std::size_t{64} * 1024;

/// One library a .note.dlopen says the object may dlopen().
struct DlopenNote {
  std::vector<std::string> sonames;  ///< alternatives, the one tried first first
  std::string feature;               ///< "zstd", "PCRE2"; may be empty
  std::string description;           ///< may be empty
  std::string priority;              ///< "required", "recommended" (when unstated) or "suggested"
};

/// The entries of one note's payload: a JSON array of objects {"soname": [...], "feature",
/// "description", "priority"}, NUL-padded. Malformed JSON or a payload over
/// kMaxDlopenNotePayload gives nothing; an entry without a soname string is skipped, as is a
/// field of the wrong type. Never throws.
std::vector<DlopenNote> parse_dlopen_metadata(
    std::string_view payload, std::uint64_t max_json_depth = InputLimits{}.max_json_depth);

}  // namespace pare
