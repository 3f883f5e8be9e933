#include "api/token_file.h"

#include <openssl/crypto.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace gslb::api {
namespace {

// Equal-length comparison in constant time; the length itself is not secret enough to hide
// (tokens are long random strings), but the content is.
bool same(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

Result<TokenFile> TokenFile::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(path + ": cannot read: " + std::string(strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

Result<TokenFile> TokenFile::parse(std::string_view text, const std::string& source) {
  TokenFile out;
  size_t line_no = 0, pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string line(text.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream fields(line);
    std::string role, token, extra;
    if (!(fields >> role)) continue;
    const std::string where = source + ":" + std::to_string(line_no) + ": ";
    if (!(fields >> token)) return make_error(where + "expected \"ROLE TOKEN\"");
    if (fields >> extra) return make_error(where + "expected \"ROLE TOKEN\", found more");
    Entry e;
    if (role == "admin") {
      e.role = Role::kAdmin;
    } else if (role == "read") {
      e.role = Role::kRead;
    } else {
      return make_error(where + "unknown role \"" + role + "\" (admin or read)");
    }
    if (token.size() < 16) return make_error(where + "token shorter than 16 characters");
    e.token = token;
    out.entries_.push_back(std::move(e));
  }
  if (out.entries_.empty()) return make_error(source + ": no tokens");
  return out;
}

std::optional<Role> TokenFile::role_of(std::string_view authorization) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() <= kBearer.size() ||
      strncasecmp(authorization.data(), kBearer.data(), kBearer.size()) != 0)
    return std::nullopt;
  std::string_view token = authorization.substr(kBearer.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  // Every entry is compared, so the time does not tell which one matched.
  std::optional<Role> found;
  for (const Entry& e : entries_)
    if (same(token, e.token) && !found) found = e.role;
  return found;
}

}  // namespace gslb::api
