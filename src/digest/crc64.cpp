#include "pare/digest/crc64.hpp"

#include <isa-l/crc64.h>

namespace pare {

void Crc64::update(std::span<const std::byte> bytes) {
  crc_ = crc64_ecma_refl(crc_, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

std::uint64_t crc64_of(std::span<const std::byte> bytes) {
  Crc64 crc;
  crc.update(bytes);
  return crc.value();
}

}  // namespace pare
