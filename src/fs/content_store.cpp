#include "pare/fs/content_store.hpp"

#include "pare/util/error.hpp"

namespace pare {

ContentStore::ContentStore() : state_(std::make_unique<State>(TempFile::create("pare-content"))) {}

ContentRef ContentStore::reserve(std::uint64_t size) {
  return {state_->end.fetch_add(size), size};
}

void ContentStore::write(const ContentRef& ref, std::uint64_t at,
                         std::span<const std::byte> bytes) {
  if (at + bytes.size() > ref.size) {
    throw Error(ExitCode::kSystem, "a capture passed the range it reserved");
  }
  state_->file.write_at(ref.offset + at, bytes);
}

ContentRef ContentStore::add(std::span<const std::byte> bytes) {
  const ContentRef ref = reserve(bytes.size());
  write(ref, 0, bytes);
  return ref;
}

std::vector<std::byte> ContentStore::read(const ContentRef& ref) const {
  return state_->file.read_at(ref.offset, ref.size);
}

}  // namespace pare
