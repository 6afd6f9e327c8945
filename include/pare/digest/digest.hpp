#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace pare {

/// A content address, `sha256:<64 lowercase hex>`. Only sha256 is accepted: it is the only
/// algorithm the image specs require and the only one real producers write.
class Digest {
 public:
  /// The all-zero digest: a placeholder until a real one is assigned.
  Digest() : hex_(64, '0') {}
  /// Parses "sha256:<64 lowercase hex>"; nullopt for anything else.
  static std::optional<Digest> parse(std::string_view text);
  /// From 64 lowercase hex characters; nullopt when they are not that.
  static std::optional<Digest> from_hex(std::string_view hex);
  /// From the 32 raw bytes of a SHA-256.
  static Digest from_bytes(const std::array<unsigned char, 32>& raw);

  const std::string& hex() const { return hex_; }
  std::string str() const { return "sha256:" + hex_; }
  /// The first 12 hex digits, as docker shows IDs.
  std::string short_hex() const { return hex_.substr(0, 12); }

  auto operator<=>(const Digest&) const = default;

 private:
  explicit Digest(std::string hex) : hex_(std::move(hex)) {}
  std::string hex_;
};

/// JSON as the string form; from_json throws nlohmann::json::other_error on a bad digest.
void to_json(nlohmann::json& j, const Digest& d);
void from_json(const nlohmann::json& j, Digest& d);

}  // namespace pare

template <>
struct std::hash<pare::Digest> {
  std::size_t operator()(const pare::Digest& d) const noexcept {
    return std::hash<std::string>{}(d.hex());
  }
};
