#include "pare/deps/ld_config.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <sstream>

#include "pare/util/path.hpp"

namespace pare {

namespace {

constexpr std::string_view kOldMagic = "ld.so-1.7.0";
constexpr std::string_view kNewMagic = "glibc-ld.so.cache1.1";
constexpr std::size_t kNewHeaderSize = 48;
constexpr std::size_t kNewEntrySize = 24;
constexpr std::size_t kOldEntrySize = 12;
constexpr std::uint32_t kFlagLibc6 = 0x0003;

std::uint32_t load32(std::span<const std::byte> b, std::size_t at, bool big) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const auto byte = std::to_integer<std::uint32_t>(b[at + (big ? i : 3 - i)]);
    v = (v << 8U) | byte;
  }
  return v;
}

std::string c_string(std::span<const std::byte> b, std::uint64_t at) {
  if (at >= b.size()) return {};
  const auto* start = reinterpret_cast<const char*>(b.data()) + at;
  const auto* nul = static_cast<const char*>(std::memchr(start, 0, b.size() - at));
  if (nul == nullptr) return {};
  return {start, nul};
}

bool starts_with(std::span<const std::byte> b, std::size_t at, std::string_view magic) {
  return at + magic.size() <= b.size() &&
         std::memcmp(b.data() + at, magic.data(), magic.size()) == 0;
}

}  // namespace

std::vector<LdCacheEntry> parse_ld_so_cache(std::span<const std::byte> bytes) {
  std::vector<LdCacheEntry> out;
  std::size_t header = 0;
  if (starts_with(bytes, 0, kOldMagic)) {
    // The old table comes first: magic (padded to 12), count, 12-byte entries; the new header
    // follows, aligned to 8.
    if (bytes.size() < 16) return out;
    const std::uint64_t old_count = load32(bytes, 12, false);
    const std::uint64_t end = 16 + old_count * kOldEntrySize;
    header = static_cast<std::size_t>((end + 7) & ~std::uint64_t{7});
    if (end > bytes.size()) return out;
  }
  if (!starts_with(bytes, header, kNewMagic) || header + kNewHeaderSize > bytes.size()) return out;
  const auto endian = std::to_integer<unsigned>(bytes[header + 28]) & 3U;
  const bool big = endian == 3;
  const std::uint64_t count = load32(bytes, header + 20, big);
  const auto base = bytes.subspan(header);
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::uint64_t at = kNewHeaderSize + i * kNewEntrySize;
    if (at + kNewEntrySize > base.size()) break;
    LdCacheEntry e;
    e.flags = load32(base, static_cast<std::size_t>(at), big);
    e.soname = c_string(base, load32(base, static_cast<std::size_t>(at + 4), big));
    e.path = c_string(base, load32(base, static_cast<std::size_t>(at + 8), big));
    if (!e.soname.empty() && !e.path.empty()) out.push_back(std::move(e));
  }
  return out;
}

std::uint32_t ld_cache_flags(std::uint16_t machine) {
  switch (machine) {
    case 62:
      return 0x0300U | kFlagLibc6;  // EM_X86_64: FLAG_X8664_LIB64
    case 183:
      return 0x0a00U | kFlagLibc6;  // EM_AARCH64: FLAG_AARCH64_LIB64
    default:
      return 0;
  }
}

namespace {

void read_conf(const ImageTree& tree, const std::string& path, int depth,
               std::vector<std::string>& dirs) {
  if (depth > 8) return;
  const Resolution r = tree.rootfs.resolve(path);
  if (r.node == nullptr) return;
  const auto bytes = tree.read(*r.node);
  if (!bytes) return;
  std::istringstream in(to_string(*bytes));
  const std::string here = std::string("/").append(parent_path(r.path));
  for (std::string line; std::getline(in, line);) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream words(line);
    std::string first;
    if (!(words >> first)) continue;
    if (first == "hwcap") continue;
    if (first == "include") {
      for (std::string pattern; words >> pattern;) {
        const std::string full = pattern.starts_with('/') ? pattern : join_path(here, pattern);
        // Expand the glob's last component against the names in the image (C order).
        const std::string dir = std::string("/").append(parent_path(clamp_path(full)));
        const std::string name_glob = full.substr(full.rfind('/') + 1);
        const Resolution d = tree.rootfs.resolve(dir);
        if (d.node == nullptr || d.node->type != EntryType::kDir) continue;
        for (const auto& [name, child] : d.node->children) {
          if (::fnmatch(name_glob.c_str(), name.c_str(), FNM_PERIOD) == 0) {
            read_conf(tree, join_path(dir, name), depth + 1, dirs);
          }
        }
      }
      continue;
    }
    // A folder; ldconfig also accepts "dir=type" from old versions.
    std::string dir = line.substr(line.find_first_not_of(" \t"));
    if (auto eq = dir.find('='); eq != std::string::npos) dir.erase(eq);
    while (!dir.empty() && (dir.back() == '/' || dir.back() == ' ' || dir.back() == '\t')) {
      dir.pop_back();
    }
    if (!dir.empty()) dirs.push_back(dir);
  }
}

}  // namespace

std::vector<std::string> read_ld_so_conf(const ImageTree& tree, const std::string& path) {
  std::vector<std::string> dirs;
  read_conf(tree, path, 0, dirs);
  return dirs;
}

std::vector<NssSource> parse_nsswitch(std::string_view text) {
  std::vector<NssSource> out;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::istringstream db_words(line.substr(0, colon));
    std::string database;
    if (!(db_words >> database)) continue;
    std::istringstream words(line.substr(colon + 1));
    int depth = 0;  // inside "[NOTFOUND=return]" actions
    for (std::string word; words >> word;) {
      if (word.starts_with('[')) ++depth;
      if (depth == 0) out.push_back({database, word});
      if (word.ends_with(']')) depth = std::max(0, depth - 1);
    }
  }
  return out;
}

}  // namespace pare
