#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pare/util/byte_source.hpp"

namespace pare {

/// What a TLS connection trusts.
struct TlsSettings {
  bool verify = true;     ///< false: any certificate (--tls-verify=false)
  std::string ca_bundle;  ///< PEM of CAs trusted besides the system's; empty: the system's only
};

/// An HTTP answer: the status of the last response after redirects, its headers by lower-case
/// name (a repeated header keeps its last value), and its body when it was read.
struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
  /// The header's value, "" when absent.
  std::string header(const std::string& lower_name) const;
};

/// One request. A body is either small bytes in memory or a stream of known length.
struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  ///< "Name: value"
  std::string body;
  ByteSource* upload = nullptr;  ///< streamed body instead of `body`
  std::uint64_t upload_size = 0;
  /// The most a response body may be before the request fails (manifests and errors are small).
  std::uint64_t max_body = 16U << 20U;
};

/// A transport failure: no HTTP answer (refused, reset, timed out, TLS). `retryable` tells a
/// broken connection from a refused certificate.
struct TransportError : std::runtime_error {
  TransportError(const std::string& what, bool can_retry)
      : std::runtime_error(what), retryable(can_retry) {}
  bool retryable;
};

/// An HTTP response whose body is read as it arrives: the registry's blobs stream through
/// pare's readers without being held, and are never downloaded faster than they are read.
class HttpStream : public ByteSource {
 public:
  ~HttpStream() override;
  HttpStream(const HttpStream&) = delete;
  HttpStream& operator=(const HttpStream&) = delete;
  /// The response's status and headers, known once open_stream returns.
  const HttpResponse& response() const;
  std::size_t read(std::span<std::byte> buf) override;
  std::string name() const override;
  /// Bytes of the body delivered by read so far.
  std::uint64_t delivered() const;

  struct State;
  explicit HttpStream(std::unique_ptr<State> state);

 private:
  std::unique_ptr<State> state_;
};

/// Sends requests with libcurl: redirects followed (credentials never sent to another host),
/// the TLS settings applied. Every call uses its own connection, so threads may share this.
class HttpClient {
 public:
  explicit HttpClient(TlsSettings tls) : tls_(std::move(tls)) {}
  /// Sends the request and reads the whole body (at most request.max_body); throws
  /// TransportError when no answer came.
  HttpResponse perform(const HttpRequest& request) const;
  /// Sends the request and returns once the headers are in; the body is read from the stream.
  /// `name` names the stream in errors. Throws TransportError.
  std::unique_ptr<HttpStream> open_stream(const HttpRequest& request, std::string name) const;

 private:
  TlsSettings tls_;
};

}  // namespace pare
