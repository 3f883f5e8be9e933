#include "api/tokens/token_file.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <strings.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace gslb::api {
namespace {

constexpr size_t kMinTokenLength = 16;
constexpr std::string_view kHashPrefix = "sha256:";
constexpr const char* kRoles = "admin, read, agent or agent:ID";

// Equal-length comparison in constant time; the length itself is not secret enough to hide
// (tokens are long random strings), but the content is.
bool same(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string sha256_hex(std::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * sizeof digest);
  for (unsigned char c : digest) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

bool is_lower_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

Result<std::string> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return make_error(ErrorKind::io, path + ": cannot read: " + std::string(strerror(errno)), path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return make_error(ErrorKind::io, path + ": read error", path);
  return text.str();
}

// One line's fields without its comment: none for a blank line.
std::vector<std::string> fields_of(std::string_view line) {
  std::string text(line.substr(0, line.find('#')));
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Calls `each(line_no, fields)` for every non-blank line until it returns an error.
template <typename Each>
Result<void> for_each_line(std::string_view text, Each each) {
  size_t line_no = 0, pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::vector<std::string> fields = fields_of(text.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (fields.empty()) continue;
    if (auto r = each(line_no, fields); !r) return r;
  }
  return {};
}

Result<Grant> parse_role(const std::string& role, const std::string& where) {
  if (role == "admin") return Grant{Role::kAdmin};
  if (role == "read") return Grant{Role::kRead};
  if (role == "agent") return Grant{Role::kAgent};
  if (role.rfind("agent:", 0) == 0 && role.size() > 6) return Grant{Role::kAgent, role.substr(6)};
  return make_error(ErrorKind::invalid, where + "unknown role \"" + role + "\" (" + kRoles + ")");
}

// The secret of a line: a token of at least 16 characters, or "sha256:" and 64 hex digits.
Result<void> check_secret(const std::string& secret, const std::string& where) {
  if (secret.rfind(kHashPrefix, 0) == 0) {
    std::string_view hex = std::string_view(secret).substr(kHashPrefix.size());
    if (hex.size() != 2 * SHA256_DIGEST_LENGTH || !is_lower_hex(hex))
      return make_error(ErrorKind::invalid,
                        where + "a hashed token is \"sha256:\" and 64 lowercase hex digits");
    return {};
  }
  if (secret.size() < kMinTokenLength)
    return make_error(ErrorKind::invalid, where + "token shorter than 16 characters");
  return {};
}

}  // namespace

Result<TokenFile> TokenFile::load(const std::string& path) {
  auto text = read_all(path);
  if (!text) return text.failure();
  return parse(*text, path);
}

Result<TokenFile> TokenFile::parse(std::string_view text, const std::string& source) {
  TokenFile out;
  auto r = for_each_line(text, [&](size_t line_no, const std::vector<std::string>& f) {
    const std::string where = source + ":" + std::to_string(line_no) + ": ";
    if (f.size() < 2)
      return Result<void>(make_error(ErrorKind::invalid, where + "expected \"ROLE TOKEN\""));
    if (f.size() > 2)
      return Result<void>(
          make_error(ErrorKind::invalid, where + "expected \"ROLE TOKEN\", found more"));
    auto grant = parse_role(f[0], where);
    if (!grant) return Result<void>(grant.failure());
    if (auto ok = check_secret(f[1], where); !ok) return ok;
    Entry e{std::move(*grant), f[1], false};
    if (f[1].rfind(kHashPrefix, 0) == 0) {
      e.secret = f[1].substr(kHashPrefix.size());
      e.hashed = true;
    }
    out.entries_.push_back(std::move(e));
    return Result<void>();
  });
  if (!r) return r.failure();
  if (out.entries_.empty()) return make_error(ErrorKind::invalid, source + ": no tokens");
  return out;
}

std::optional<Grant> TokenFile::grant_of(std::string_view authorization) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() <= kBearer.size() ||
      strncasecmp(authorization.data(), kBearer.data(), kBearer.size()) != 0)
    return std::nullopt;
  std::string_view token = authorization.substr(kBearer.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  const std::string hashed = sha256_hex(token);
  // Every entry is compared, so the time does not tell which one matched.
  std::optional<Grant> found;
  for (const Entry& e : entries_)
    if (same(e.hashed ? std::string_view(hashed) : token, e.secret) && !found) found = e.grant;
  return found;
}

Result<std::string> client_token(const std::string& path) {
  auto text = read_all(path);
  if (!text) return text.failure();
  std::string token;
  auto r = for_each_line(*text, [&](size_t line_no, const std::vector<std::string>& f) {
    const std::string where = path + ":" + std::to_string(line_no) + ": ";
    if (!token.empty()) return Result<void>();  // the first line is the one sent
    if (f.size() > 2)
      return Result<void>(make_error(ErrorKind::invalid,
                                     where + "expected \"TOKEN\" or \"ROLE TOKEN\", found more"));
    if (f.size() == 2) {
      if (auto grant = parse_role(f[0], where); !grant) return Result<void>(grant.failure());
    }
    // Not held to the server's minimum length: whether a token is good is the server's to say,
    // and its refusal (401) is the clearer message.
    const std::string& secret = f.back();
    if (secret.rfind(kHashPrefix, 0) == 0)
      return Result<void>(make_error(
          ErrorKind::invalid, where + "holds a token's hash; a client needs the token itself"));
    token = secret;
    return Result<void>();
  });
  if (!r) return r.failure();
  if (token.empty()) return make_error(ErrorKind::invalid, path + ": no token in it", path);
  return token;
}

}  // namespace gslb::api
