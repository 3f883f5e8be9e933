// The token file: bearer tokens of the API and what each may do, one per line, "#" comments.
//
//   admin    TOKEN          every route
//   read     TOKEN          every GET
//   agent    TOKEN          only what a remote agent does: post observations, read its checks
//   agent:ID TOKEN          the same, and only as agent ID
//   ROLE     sha256:HEX     the token kept only as its SHA-256 (64 hex digits), so the file
//                           does not hold the secret: `printf %s "$TOKEN" | sha256sum`
//
// The API loads the whole file (TokenFile); a client (gslbctl, `gslbd healthd`) sends the token
// of its first line (client_token), which may also be a bare "TOKEN". Tokens are compared in
// constant time, so response timing does not tell how much of a guess was right. Immutable
// once loaded: any number of threads may call grant_of().
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zones/base/result.h"

namespace gslb::api {

enum class Role { kRead, kAdmin, kAgent };

struct Grant {
  Role role = Role::kRead;
  std::string agent = {};  // kAgent: the one agent id it may act as; empty: any
};

class TokenFile {
 public:
  // Errors name the file and line: "tokens:3: unknown role "root" (admin, read, agent or
  // agent:ID)".
  static Result<TokenFile> load(const std::string& path);
  static Result<TokenFile> parse(std::string_view text, const std::string& source);

  // What an "Authorization" header value ("Bearer TOKEN") grants, or nullopt.
  std::optional<Grant> grant_of(std::string_view authorization) const;
  std::optional<Role> role_of(std::string_view authorization) const {
    auto g = grant_of(authorization);
    return g ? std::optional<Role>(g->role) : std::nullopt;
  }
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    Grant grant;
    std::string secret;  // the token, or its SHA-256 when `hashed`
    bool hashed = false;
  };
  std::vector<Entry> entries_;
};

// The token a client sends: the first line's, "TOKEN" or "ROLE TOKEN". A hashed line is an
// error (the client needs the token itself), as is anything TokenFile::load would refuse.
Result<std::string> client_token(const std::string& path);

}  // namespace gslb::api
