#pragma once

#include <string_view>

namespace pare {

/// True for an RFC 3339 date-time with a zone, as Go's time.RFC3339 parses it (what Docker
/// decodes `created` with): "2024-01-02T03:04:05Z", "2024-01-02T03:04:05.123+01:00".
bool is_rfc3339(std::string_view s);

}  // namespace pare
