// HttpClient: a small blocking HTTP/1.1 client for the agent mode (checks pulled from and
// observations pushed to gslbd nodes). One kept-alive connection per client, every request
// bounded by a deadline; only http:// (the API is served on loopback or behind a TLS proxy).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "zones/base/result.h"

namespace gslb {

struct HttpUrl {
  std::string host;
  std::string port = "80";
  std::string base_path;  // without a trailing "/", may be empty
  std::string text;       // as given
};
// "http://127.0.0.1:8053" or "http://[::1]:8053/prefix"; the error says what is wrong.
Result<HttpUrl> parse_http_url(const std::string& text);

struct HttpReply {
  int status = 0;
  std::string body;
  std::string etag;
};

class HttpClient {
 public:
  HttpClient(HttpUrl url, std::string bearer_token, std::chrono::milliseconds timeout);
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
