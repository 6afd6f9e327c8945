#include "pare/registry/client.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "pare/digest/sha256.hpp"
#include "pare/util/error.hpp"
#include "pare/util/file.hpp"

namespace pare {

namespace {

constexpr std::uint64_t kErrorBodyBytes = 64U << 10U;
constexpr std::uint64_t kMaxPemBytes = 16U << 20U;
/// Blobs up to this size go in one PUT; larger ones in PATCH chunks of kChunkBytes.
constexpr std::uint64_t kMonolithicBytes = 16U << 20U;
constexpr std::uint64_t kChunkBytes = 32U << 20U;

std::string base64(const std::string& text) {
  std::string out(4 * ((text.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

/// A certificate file, at most a few MiB; Error naming it when it cannot be read.
std::string read_pem(const std::filesystem::path& path) {
  FileSource in(path);
  return to_string(read_all(in, kMaxPemBytes));
}

std::string url_encode(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4U];
      out += kHex[c & 15U];
    }
  }
  return out;
}

/// The parameters of a WWW-Authenticate challenge: scheme and key="value" pairs.
struct Challenge {
  std::string scheme;
  std::map<std::string, std::string> params;
};

Challenge parse_challenge(const std::string& header) {
  Challenge c;
  std::size_t i = header.find(' ');
  c.scheme = header.substr(0, i);
  std::transform(c.scheme.begin(), c.scheme.end(), c.scheme.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  while (i != std::string::npos && i < header.size()) {
    while (i < header.size() && (header[i] == ' ' || header[i] == ',')) ++i;
    const auto eq = header.find('=', i);
    if (eq == std::string::npos) break;
    std::string key = header.substr(i, eq - i);
    std::string value;
    i = eq + 1;
    if (i < header.size() && header[i] == '"') {
      for (++i; i < header.size() && header[i] != '"'; ++i) {
        if (header[i] == '\\' && i + 1 < header.size()) ++i;
        value += header[i];
      }
      ++i;
    } else {
      const auto end = header.find(',', i);
      value = header.substr(i, end == std::string::npos ? std::string::npos : end - i);
      i = end;
    }
    c.params[key] = value;
  }
  return c;
}

bool worth_retrying(long status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

/// At most `limit` bytes of another stream: one chunk of an upload.
class TakeSource : public ByteSource {
 public:
  TakeSource(ByteSource& inner, std::uint64_t limit) : inner_(inner), left_(limit) {}
  std::size_t read(std::span<std::byte> buf) override {
    if (left_ == 0) return 0;
    const std::size_t n = inner_.read(buf.first(std::min<std::uint64_t>(buf.size(), left_)));
    left_ -= n;
    return n;
  }
  std::string name() const override { return inner_.name(); }

 private:
  ByteSource& inner_;
  std::uint64_t left_;
};

}  // namespace

/// A blob streamed from the registry; a connection that breaks is resumed where it stopped.
class RegistryBlobSource : public ByteSource {
 public:
  RegistryBlobSource(RegistryClient& client, std::string digest, std::uint64_t offset)
      : client_(client), digest_(std::move(digest)), offset_(offset) {
    open();
  }
  std::size_t read(std::span<std::byte> buf) override {
    for (int attempt = 1;; ++attempt) {
      try {
        const std::size_t n = stream_->read(buf);
        offset_ += n;
        return n;
      } catch (const TransportError& e) {
        if (!e.retryable || attempt >= client_.options_.attempts) {
          throw Error(ExitCode::kSystem, std::string(e.what()));
        }
        client_.wait_before_retry(attempt, nullptr);
        open();
      }
    }
  }
  std::string name() const override { return label(); }

 private:
  void open() {
    HttpRequest r;
    r.url = "/v2/" + client_.ref_.repository + "/blobs/" + digest_;
    if (offset_ > 0) r.headers.push_back("Range: bytes=" + std::to_string(offset_) + "-");
    stream_ = client_.send_stream(r, label());
    // A registry that ignores Range sends it all again: skip what was read.
    if (offset_ > 0 && stream_->response().status == 200) skip_all(*stream_, offset_);
  }
  static void skip_all(ByteSource& s, std::uint64_t n) {
    std::array<std::byte, 64U << 10U> buf{};
    while (n > 0) {
      const std::size_t got = s.read(std::span(buf).first(std::min<std::uint64_t>(n, buf.size())));
      if (got == 0) throw Error(ExitCode::kSystem, s.name() + ": ended early resuming");
      n -= got;
    }
  }
  std::string label() const { return client_.ref_.str() + ": blob " + digest_; }
  RegistryClient& client_;
  std::string digest_;
  std::uint64_t offset_;
  std::unique_ptr<HttpStream> stream_;
};

RegistryClient::RegistryClient(Reference ref, RegistryOptions options, bool push,
                               std::string mount_from)
    : ref_(std::move(ref)), options_(std::move(options)) {
  credentials_ = find_credentials(ref_, options_);
  scope_ = "repository:" + ref_.repository + (push ? ":pull,push" : ":pull");
  if (!mount_from.empty() && mount_from != ref_.repository) {
    scope_ += " repository:" + mount_from + ":pull";
    mount_from_ = std::move(mount_from);
  }
}

std::string RegistryClient::url(const std::string& path) const {
  return path.rfind("http://", 0) == 0 || path.rfind("https://", 0) == 0 ? path : base_ + path;
}

std::string RegistryClient::authorization() const {
  const std::lock_guard lock(mutex_);
  return authorization_;
}

void RegistryClient::connect() {
  const std::lock_guard lock(mutex_);
  if (http_) return;
  TlsSettings tls;
  tls.verify = options_.tls_verify;
  std::vector<std::filesystem::path> dirs;
  if (!options_.cert_dir.empty()) {
    dirs.emplace_back(options_.cert_dir);
  } else {
    dirs.emplace_back("/etc/containers/certs.d/" + ref_.registry);
    dirs.emplace_back("/etc/docker/certs.d/" + ref_.registry);
  }
  std::string extra;
  for (const auto& dir : dirs) {
    std::error_code ec;
    std::vector<std::filesystem::path> crts;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
      if (e.path().extension() == ".crt") crts.push_back(e.path());
    }
    if (ec && dir == options_.cert_dir) {
      throw Error::system(options_.cert_dir, "--cert-dir: " + ec.message());
    }
    std::sort(crts.begin(), crts.end());
    for (const auto& crt : crts) extra += read_pem(crt) + "\n";
  }
  if (!extra.empty()) {
    // A CA blob replaces libcurl's store: the system's CAs go in it too.
    const std::filesystem::path system = "/etc/ssl/certs/ca-certificates.crt";
    tls.ca_bundle = (std::filesystem::exists(system) ? read_pem(system) + "\n" : "") + extra;
  }
  http_ = std::make_unique<HttpClient>(tls);
  // The ping tells the scheme: HTTPS, or plain HTTP where --tls-verify=false allows it.
  std::vector<std::string> bases{"https://" + ref_.api_host()};
  if (!options_.tls_verify) bases.push_back("http://" + ref_.api_host());
  std::string failure;
  for (const auto& base : bases) {
    for (int attempt = 1; attempt <= options_.attempts; ++attempt) {
      try {
        HttpRequest ping;
        ping.url = base + "/v2/";
        ping.max_body = kErrorBodyBytes;
        const HttpResponse answer = http_->perform(ping);
        if (worth_retrying(answer.status) && attempt < options_.attempts) {
          wait_before_retry(attempt, &answer);
          continue;
        }
        base_ = base;  // any answer, a 401 included, tells the scheme
        return;
      } catch (const TransportError& e) {
        failure = e.what();
        if (!e.retryable) break;
        if (attempt < options_.attempts) wait_before_retry(attempt, nullptr);
      }
    }
  }
  http_.reset();
  throw Error(ExitCode::kSystem, ref_.str() + ": cannot reach the registry: " + failure,
              options_.tls_verify ? "for a registry without TLS or with a private CA, give "
                                    "--tls-verify=false or --cert-dir"
                                  : "");
}

void RegistryClient::wait_before_retry(int attempt, const HttpResponse* response) const {
  long ms = options_.retry_delay_ms << std::min(attempt - 1, 6);
  if (response != nullptr) {
    const std::string after = response->header("retry-after");
    if (!after.empty() && std::all_of(after.begin(), after.end(), ::isdigit)) {
      ms = std::min(30'000L, std::max(ms, std::atol(after.c_str()) * 1000L));
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

void RegistryClient::authorize(const HttpResponse& challenge, const std::string& what) {
  const Challenge c = parse_challenge(challenge.header("www-authenticate"));
  const auto& creds = credentials_.credentials;
  std::string hint = "give --creds USER:PASSWORD, or log in with skopeo login or podman login";
  if (!credentials_.note.empty()) hint = credentials_.note;
  if (c.scheme == "basic") {
    if (!creds) fail(challenge, what);
    const std::lock_guard lock(mutex_);
    authorization_ = "Basic " + base64(creds->user + ":" + creds->password);
    return;
  }
  if (c.scheme != "bearer" || !c.params.contains("realm")) fail(challenge, what);
  std::string url = c.params.at("realm");
  url += url.find('?') == std::string::npos ? "?" : "&";
  if (c.params.contains("service")) url += "service=" + url_encode(c.params.at("service")) + "&";
  // Ours, and any the challenge adds; each scope its own parameter (a space joins several).
  std::string scopes = scope_;
  if (c.params.contains("scope") && c.params.at("scope") != scope_) {
    scopes += " " + c.params.at("scope");
  }
  std::istringstream words(scopes);
  for (std::string s; words >> s;) url += "scope=" + url_encode(s) + "&";
  url.pop_back();
  HttpRequest r;
  r.url = url;
  r.max_body = 1U << 20U;
  if (creds)
    r.headers.push_back("Authorization: Basic " + base64(creds->user + ":" + creds->password));
  HttpResponse answer;
  try {
    answer = http_->perform(r);
  } catch (const TransportError& e) {
    throw Error(ExitCode::kSystem, what + ": the token server: " + e.what());
  }
  if (answer.status != 200) {
    throw Error(ExitCode::kSystem,
                what + ": the token server at " + c.params.at("realm") + " answered " +
                    std::to_string(answer.status) + (creds ? " for " + creds->user : ""),
                hint);
  }
  const auto j = nlohmann::json::parse(answer.body, nullptr, false);
  std::string token;
  if (j.is_object()) {
    if (j.contains("token") && j["token"].is_string()) token = j["token"];
    if (token.empty() && j.contains("access_token") && j["access_token"].is_string()) {
      token = j["access_token"];
    }
  }
  if (token.empty()) {
    throw Error(ExitCode::kSystem, what + ": the token server's answer holds no token");
  }
  const std::lock_guard lock(mutex_);
  authorization_ = "Bearer " + token;
}

void RegistryClient::fail(const HttpResponse& response, const std::string& what) const {
  std::string detail;
  bool missing = response.status == 404;
  const auto j = nlohmann::json::parse(response.body, nullptr, false);
  if (j.is_object() && j.contains("errors") && j["errors"].is_array() && !j["errors"].empty()) {
    const auto& e = j["errors"][0];
    const std::string code = e.value("code", "");
    detail = code + ": " + e.value("message", "");
    missing =
        missing || code == "MANIFEST_UNKNOWN" || code == "BLOB_UNKNOWN" || code == "NAME_UNKNOWN";
  } else if (response.status == 401) {  // a HEAD has no body: the code its status stands for
    detail = "UNAUTHORIZED: authentication required";
  } else if (response.status == 403) {
    detail = "DENIED: requested access to the resource is denied";
  } else {
    detail = "HTTP " + std::to_string(response.status);
  }
  if (response.status == 401 || response.status == 403) {
    std::string hint = "give --creds USER:PASSWORD, or log in with skopeo login or podman login";
    if (!credentials_.note.empty()) hint = credentials_.note;
    if (credentials_.credentials) hint = "the credentials are from " + credentials_.source;
    throw Error(ExitCode::kSystem, what + ": " + detail, hint);
  }
  throw Error(missing ? ExitCode::kBadInput : ExitCode::kSystem, what + ": " + detail);
}

HttpResponse RegistryClient::exchange(HttpRequest request, const std::string& what,
                                      const std::function<HttpResponse(const HttpRequest&)>& once) {
  connect();
  const std::string target = url(request.url);
  const auto base_headers = request.headers;
  bool authorized_again = false;
  for (int attempt = 1;; ++attempt) {
    request.url = target;
    request.headers = base_headers;
    if (const auto a = authorization(); !a.empty()) {
      request.headers.push_back("Authorization: " + a);
    }
    HttpResponse response;
    try {
      response = once(request);
    } catch (const TransportError& e) {
      if (!e.retryable || attempt >= options_.attempts) {
        throw Error(ExitCode::kSystem, what + ": " + e.what());
      }
      wait_before_retry(attempt, nullptr);
      continue;
    }
    if (response.status == 401 && !authorized_again) {
      authorized_again = true;
      authorize(response, what);
      --attempt;
      continue;
    }
    if (worth_retrying(response.status) && attempt < options_.attempts) {
      wait_before_retry(attempt, &response);
      continue;
    }
    return response;
  }
}

HttpResponse RegistryClient::send(HttpRequest request, const std::string& what) {
  return exchange(std::move(request), what,
                  [&](const HttpRequest& r) { return http_->perform(r); });
}

std::unique_ptr<HttpStream> RegistryClient::send_stream(HttpRequest request,
                                                        const std::string& what) {
  std::unique_ptr<HttpStream> stream;
  const HttpResponse response = exchange(std::move(request), what, [&](const HttpRequest& r) {
    stream = http_->open_stream(r, what);
    HttpResponse answer = stream->response();
    if (answer.status == 200 || answer.status == 206) return answer;
    // An error's body, for its message only.
    try {
      std::array<std::byte, 4096> buf{};
      while (answer.body.size() < kErrorBodyBytes) {
        const std::size_t n = stream->read(buf);
        if (n == 0) break;
        answer.body.append(reinterpret_cast<const char*>(buf.data()), n);
      }
    } catch (const TransportError&) {
    }
    return answer;
  });
  if (response.status != 200 && response.status != 206) fail(response, what);
  return stream;
}

ServedManifest RegistryClient::manifest(const std::string& tag_or_digest, std::uint64_t max_bytes) {
  HttpRequest r;
  r.url = "/v2/" + ref_.repository + "/manifests/" + tag_or_digest;
  r.headers.emplace_back(
      "Accept: application/vnd.oci.image.index.v1+json, "
      "application/vnd.oci.image.manifest.v1+json, "
      "application/vnd.docker.distribution.manifest.list.v2+json, "
      "application/vnd.docker.distribution.manifest.v2+json");
  r.max_body = max_bytes;
  const std::string what = tag_or_digest == ref_.manifest_ref()
                               ? ref_.str()
                               : ref_.str() + ": manifest " + tag_or_digest;
  const HttpResponse response = send(r, what);
  if (response.status != 200) fail(response, what);
  ServedManifest m;
  m.bytes = response.body;
  m.media_type = response.header("content-type");
  if (const auto semi = m.media_type.find(';'); semi != std::string::npos)
    m.media_type.resize(semi);
  m.digest = sha256_of(std::as_bytes(std::span(m.bytes))).str();
  if (tag_or_digest.rfind("sha256:", 0) == 0 && tag_or_digest != m.digest) {
    throw Error(ExitCode::kBadInput,
                what + ": digest mismatch: the registry served bytes hashing to " + m.digest);
  }
  return m;
}

std::optional<std::uint64_t> RegistryClient::blob_size(const std::string& digest) {
  HttpRequest r;
  r.method = "HEAD";
  r.url = "/v2/" + ref_.repository + "/blobs/" + digest;
  const std::string what = ref_.str() + ": blob " + digest;
  const HttpResponse response = send(r, what);
  if (response.status == 404) return std::nullopt;
  if (response.status != 200) fail(response, what);
  const std::string length = response.header("content-length");
  if (length.empty() || !std::all_of(length.begin(), length.end(), ::isdigit)) {
    throw Error(ExitCode::kSystem, what + ": the registry gave no Content-Length");
  }
  return std::stoull(length);
}

std::unique_ptr<ByteSource> RegistryClient::blob(const std::string& digest, std::uint64_t offset) {
  return std::make_unique<RegistryBlobSource>(*this, digest, offset);
}

bool RegistryClient::push_blob(const std::string& digest, std::uint64_t size,
                               const std::function<std::unique_ptr<ByteSource>()>& open) {
  if (blob_size(digest)) return false;
  const std::string what = ref_.str() + ": blob " + digest;
  const std::string uploads = "/v2/" + ref_.repository + "/blobs/uploads/";
  for (int attempt = 1;; ++attempt) {
    HttpRequest start;
    start.method = "POST";
    start.url = uploads;
    if (!mount_from_.empty()) start.url += "?mount=" + digest + "&from=" + mount_from_;
    HttpResponse answer = send(start, what);
    if (answer.status == 201 && !mount_from_.empty()) return false;  // mounted
    if (answer.status != 202) fail(answer, what);
    std::string location = answer.header("location");
    const std::string min_chunk = answer.header("oci-chunk-min-length");
    const std::uint64_t chunk = std::max<std::uint64_t>(
        kChunkBytes, min_chunk.empty() ? 0 : std::strtoull(min_chunk.c_str(), nullptr, 10));
    try {
      auto bytes = open();
      std::uint64_t sent = 0;
      // Monolithic for small blobs; PATCH chunks then a closing PUT for large ones.
      while (size > kMonolithicBytes && sent < size) {
        const std::uint64_t n = std::min(chunk, size - sent);
        TakeSource part(*bytes, n);
        HttpRequest patch;
        patch.method = "PATCH";
        patch.url = url(location);
        patch.headers = {
            "Content-Type: application/octet-stream",
            "Content-Range: " + std::to_string(sent) + "-" + std::to_string(sent + n - 1),
            "Authorization: " + authorization()};
        patch.upload = &part;
        patch.upload_size = n;
        const HttpResponse r = http_->perform(patch);
        if (r.status != 202) fail(r, what);
        location = r.header("location").empty() ? location : r.header("location");
        sent += n;
      }
      HttpRequest put;
      put.method = "PUT";
      put.url = url(location) + (location.find('?') == std::string::npos ? "?" : "&") +
                "digest=" + url_encode(digest);
      put.headers = {"Content-Type: application/octet-stream", "Authorization: " + authorization()};
      if (sent < size) {
        put.upload = bytes.get();
        put.upload_size = size;
      }
      const HttpResponse done = http_->perform(put);
      if (done.status == 201) return true;
      if (!worth_retrying(done.status) || attempt >= options_.attempts) fail(done, what);
      wait_before_retry(attempt, &done);
    } catch (const TransportError& e) {
      if (!e.retryable || attempt >= options_.attempts) {
        throw Error(ExitCode::kSystem, what + ": " + e.what());
      }
      wait_before_retry(attempt, nullptr);
    }
  }
}

void RegistryClient::push_manifest(const std::string& tag_or_digest, const std::string& bytes,
                                   const std::string& media_type) {
  HttpRequest r;
  r.method = "PUT";
  r.url = "/v2/" + ref_.repository + "/manifests/" + tag_or_digest;
  r.headers.push_back("Content-Type: " + media_type);
  r.body = bytes;
  const std::string what = ref_.str() + ": manifest " + tag_or_digest;
  const HttpResponse response = send(r, what);
  if (response.status != 201 && response.status != 200) fail(response, what);
  const std::string digest = sha256_of(std::as_bytes(std::span(bytes))).str();
  const std::string served = response.header("docker-content-digest");
  if (!served.empty() && served != digest) {
    throw Error(ExitCode::kSystem,
                what + ": the registry stored it as " + served + ", not " + digest);
  }
}

}  // namespace pare
