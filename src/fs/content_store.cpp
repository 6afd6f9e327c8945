#include "pare/fs/content_store.hpp"

#include <unistd.h>

#include <cerrno>

#include "pare/util/error.hpp"

namespace pare {

ContentStore::ContentStore()
    : file_(std::make_unique<TempFile>(TempFile::create("pare-content"))) {}

void ContentStore::append(std::span<const std::byte> bytes) {
  file_->append(bytes);
  end_ += bytes.size();
}

std::vector<std::byte> ContentStore::read(const ContentRef& ref) const {
  std::vector<std::byte> out(ref.size);
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(file_->fd(), out.data() + done, out.size() - done,
                              static_cast<off_t>(ref.offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error::system(file_->path().string(), errno_message("read failed"));
    done += static_cast<std::size_t>(n);
  }
  return out;
}

}  // namespace pare
