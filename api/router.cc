#include "api/router.h"

#include <strings.h>

namespace gslb::api {
namespace {

// Splits a pattern into its segments once per call; the table is small and this is not the
// DNS hot path.
bool matches(std::string_view pattern, const std::vector<std::string>& segments, Params& params) {
  params.clear();
  size_t i = 0, pos = 1;
  while (pos <= pattern.size()) {
    size_t end = pattern.find('/', pos);
    if (end == std::string_view::npos) end = pattern.size();
    std::string_view seg = pattern.substr(pos, end - pos);
    if (i >= segments.size()) return false;
    if (!seg.empty() && seg.front() == '{') {
      if (segments[i].empty()) return false;
      params.push_back(segments[i]);
    } else if (seg != segments[i]) {
      return false;
    }
    ++i;
    pos = end + 1;
  }
  return i == segments.size();
}

HttpResponse unauthorized(const char* message) {
  ApiError e;
  e.status = 401;
  e.code = "unauthorized";
  e.message = message;
  HttpResponse r = error_response(e);
  r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"gslbd\"");
  return r;
}

}  // namespace

HttpResponse dispatch(ApiContext& ctx, const HttpRequest& req) {
  if (req.bad_target)
    return error_response(bad_request("cannot decode the request target \"" + req.target + "\""));
  Params params;
  const Route* found = nullptr;
  std::string allow;
  for (const Route& r : routes()) {
    if (!matches(r.pattern, req.segments, params)) continue;
    if (r.method == req.method) {
      found = &r;
      break;
    }
    if (allow.find(r.method) == std::string::npos)
      allow += (allow.empty() ? "" : ", ") + std::string(r.method);
  }
  auto count = [&](const HttpResponse& resp, std::string_view route) {
    if (ctx.shared().metrics)
      ctx.shared().metrics->count_request(std::string(route), req.method, resp.status);
    return resp;
  };
  if (!found) {
    if (allow.empty())
      return count(error_response(not_found("no route " + req.method + " " +
                                            req.target.substr(0, req.target.find('?')))),
                   "unmatched");
    ApiError e;
    e.status = 405;
    e.code = "method_not_allowed";
    e.message = req.method + " is not allowed here; allowed: " + allow;
    HttpResponse r = error_response(e);
    r.headers.emplace_back("Allow", allow);
    return count(r, "unmatched");
  }
  if (!ctx.shared().tokens && found->access == Access::kWrite && !ctx.shared().insecure_loopback)
    return count(
        unauthorized("writes need a token: start gslbd with --api-token-file FILE and send "
                     "an admin token (Authorization: Bearer TOKEN), or with "
                     "--api-insecure-loopback to let any local user write (development "
                     "only)"),
        found->pattern);
  if (ctx.shared().tokens && found->access != Access::kOpen) {
    if (req.authorization.empty())
      return count(unauthorized("a bearer token is required (Authorization: Bearer TOKEN)"),
                   found->pattern);
    auto role = ctx.shared().tokens->role_of(req.authorization);
    if (!role) return count(unauthorized("unknown token"), found->pattern);
    if (found->access == Access::kWrite && *role != Role::kAdmin) {
      ApiError e;
      e.status = 403;
      e.code = "forbidden";
      e.message = "this token may only read; " + req.method + " needs an admin token";
      return count(error_response(e), found->pattern);
    }
  }
  return count(found->handler(ctx, req, params), found->pattern);
}

}  // namespace gslb::api
