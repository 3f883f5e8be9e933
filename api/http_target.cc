#include "api/http_message.h"

namespace gslb::api {
namespace {

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool decode(std::string_view in, bool plus_is_space, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      char d = static_cast<char>(hi * 16 + lo);
      if (d == '\0') return false;  // never a NUL inside a name
      out.push_back(d);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return true;
}

}  // namespace

bool parse_target(std::string_view target, std::vector<std::string>& segments,
                  std::vector<std::pair<std::string, std::string>>& query) {
  segments.clear();
  query.clear();
  if (target.empty() || target[0] != '/') return false;
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view rest = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  size_t pos = 1;
  while (pos <= path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    std::string seg;
    if (!decode(path.substr(pos, end - pos), false, seg)) return false;
    // "/v1/zones/" is "/v1/zones"; an empty segment inside the path matches nothing.
    if (!(seg.empty() && end == path.size())) segments.push_back(std::move(seg));
    pos = end + 1;
  }
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string k, v;
    if (!decode(pair.substr(0, eq), true, k)) return false;
    if (eq != std::string_view::npos && !decode(pair.substr(eq + 1), true, v)) return false;
    query.emplace_back(std::move(k), std::move(v));
  }
  return true;
}

}  // namespace gslb::api
