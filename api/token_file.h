// TokenFile: the API's bearer tokens, one "ROLE TOKEN" per line (ROLE admin or read, "#"
// comments). Tokens are compared in constant time, so response timing does not reveal how much
// of a guess was right.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zones/base/result.h"

namespace gslb::api {

enum class Role { kRead, kAdmin };

class TokenFile {
 public:
  // Errors name the file and line: "tokens:3: unknown role "root" (admin or read)".
  static Result<TokenFile> load(const std::string& path);
  static Result<TokenFile> parse(std::string_view text, const std::string& source);

  // The role of an "Authorization" header value ("Bearer TOKEN"), or nullopt.
  std::optional<Role> role_of(std::string_view authorization) const;
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    Role role;
    std::string token;
  };
  std::vector<Entry> entries_;
};

}  // namespace gslb::api
