#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "pare/registry/credentials.hpp"
#include "pare/registry/http.hpp"
#include "pare/registry/options.hpp"
#include "pare/registry/reference.hpp"
#include "pare/util/byte_source.hpp"

namespace pare {

/// A manifest or index as the registry served it.
struct ServedManifest {
  std::string bytes;
  std::string media_type;  ///< the response's Content-Type
  std::string digest;      ///< sha256 of `bytes`, computed here
};

/// One repository of one registry over the OCI distribution API: the Bearer token dance
/// (WWW-Authenticate realm, service, scope) or basic auth with the credentials found, retries
/// with backoff on 429, 5xx and broken connections, and the registry's own error codes in
/// every message ("docker://h/r:t: MANIFEST_UNKNOWN: manifest unknown"). Exit 3 for an image
/// or blob the registry does not have, exit 4 for network, TLS and auth failures. Threads may
/// share one client (layers stream in parallel).
class RegistryClient {
 public:
  /// `push` asks for push rights too; `mount_from`, a repository of the same registry blobs
  /// may be mounted from.
  RegistryClient(Reference ref, RegistryOptions options, bool push = false,
                 std::string mount_from = {});

  const Reference& reference() const { return ref_; }

  /// The manifest or index named by `tag_or_digest`, at most `max_bytes`; a digest reference
  /// is checked against the bytes.
  ServedManifest manifest(const std::string& tag_or_digest, std::uint64_t max_bytes);
  /// A blob's size, or nullopt when the registry does not have it (HEAD).
  std::optional<std::uint64_t> blob_size(const std::string& digest);
  /// A blob's bytes from `offset` on, streamed: a connection that breaks is resumed with a
  /// Range request where it stopped. The caller checks the digest.
  std::unique_ptr<ByteSource> blob(const std::string& digest, std::uint64_t offset = 0);

  /// Uploads a blob of `size` bytes from `bytes` unless the registry has it, mounting it from
  /// mount_from when it can. Returns true when bytes were sent.
  bool push_blob(const std::string& digest, std::uint64_t size,
                 const std::function<std::unique_ptr<ByteSource>()>& open);
  /// PUTs a manifest under `tag_or_digest` with its media type.
  void push_manifest(const std::string& tag_or_digest, const std::string& bytes,
                     const std::string& media_type);

 private:
  friend class RegistryBlobSource;
  /// The one loop every request goes through: `once` sends it (to a path under /v2/ or an
  /// absolute URL, with the current authorization) and returns the answer; a 401 gets one new
  /// authorization, transient failures are retried. Returns the last answer.
  HttpResponse exchange(HttpRequest request, const std::string& what,
                        const std::function<HttpResponse(const HttpRequest&)>& once);
  /// exchange with the whole body read.
  HttpResponse send(HttpRequest request, const std::string& what);
  /// exchange with the body left to stream; an answer other than 200 or 206 fails.
  std::unique_ptr<HttpStream> send_stream(HttpRequest request, const std::string& what);
  std::string url(const std::string& path) const;
  void connect();
  void authorize(const HttpResponse& challenge, const std::string& what);
  std::string authorization() const;
  [[noreturn]] void fail(const HttpResponse& response, const std::string& what) const;
  void wait_before_retry(int attempt, const HttpResponse* response) const;

  Reference ref_;
  RegistryOptions options_;
  CredentialLookup credentials_;
  std::string scope_;
  std::unique_ptr<HttpClient> http_;
  std::string base_;  ///< "https://host" or "http://host", after connect()
  mutable std::mutex mutex_;
  std::string authorization_;  ///< "Bearer ..." or "Basic ..."
  std::string mount_from_;
};

}  // namespace pare
