#include "pare/elf/go_buildinfo.hpp"

#include <algorithm>
#include <vector>

namespace pare {

namespace {

// golang/go src/debug/buildinfo/buildinfo.go: buildInfoMagic, buildInfoAlign and
// buildInfoHeaderSize; the flag bits are flagsEndian and flagsVersionInl.
constexpr std::string_view kMagic{"\xff Go buildinf:", 14};
constexpr std::size_t kAlign = 16;
constexpr std::size_t kHeaderSize = 32;
constexpr unsigned kFlagBigEndian = 1;
constexpr unsigned kFlagInlineStrings = 2;
// cmd/go's modload.infoStart and infoEnd frame the module info; each is 16 bytes.
constexpr std::size_t kSentinelSize = 16;
// An old-format string is read through a pointer; no version or module info comes near this.
constexpr std::uint64_t kMaxPointedString = 1U << 20U;

std::string_view as_chars(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

/// The offset of the first magic at a 16-byte aligned offset with a whole header after it.
std::optional<std::size_t> find_magic(std::string_view data) {
  std::size_t from = 0;
  while (from < data.size()) {
    const std::size_t at = data.find(kMagic, from);
    if (at == std::string_view::npos || data.size() - at < kHeaderSize) return std::nullopt;
    if (at % kAlign == 0) return at;
    from = (at / kAlign + 1) * kAlign;
  }
  return std::nullopt;
}

/// Takes one uvarint-length string off the front of `data` (Go's decodeString); nullopt when
/// the length is malformed or runs past the data.
std::optional<std::string_view> take_string(std::string_view& data) {
  std::uint64_t length = 0;
  std::size_t used = 0;
  for (unsigned shift = 0;; shift += 7) {
    if (used >= data.size() || used >= 10) return std::nullopt;
    const auto byte = static_cast<unsigned char>(data[used++]);
    if (used == 10 && byte > 1) return std::nullopt;  // more than 64 bits
    length |= static_cast<std::uint64_t>(byte & 0x7FU) << shift;
    if (byte < 0x80U) break;
  }
  if (length > data.size() - used) return std::nullopt;
  const std::string_view text = data.substr(used, length);
  data.remove_prefix(used + length);
  return text;
}

std::uint64_t read_pointer(std::string_view bytes, std::size_t size, bool big_endian) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < size && i < bytes.size(); ++i) {
    const auto byte = static_cast<unsigned char>(bytes[big_endian ? i : size - 1 - i]);
    value = (value << 8U) | byte;
  }
  return value;
}

/// The Go string whose header (data pointer, length) is at `address` (Go's readString).
std::optional<std::string> read_pointed_string(const VirtualMemoryReader& read_memory,
                                               std::uint64_t address, std::size_t pointer_size,
                                               bool big_endian) {
  const std::string_view header = as_chars(read_memory(address, 2 * pointer_size));
  if (header.size() < 2 * pointer_size) return std::nullopt;
  const std::uint64_t data = read_pointer(header, pointer_size, big_endian);
  const std::uint64_t length = read_pointer(header.substr(pointer_size), pointer_size, big_endian);
  if (length > kMaxPointedString) return std::nullopt;
  const std::string_view text = as_chars(read_memory(data, length));
  if (text.size() < length) return std::nullopt;
  return std::string(text.substr(0, length));
}

/// The length of the Go quoted string ("..." or `...`) at the start of `text`; nullopt when
/// it is not terminated.
std::optional<std::size_t> quoted_length(std::string_view text) {
  if (text.empty() || (text[0] != '"' && text[0] != '`')) return std::nullopt;
  const char quote = text[0];
  for (std::size_t i = 1; i < text.size(); ++i) {
    if (text[i] == quote) return i + 1;
    if (quote == '"' && text[i] == '\\') ++i;
  }
  return std::nullopt;
}

void append_utf8(std::string& out, std::uint32_t code_point) {
  if (code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    code_point = 0xFFFD;  // what Go's strconv does with an invalid rune
  }
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0U | (code_point >> 6U));
    out += static_cast<char>(0x80U | (code_point & 0x3FU));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0U | (code_point >> 12U));
    out += static_cast<char>(0x80U | ((code_point >> 6U) & 0x3FU));
    out += static_cast<char>(0x80U | (code_point & 0x3FU));
  } else {
    out += static_cast<char>(0xF0U | (code_point >> 18U));
    out += static_cast<char>(0x80U | ((code_point >> 12U) & 0x3FU));
    out += static_cast<char>(0x80U | ((code_point >> 6U) & 0x3FU));
    out += static_cast<char>(0x80U | (code_point & 0x3FU));
  }
}

std::optional<std::uint32_t> parse_digits(std::string_view digits, unsigned base) {
  std::uint32_t value = 0;
  for (const char c : digits) {
    unsigned digit = 0;
    if (c >= '0' && c <= '9') {
      digit = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<unsigned>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      digit = static_cast<unsigned>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    if (digit >= base) return std::nullopt;
    value = value * base + digit;
  }
  return value;
}

/// Go's strconv.Unquote of a whole quoted string; nullopt when it is not exactly one.
std::optional<std::string> unquote(std::string_view quoted) {
  if (quoted_length(quoted) != quoted.size()) return std::nullopt;
  const std::string_view body = quoted.substr(1, quoted.size() - 2);
  if (quoted[0] == '`') return std::string(body);
  std::string out;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\') {
      out += body[i];
      continue;
    }
    if (++i >= body.size()) return std::nullopt;
    const char escape = body[i];
    std::size_t digits = 0;
    unsigned base = 16;
    switch (escape) {
      case 'a':
        out += '\a';
        continue;
      case 'b':
        out += '\b';
        continue;
      case 'f':
        out += '\f';
        continue;
      case 'n':
        out += '\n';
        continue;
      case 'r':
        out += '\r';
        continue;
      case 't':
        out += '\t';
        continue;
      case 'v':
        out += '\v';
        continue;
      case '\\':
        out += '\\';
        continue;
      case '"':
        out += '"';
        continue;
      case 'x':
        digits = 2;
        break;
      case 'u':
        digits = 4;
        break;
      case 'U':
        digits = 8;
        break;
      default:
        if (escape < '0' || escape > '7') return std::nullopt;
        digits = 3;
        base = 8;
        --i;  // the octal digits start at the escape character itself
        break;
    }
    if (body.size() - i - 1 < digits) return std::nullopt;
    const auto value = parse_digits(body.substr(i + 1, digits), base);
    if (!value) return std::nullopt;
    if (escape == 'x' || base == 8) {
      if (*value > 0xFF) return std::nullopt;
      out += static_cast<char>(*value);  // a byte, not a code point
    } else {
      append_utf8(out, *value);
    }
    i += digits;
  }
  return out;
}

/// Adds one "build" line's KEY=VALUE (runtime/debug ParseBuildInfo); malformed lines are
/// skipped.
void add_build_setting(std::string_view setting, GoBuildInfo& info) {
  if (setting.empty() || setting[0] == '=') return;
  std::string key;
  std::string_view raw_value;
  if (setting[0] == '"' || setting[0] == '`') {
    const auto length = quoted_length(setting);
    if (!length) return;
    auto unquoted = unquote(setting.substr(0, *length));
    if (!unquoted) return;
    key = std::move(*unquoted);
    setting.remove_prefix(*length);
    if (setting.empty() || setting[0] != '=') return;
    raw_value = setting.substr(1);
  } else {
    const std::size_t equals = setting.find('=');
    if (equals == std::string_view::npos) return;
    key = std::string(setting.substr(0, equals));
    raw_value = setting.substr(equals + 1);
  }
  std::string value;
  if (!raw_value.empty() && (raw_value[0] == '"' || raw_value[0] == '`')) {
    auto unquoted = unquote(raw_value);
    if (!unquoted) return;
    value = std::move(*unquoted);
  } else {
    value = std::string(raw_value);
  }
  if (key == "CGO_ENABLED") {
    if (value == "1") info.cgo_enabled = true;
    if (value == "0") info.cgo_enabled = false;
  }
  info.settings.insert_or_assign(std::move(key), std::move(value));
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = text.find(separator, start);
    if (end == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

}  // namespace

GoBuildInfo parse_go_modinfo(std::string_view modinfo) {
  GoBuildInfo info;
  for (const std::string_view line : split(modinfo, '\n')) {
    if (line.starts_with("go\t")) {
      info.go_version = std::string(line.substr(3));
    } else if (line.starts_with("path\t")) {
      info.module_path = std::string(line.substr(5));
    } else if (line.starts_with("mod\t")) {
      const auto fields = split(line.substr(4), '\t');
      if (fields.size() >= 2) info.module_version = std::string(fields[1]);
    } else if (line.starts_with("build\t")) {
      add_build_setting(line.substr(6), info);
    }
  }
  return info;
}

std::optional<GoBuildInfo> decode_go_build_info(std::span<const std::byte> data,
                                                const VirtualMemoryReader& read_memory) {
  const std::string_view text = as_chars(data);
  const auto at = find_magic(text);
  if (!at) return std::nullopt;
  const std::string_view blob = text.substr(*at);  // at least kHeaderSize bytes
  const auto pointer_size = static_cast<unsigned char>(blob[kMagic.size()]);
  const auto flags = static_cast<unsigned char>(blob[kMagic.size() + 1]);

  std::string version;
  std::string modinfo;
  if ((flags & kFlagInlineStrings) != 0) {
    std::string_view rest = blob.substr(kHeaderSize);
    const auto inline_version = take_string(rest);
    if (!inline_version) return std::nullopt;
    version = std::string(*inline_version);
    if (const auto inline_modinfo = take_string(rest)) modinfo = std::string(*inline_modinfo);
  } else {
    if (pointer_size != 4 && pointer_size != 8) return std::nullopt;
    const bool big_endian = (flags & kFlagBigEndian) != 0;
    const std::string_view pointers = blob.substr(kMagic.size() + 2);
    const std::uint64_t version_at = read_pointer(pointers, pointer_size, big_endian);
    const std::uint64_t modinfo_at =
        read_pointer(pointers.substr(pointer_size), pointer_size, big_endian);
    auto pointed_version = read_pointed_string(read_memory, version_at, pointer_size, big_endian);
    if (!pointed_version) return std::nullopt;
    version = std::move(*pointed_version);
    if (auto pointed = read_pointed_string(read_memory, modinfo_at, pointer_size, big_endian)) {
      modinfo = std::move(*pointed);
    }
  }
  if (version.empty()) return std::nullopt;

  // debug/buildinfo keeps the module info only when both sentinels frame it.
  std::string_view framed = modinfo;
  if (framed.size() >= 2 * kSentinelSize + 1 && framed[framed.size() - kSentinelSize - 1] == '\n') {
    framed = framed.substr(kSentinelSize, framed.size() - 2 * kSentinelSize);
  } else {
    framed = {};
  }
  GoBuildInfo info = parse_go_modinfo(framed);
  info.go_version = std::move(version);
  return info;
}

}  // namespace pare
