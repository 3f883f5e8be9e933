#include "api/router.h"

#include <strings.h>

#include <optional>

#include "api/auth_failures.h"
#include "api/ui_page.h"
#include "api/write_transaction.h"

namespace gslb::api {
namespace {

// Splits a pattern into its segments once per call; the table is small and this is not the
// DNS hot path.
bool matches(std::string_view pattern, const std::vector<std::string>& segments, Params& params) {
  params.clear();
  if (pattern == "/") return segments.empty();
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

HttpResponse forbidden(std::string message) {
  ApiError e;
  e.status = 403;
  e.code = "forbidden";
  e.message = std::move(message);
  return error_response(e);
}

// The refusal for a request whose token does not allow `route`, or nullopt. An address that
// sent too many unknown tokens gets 429 before its token is even looked at (AuthFailures).
std::optional<HttpResponse> check_token(ApiContext& ctx, const HttpRequest& req, const Route& route,
                                        const Params& params) {
  if (req.authorization.empty())
    return unauthorized("a bearer token is required (Authorization: Bearer TOKEN)");
  AuthFailures* failures = ctx.shared().auth_failures;
  const int64_t now = wall_ms();
  if (failures) {
    if (int64_t wait = failures->retry_after_s(req.peer, now); wait > 0) {
      ApiError e;
      e.status = 429;
      e.code = "too_many_requests";
      e.message = "too many unknown tokens from " + req.peer + "; the next one is checked in " +
                  std::to_string(wait) + " s";
      HttpResponse r = error_response(e);
      r.headers.emplace_back("Retry-After", std::to_string(wait));
      return r;
    }
  }
  auto grant = ctx.shared().tokens->grant_of(req.authorization);
  if (!grant) {
    if (failures) failures->failed(req.peer, now);
    return unauthorized("unknown token");
  }
  const bool agent_route =
      route.access == Access::kAgentRead || route.access == Access::kAgentWrite;
  switch (grant->role) {
    case Role::kAdmin:
      return std::nullopt;
    case Role::kRead:
      if (route.access == Access::kWrite || route.access == Access::kAgentWrite)
        return forbidden("this token may only read; " + req.method + " needs an admin token");
      return std::nullopt;
    case Role::kAgent:
      if (!agent_route)
        return forbidden(
            "an agent token may only post observations and read its checks "
            "(/v1/agents/{agent}/…)");
      if (!grant->agent.empty() && (params.empty() || params[0] != grant->agent))
        return forbidden("this token acts as agent \"" + grant->agent + "\" only");
      return std::nullopt;
  }
  return unauthorized("unknown token");
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
  const bool writes = found->access == Access::kWrite || found->access == Access::kAgentWrite;
  if (!ctx.shared().tokens && writes && !ctx.shared().insecure_loopback)
    return count(
        unauthorized("writes need a token: start gslbd with --api-token-file FILE and send "
                     "an admin token (Authorization: Bearer TOKEN), or with "
                     "--api-insecure-loopback to let any local user write (development "
                     "only)"),
        found->pattern);
  if (ctx.shared().tokens && found->access != Access::kOpen) {
    if (auto refused = check_token(ctx, req, *found, params))
      return count(found->access == Access::kPage ? page_refused(*refused) : *refused,
                   found->pattern);
  }
  return count(found->handler(ctx, req, params), found->pattern);
}

}  // namespace gslb::api
