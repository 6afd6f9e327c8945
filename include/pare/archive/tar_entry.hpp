#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace pare {

enum class EntryType { kFile, kDir, kSymlink, kHardlink, kCharDevice, kBlockDevice, kFifo };

/// "file", "dir", "symlink", ...: the names pare prints and writes in JSON.
std::string_view to_string(EntryType type);

/// "drwxr-xr-x", as ls -l and tar -tv print a type and mode (setuid, setgid, sticky included).
std::string mode_string(EntryType type, std::uint32_t mode);

/// One tar member as pare keeps it: copied out of libarchive before the next header.
struct TarEntry {
  std::string path;  ///< as written in the archive (not normalized)
  EntryType type = EntryType::kFile;
  std::uint32_t mode = 0;  ///< permission bits with setuid, setgid and sticky
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::int64_t mtime = 0;
  std::uint64_t size = 0;   ///< bytes of data (0 for everything but regular files)
  std::string link_target;  ///< symlink target, or hardlink target path as written
  std::uint32_t dev_major = 0;
  std::uint32_t dev_minor = 0;
  std::map<std::string, std::string> xattrs;  ///< "security.capability" -> raw value
};

}  // namespace pare
