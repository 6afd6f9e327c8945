#include "pare/archive/tar_entry.hpp"

namespace pare {

std::string_view to_string(EntryType type) {
  switch (type) {
    case EntryType::kFile:
      return "file";
    case EntryType::kDir:
      return "dir";
    case EntryType::kSymlink:
      return "symlink";
    case EntryType::kHardlink:
      return "hardlink";
    case EntryType::kCharDevice:
      return "chardev";
    case EntryType::kBlockDevice:
      return "blockdev";
    case EntryType::kFifo:
      return "fifo";
  }
  return "unknown";
}

std::string mode_string(EntryType type, std::uint32_t mode) {
  std::string s(10, '-');
  switch (type) {
    case EntryType::kDir:
      s[0] = 'd';
      break;
    case EntryType::kSymlink:
      s[0] = 'l';
      break;
    case EntryType::kCharDevice:
      s[0] = 'c';
      break;
    case EntryType::kBlockDevice:
      s[0] = 'b';
      break;
    case EntryType::kFifo:
      s[0] = 'p';
      break;
    default:
      break;
  }
  static constexpr char kRwx[] = "rwxrwxrwx";
  for (int i = 0; i < 9; ++i) {
    if ((mode & (0400U >> static_cast<unsigned>(i))) != 0) s[1 + i] = kRwx[i];
  }
  if ((mode & 04000U) != 0) s[3] = (mode & 0100U) != 0 ? 's' : 'S';
  if ((mode & 02000U) != 0) s[6] = (mode & 0010U) != 0 ? 's' : 'S';
  if ((mode & 01000U) != 0) s[9] = (mode & 0001U) != 0 ? 't' : 'T';
  return s;
}

}  // namespace pare
