#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pare/archive/compression.hpp"
#include "pare/archive/tar_entry.hpp"
#include "pare/digest/digest.hpp"
#include "pare/util/byte_source.hpp"
#include "pare/util/file.hpp"

namespace pare {

/// One layer as it will be stored: its bytes in a temporary file and the facts a manifest and
/// a config need. Copies share the file, which goes away with the last copy.
struct LayerBlob {
  std::shared_ptr<TempFile> file;  ///< the stored (compressed) bytes
  Digest digest;                   ///< of the stored bytes
  std::uint64_t size = 0;          ///< of the stored bytes
  Digest diff_id;                  ///< of the uncompressed tar
  std::string media_type;          ///< application/vnd.oci.image.layer.v1.tar, +gzip or +zstd
};

/// The OCI layer media type of a compression.
std::string layer_media_type(Compression compression);

/// Orders paths so a folder comes before its children and a subtree stays together: byte
/// order of the '/'-separated components ("a" < "a/b" < "a.b", where plain byte order would put
/// "a.b" before "a/b").
bool path_order_less(std::string_view a, std::string_view b);

/// Builds one layer from `entries`, reproducibly: the same entries and bytes always give the
/// same blob.
///
/// Entries are sorted by path_order_less and written by TarWriter (see there for the format;
/// mtimes, owners, modes and xattrs as given). Paths are normalized ('/' and "./" prefixes
/// dropped; an entry for the root itself is dropped, as layers carry none); a hardlink's
/// `link_target` is normalized the same way and must name a regular file or another hardlink of the
/// same layer. When sorting puts a hardlink before the file it names, the roles swap: the first
/// path in order carries the bytes and the others link to it, so every link in the tar points
/// backwards as extractors need.
///
/// One pass: the tar stream is hashed (diff_id) and compressed as it is made (gzip at level 6,
/// no name, MTIME 0; zstd at level 3; or none, when digest == diff_id) into a temporary file,
/// whose bytes are hashed too (digest). `data(entry)` is called once per regular file, in tar
/// order, with the entry exactly as given, and returns a fresh stream of exactly entry.size
/// bytes.
///
/// Throws Error: exit 3 for a bad entry (a path that climbs out of the root, the same path
/// twice, a hardlink to nothing in the layer, data of the wrong size); exit 4 for I/O errors.
/// Nothing is left behind on failure.
LayerBlob build_layer(std::vector<TarEntry> entries,
                      const std::function<std::unique_ptr<ByteSource>(const TarEntry&)>& data,
                      Compression compression);

}  // namespace pare
