// A plain name: what names of checks, members, regions and agents must be, because they appear
// in URLs, metrics labels and change lines unquoted. One rule, so an agent id the command line
// accepts is one the API accepts too.
#pragma once

#include <cctype>
#include <string_view>

namespace gslb {

inline constexpr const char* kPlainNameRule = "1 to 63 letters, digits, \".\", \"_\" or \"-\"";

inline bool is_plain_name(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  for (unsigned char c : s)
    if (!std::isalnum(c) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

}  // namespace gslb
