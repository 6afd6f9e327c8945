#include "pare/fs/content_store.hpp"

#include "pare/util/error.hpp"

namespace pare {

ContentStore::ContentStore()
    : file_(std::make_unique<TempFile>(TempFile::create("pare-content"))) {}

void ContentStore::append(std::span<const std::byte> bytes) {
  file_->append(bytes);
  end_ += bytes.size();
}

std::vector<std::byte> ContentStore::read(const ContentRef& ref) const {
  return file_->read_at(ref.offset, ref.size);
}

}  // namespace pare
