// HttpClient: a small blocking HTTP/1.1 client for the agent mode (checks pulled from and
// observations pushed to gslbd nodes). One kept-alive connection per client, every request
// bounded by a deadline; http:// or https:// (the server's certificate checked against the
// context's CAs and the URL's host, set up by tls/client_context.h).
// Thread-compatible: one client per thread at a time.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "zones/base/result.h"

namespace boost::asio::ssl {
class context;
}

namespace gslb {

struct HttpUrl {
  bool tls = false;  // https://
  std::string host;
  std::string port = "80";  // "443" for https when the URL names none
  std::string base_path;    // without a trailing "/", may be empty
  std::string text;         // as given
};
// "http://127.0.0.1:8053", "https://ns1.example.net" or "http://[::1]:8053/prefix"; the error
// says what is wrong.
Result<HttpUrl> parse_http_url(const std::string& text);

struct HttpReply {
  int status = 0;
  std::string body;
  std::string etag;
};

class HttpClient {
 public:
  // `tls` is the client context for an https URL (shared between clients); null for http.
  HttpClient(HttpUrl url, std::string bearer_token, std::chrono::milliseconds timeout,
             std::shared_ptr<boost::asio::ssl::context> tls = nullptr);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // `target` is appended to the URL's base path. A reply with any status is a value; an error
  // means no reply (refused, timed out, closed).
  Result<HttpReply> request(const std::string& method, const std::string& target,
                            const std::string& body = {}, const std::string& if_none_match = {});
  const HttpUrl& url() const { return url_; }

 private:
  struct Impl;
  HttpUrl url_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gslb
