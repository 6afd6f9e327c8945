#include "version.hpp"

#include <archive.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <zstd.h>

namespace pare::cli {

std::string version_text() {
  std::string text = "pare " PARE_VERSION "\n";
  // "libarchive 3.6.2 zlib/1.2.13 liblzma/5.4.1 ...": the codecs it was built with too.
  text += std::string(archive_version_details()) + "\n";
  text += std::string(OpenSSL_version(OPENSSL_VERSION)) + "\n";
  const curl_version_info_data* curl = curl_version_info(CURLVERSION_NOW);
  text += std::string("libcurl ") + curl->version;
  if (curl->ssl_version != nullptr) text += std::string(" ") + curl->ssl_version;
  text += "\n";
  text += std::string("zstd ") + ZSTD_versionString() + "\n";
  // ISA-L has no call that says its version; this is the one pare was built against.
  text += "ISA-L " PARE_ISAL_VERSION " (built with)";  // CLI11 ends the line
  return text;
}

}  // namespace pare::cli
