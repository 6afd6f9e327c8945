#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "pare/digest/digest.hpp"
#include "pare/util/byte_source.hpp"

struct evp_md_ctx_st;

namespace pare {

/// Streaming SHA-256 over OpenSSL's EVP interface.
class Sha256 {
 public:
  Sha256();
  void update(std::span<const std::byte> bytes);
  /// The digest of everything given so far; the hasher cannot be used afterwards.
  Digest finish();
  std::uint64_t count() const { return count_; }

 private:
  struct Free {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, Free> ctx_;
  std::uint64_t count_ = 0;
};

/// The digest of a byte span.
Digest sha256_of(std::span<const std::byte> bytes);

/// Passes bytes through from `inner` while hashing them: one pass gives a blob's digest and
/// feeds the next stage.
class HashingSource : public ByteSource {
 public:
  explicit HashingSource(ByteSource& inner) : inner_(inner) {}
  std::size_t read(std::span<std::byte> buf) override;
  std::string name() const override { return inner_.name(); }
  /// Drains the rest of the stream, then returns its digest.
  Digest finish();
  std::uint64_t count() const { return sha_.count(); }

 private:
  ByteSource& inner_;
  Sha256 sha_;
};

}  // namespace pare
