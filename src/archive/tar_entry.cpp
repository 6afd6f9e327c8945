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

}  // namespace pare
