#include "pare/registry/http.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>

namespace pare {

namespace {

struct EasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct MultiDeleter {
  void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};
struct ListDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Easy = std::unique_ptr<CURL, EasyDeleter>;
using Multi = std::unique_ptr<CURLM, MultiDeleter>;
using HeaderList = std::unique_ptr<curl_slist, ListDeleter>;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool retryable(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string HttpResponse::header(const std::string& lower_name) const {
  const auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

/// One transfer: the handle, what it has received, and the body's buffer for a stream.
struct HttpStream::State {
  Easy easy;
  Multi multi;  // streams only
  HeaderList headers;
  HttpResponse response;
  bool headers_done = false;
  std::string buffer;  // received, not yet read (streams) or the whole body (perform)
  std::size_t buffer_pos = 0;
  std::uint64_t max_body = 0;
  bool streaming = false;
  bool paused = false;
  bool finished = false;
  bool too_large = false;
  CURLcode result = CURLE_OK;
  std::string error_buffer = std::string(CURL_ERROR_SIZE, '\0');
  ByteSource* upload = nullptr;
  std::string name;
  std::uint64_t delivered = 0;

  static size_t on_header(char* data, size_t size, size_t count, void* self) {
    auto* s = static_cast<State*>(self);
    std::string line(data, size * count);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (line.rfind("HTTP/", 0) == 0) {  // a new response (after a redirect or a 100)
      s->response.headers.clear();
      const auto sp = line.find(' ');
      s->response.status = sp == std::string::npos ? 0 : std::atol(line.c_str() + sp + 1);
    } else if (line.empty()) {
      const long st = s->response.status;
      const bool followed = st >= 300 && st < 400 && !s->response.header("location").empty();
      if (st >= 200 && !followed) s->headers_done = true;
    } else if (const auto colon = line.find(':'); colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      const auto first = value.find_first_not_of(" \t");
      value = first == std::string::npos ? "" : value.substr(first);
      s->response.headers[lower(line.substr(0, colon))] = value;
    }
    return size * count;
  }

  static size_t on_body(char* data, size_t size, size_t count, void* self) {
    auto* s = static_cast<State*>(self);
    const size_t n = size * count;
    s->headers_done = true;
    if (s->streaming) {
      // Hold at most a few MiB: past that the transfer waits for the reader.
      if (s->buffer.size() - s->buffer_pos > (4U << 20U)) {
        s->paused = true;
        return CURL_WRITEFUNC_PAUSE;
      }
    } else if (s->buffer.size() + n > s->max_body) {
      s->too_large = true;
      return 0;
    }
    s->buffer.append(data, n);
    return n;
  }

  static size_t on_read(char* data, size_t size, size_t count, void* self) {
    auto* s = static_cast<State*>(self);
    try {
      return s->upload->read(std::span(reinterpret_cast<std::byte*>(data), size * count));
    } catch (...) {
      return CURL_READFUNC_ABORT;
    }
  }

  void setup(const HttpRequest& r, const TlsSettings& tls) {
    global_init();
    easy.reset(curl_easy_init());
    if (!easy) throw TransportError("cannot start libcurl", false);
    CURL* h = easy.get();
    curl_easy_setopt(h, CURLOPT_URL, r.url.c_str());
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
    // A transfer that moves less than 1 byte/s for 60 s is broken (and retried by the caller).
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "pare/" PARE_VERSION);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer.data());
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &State::on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, this);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &State::on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, this);
    if (!tls.verify) {
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    } else if (!tls.ca_bundle.empty()) {
      curl_blob blob{const_cast<char*>(tls.ca_bundle.data()), tls.ca_bundle.size(), CURL_BLOB_COPY};
      curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
    }
    curl_slist* list = nullptr;
    for (const auto& line : r.headers) list = curl_slist_append(list, line.c_str());
    list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
    headers.reset(list);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
    if (r.method == "HEAD") {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (r.upload != nullptr) {
      upload = r.upload;
      curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r.method.c_str());
      curl_easy_setopt(h, CURLOPT_READFUNCTION, &State::on_read);
      curl_easy_setopt(h, CURLOPT_READDATA, this);
      curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(r.upload_size));
    } else if (r.method != "GET") {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r.method.c_str());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
      curl_easy_setopt(h, CURLOPT_COPYPOSTFIELDS, r.body.c_str());
    }
    max_body = r.max_body;
  }

  std::string failure() const {
    const std::string detail = error_buffer.substr(0, error_buffer.find('\0'));
    return detail.empty() ? curl_easy_strerror(result) : detail;
  }

  /// Drives the transfer until the headers are in, data is buffered, or it ends.
  void pump() {
    while (!finished) {
      if (buffer.size() > buffer_pos) return;
      if (paused) {
        paused = false;
        curl_easy_pause(easy.get(), CURLPAUSE_CONT);
        continue;
      }
      int running = 0;
      if (curl_multi_perform(multi.get(), &running) != CURLM_OK) {
        throw TransportError(name + ": libcurl multi interface failed", false);
      }
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi.get(), &queued)) {
        if (msg->msg == CURLMSG_DONE) {
          finished = true;
          result = msg->data.result;
        }
      }
      if (finished || buffer.size() > buffer_pos) return;
      if (!headers_done || !paused) curl_multi_poll(multi.get(), nullptr, 0, 1000, nullptr);
    }
  }
};

HttpStream::HttpStream(std::unique_ptr<State> state) : state_(std::move(state)) {}

HttpStream::~HttpStream() {
  if (state_ && state_->multi) curl_multi_remove_handle(state_->multi.get(), state_->easy.get());
}

const HttpResponse& HttpStream::response() const {
  return state_->response;
}
std::string HttpStream::name() const {
  return state_->name;
}
std::uint64_t HttpStream::delivered() const {
  return state_->delivered;
}

std::size_t HttpStream::read(std::span<std::byte> buf) {
  State& s = *state_;
  s.pump();
  if (s.buffer.size() > s.buffer_pos) {
    const std::size_t n = std::min(buf.size(), s.buffer.size() - s.buffer_pos);
    std::memcpy(buf.data(), s.buffer.data() + s.buffer_pos, n);
    s.buffer_pos += n;
    if (s.buffer_pos == s.buffer.size()) {
      s.buffer.clear();
      s.buffer_pos = 0;
    }
    s.delivered += n;
    return n;
  }
  if (s.result != CURLE_OK) {
    throw TransportError(s.name + ": the connection broke after " + std::to_string(s.delivered) +
                             " bytes: " + s.failure(),
                         retryable(s.result));
  }
  return 0;
}

HttpResponse HttpClient::perform(const HttpRequest& request) const {
  HttpStream::State s;
  s.setup(request, tls_);
  s.result = curl_easy_perform(s.easy.get());
  if (s.too_large) {
    throw TransportError(
        request.url + ": the answer is larger than " + std::to_string(request.max_body) + " bytes",
        false);
  }
  if (s.result != CURLE_OK)
    throw TransportError(request.url + ": " + s.failure(), retryable(s.result));
  s.response.body = std::move(s.buffer);
  return std::move(s.response);
}

std::unique_ptr<HttpStream> HttpClient::open_stream(const HttpRequest& request,
                                                    std::string name) const {
  auto s = std::make_unique<HttpStream::State>();
  s->setup(request, tls_);
  s->streaming = true;
  s->name = std::move(name);
  s->multi.reset(curl_multi_init());
  if (!s->multi) throw TransportError("cannot start libcurl", false);
  curl_multi_add_handle(s->multi.get(), s->easy.get());
  while (!s->headers_done && !s->finished) s->pump();
  if (!s->headers_done && s->result != CURLE_OK) {
    throw TransportError(request.url + ": " + s->failure(), retryable(s->result));
  }
  return std::make_unique<HttpStream>(std::move(s));
}

}  // namespace pare
