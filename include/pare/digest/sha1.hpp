#pragma once

#include <memory>
#include <span>
#include <string>

struct evp_md_ctx_st;

namespace pare {

/// Streaming SHA-1 over OpenSSL's EVP interface. Not for content addresses (those are SHA-256,
/// Digest): SPDX 2.3 requires a file's SHA-1 (§8.4, cardinality 1..1) and derives a package's
/// verification code from them (§7.9).
class Sha1 {
 public:
  /// Throws Error (exit 4) when OpenSSL cannot start one.
  Sha1();
  void update(std::span<const std::byte> bytes);
  /// The 40 lowercase hex digits of everything given so far; the hasher cannot be used
  /// afterwards.
  std::string finish_hex();

 private:
  struct Free {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, Free> ctx_;
};

}  // namespace pare
