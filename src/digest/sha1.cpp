#include "pare/digest/sha1.hpp"

#include <openssl/evp.h>

#include <array>

#include "pare/util/error.hpp"

namespace pare {

void Sha1::Free::operator()(evp_md_ctx_st* ctx) const {
  EVP_MD_CTX_free(ctx);
}

Sha1::Sha1() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha1(), nullptr) != 1) {
    throw Error(ExitCode::kSystem, "OpenSSL: cannot start a SHA-1");
  }
}

void Sha1::update(std::span<const std::byte> bytes) {
  if (bytes.empty()) return;
  EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size());
}

std::string Sha1::finish_hex() {
  std::array<unsigned char, 20> raw{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_.get(), raw.data(), &len);
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * raw.size());
  for (const unsigned char b : raw) {
    hex.push_back(kHex[b >> 4U]);
    hex.push_back(kHex[b & 0xfU]);
  }
  return hex;
}

}  // namespace pare
