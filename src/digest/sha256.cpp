#include "pare/digest/sha256.hpp"

#include <openssl/evp.h>

#include "pare/util/error.hpp"

namespace pare {

void Sha256::Free::operator()(evp_md_ctx_st* ctx) const {
  EVP_MD_CTX_free(ctx);
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
    throw Error(ExitCode::kSystem, "OpenSSL: cannot start a SHA-256");
  }
}

void Sha256::update(std::span<const std::byte> bytes) {
  if (bytes.empty()) return;
  EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size());
  count_ += bytes.size();
}

Digest Sha256::finish() {
  std::array<unsigned char, 32> raw{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_.get(), raw.data(), &len);
  return Digest::from_bytes(raw);
}

Digest sha256_of(std::span<const std::byte> bytes) {
  Sha256 sha;
  sha.update(bytes);
  return sha.finish();
}

std::size_t HashingSource::read(std::span<std::byte> buf) {
  const std::size_t n = inner_.read(buf);
  sha_.update(buf.first(n));
  return n;
}

Digest HashingSource::finish() {
  drain(*this);
  return sha_.finish();
}

}  // namespace pare
