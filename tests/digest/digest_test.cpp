#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "pare/digest/digest.hpp"
#include "pare/digest/sha256.hpp"

using pare::Digest;

namespace {
std::span<const std::byte> bytes_of(const std::string& s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}
}  // namespace

TEST_CASE("Digest parses only sha256 with 64 lowercase hex digits") {
  const std::string hex(64, 'a');
  CHECK(Digest::parse("sha256:" + hex).has_value());
  CHECK_FALSE(Digest::parse("sha256:" + std::string(64, 'A')).has_value());
  CHECK_FALSE(Digest::parse("sha256:" + hex.substr(1)).has_value());
  CHECK_FALSE(Digest::parse("sha512:" + hex).has_value());
  CHECK_FALSE(Digest::parse(hex).has_value());
  CHECK_FALSE(Digest::parse("sha256:" + std::string(63, 'a') + "g").has_value());
}

TEST_CASE("Digest JSON goes through the same parser") {
  const auto d = nlohmann::json("sha256:" + std::string(64, 'b')).get<Digest>();
  CHECK(d.hex() == std::string(64, 'b'));
  CHECK(nlohmann::json(d) == "sha256:" + std::string(64, 'b'));
  CHECK_THROWS(nlohmann::json("md5:abc").get<Digest>());
}

TEST_CASE("Sha256 matches the published test vectors") {
  // FIPS 180-2 vectors.
  CHECK(pare::sha256_of(bytes_of("")).hex() ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(pare::sha256_of(bytes_of("abc")).hex() ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("HashingSource hashes what passes through, in any chunking") {
  std::string text(100000, 'x');
  pare::MemorySource mem(std::vector<std::byte>(bytes_of(text).begin(), bytes_of(text).end()),
                         "mem");
  pare::HashingSource hashing(mem);
  std::array<std::byte, 777> buf{};
  CHECK(hashing.read(buf) == buf.size());
  const Digest d = hashing.finish();  // drains the rest
  CHECK(d == pare::sha256_of(bytes_of(text)));
  CHECK(hashing.count() == text.size());
}
