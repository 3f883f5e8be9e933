// /ui/ui.css and /ui/ui.js: the page's static files from the binary. Their ETag is a hash of the
// text, so a browser revalidates (Cache-Control: no-cache) and gets 304 until an upgrade changes
// them, never a stale script against a newer API.
#include <cinttypes>
#include <cstdio>
#include <string>
#include <vector>

#include "api/handlers.h"
#include "api/ui_files.h"

namespace gslb::api {
namespace {

struct Asset {
  std::string_view name;  // the last path segment
  const char* content_type;
  std::string_view (*text)();
};

constexpr Asset kAssets[] = {
    {"ui.css", "text/css; charset=utf-8", ui_css},
    {"ui.js", "text/javascript; charset=utf-8", ui_js},
};

// FNV-1a: not for secrecy, only to tell versions apart.
std::string etag_of(std::string_view text) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[24];
  snprintf(buf, sizeof buf, "\"%016" PRIx64 "\"", h);
  return buf;
}

const std::string& etag(size_t i) {
  static const std::vector<std::string> tags = [] {
    std::vector<std::string> t;
    for (const Asset& a : kAssets) t.push_back(etag_of(a.text()));
    return t;
  }();
  return tags[i];
}

}  // namespace

HttpResponse get_ui_asset(ApiContext&, const HttpRequest& req, const Params&) {
  for (const Asset& a : kAssets) {
    if (req.segments.empty() || req.segments.back() != a.name) continue;
    const std::string& tag = etag(static_cast<size_t>(&a - kAssets));
    HttpResponse r;
    r.headers = {
        {"ETag", tag}, {"Cache-Control", "no-cache"}, {"X-Content-Type-Options", "nosniff"}};
    if (req.if_none_match == "*" || req.if_none_match.find(tag) != std::string::npos) {
      r.status = 304;
      return r;
    }
    r.content_type = a.content_type;
    r.body = std::string(a.text());
    return r;
  }
  return error_response(not_found("no file " + req.target));
}

}  // namespace gslb::api
