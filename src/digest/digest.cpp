#include "pare/digest/digest.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace pare {

std::optional<Digest> Digest::from_hex(std::string_view hex) {
  const bool ok = hex.size() == 64 && std::all_of(hex.begin(), hex.end(), [](char c) {
                    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                  });
  if (!ok) return std::nullopt;
  return Digest(std::string(hex));
}

std::optional<Digest> Digest::parse(std::string_view text) {
  constexpr std::string_view kPrefix = "sha256:";
  if (!text.starts_with(kPrefix)) return std::nullopt;
  return from_hex(text.substr(kPrefix.size()));
}

Digest Digest::from_bytes(const std::array<unsigned char, 32>& raw) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(64);
  for (unsigned char b : raw) {
    hex.push_back(kHex[b >> 4]);
    hex.push_back(kHex[b & 0xf]);
  }
  return Digest(std::move(hex));
}

void to_json(nlohmann::json& j, const Digest& d) {
  j = d.str();
}

void from_json(const nlohmann::json& j, Digest& d) {
  const auto text = j.get<std::string>();
  auto parsed = Digest::parse(text);
  if (!parsed) {
    throw nlohmann::json::other_error::create(501, "not a sha256 digest: \"" + text + "\"", &j);
  }
  d = *parsed;
}

}  // namespace pare
