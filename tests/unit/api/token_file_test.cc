// TokenFile (api/tokens/token_file.h): parsing "ROLE TOKEN" lines with errors that name
// file:line, mapping an Authorization header to a role, hashed tokens, and the token a client
// sends (client_token) read by the same rules.
#include "api/tokens/token_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace gslb::api {
namespace {

constexpr const char* kAdmin = "admin-0123456789abcdef";
constexpr const char* kRead = "read-0123456789abcdef";

TokenFile parse_ok(std::string_view text) {
  auto t = TokenFile::parse(text, "tokens");
  EXPECT_TRUE(t.ok()) << t.error();
  return t.ok() ? std::move(*t) : TokenFile{};
}

std::string parse_error(std::string_view text) {
  auto t = TokenFile::parse(text, "tokens");
  EXPECT_FALSE(t.ok()) << "accepted:\n" << text;
  return t.ok() ? std::string() : t.error();
}

TEST(ApiTokenFile, ReadsRolesIgnoringCommentsAndBlankLines) {
  TokenFile t = parse_ok(
      "# the API's tokens\n"
      "\n"
      "admin admin-0123456789abcdef   # ops\n"
      "   \t\n"
      "read\tread-0123456789abcdef\n"
      "# read old-token-is-gone-0000\n");
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.role_of("Bearer admin-0123456789abcdef"), Role::kAdmin);
  EXPECT_EQ(t.role_of("Bearer read-0123456789abcdef"), Role::kRead);
  EXPECT_EQ(t.role_of("Bearer old-token-is-gone-0000"), std::nullopt);
}

TEST(ApiTokenFile, ALastLineWithoutNewlineAndCrLfLinesAreRead) {
  TokenFile t = parse_ok("read read-0123456789abcdef\r\nadmin admin-0123456789abcdef");
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.role_of("Bearer read-0123456789abcdef"), Role::kRead);
  EXPECT_EQ(t.role_of("Bearer admin-0123456789abcdef"), Role::kAdmin);
}

TEST(ApiTokenFile, ATokenOfExactlySixteenCharactersIsAccepted) {
  TokenFile t = parse_ok("read 0123456789abcdef\n");
  EXPECT_EQ(t.role_of("Bearer 0123456789abcdef"), Role::kRead);
}

TEST(ApiTokenFile, AnUnknownRoleNamesFileAndLine) {
  EXPECT_EQ(parse_error("admin admin-0123456789abcdef\n# c\nroot root-0123456789abcdef\n"),
            "tokens:3: unknown role \"root\" (admin, read, agent or agent:ID)");
}

TEST(ApiTokenFile, RolesAreCaseSensitive) {
  EXPECT_EQ(parse_error("Admin admin-0123456789abcdef\n"),
            "tokens:1: unknown role \"Admin\" (admin, read, agent or agent:ID)");
}

TEST(ApiTokenFile, AMissingTokenNamesFileAndLine) {
  EXPECT_EQ(parse_error("read read-0123456789abcdef\nadmin\n"),
            "tokens:2: expected \"ROLE TOKEN\"");
  EXPECT_EQ(parse_error("admin   # the token went missing\n"), "tokens:1: expected \"ROLE TOKEN\"");
}

TEST(ApiTokenFile, AnExtraFieldNamesFileAndLine) {
  EXPECT_EQ(parse_error("\n\nadmin admin-0123456789abcdef extra\n"),
            "tokens:3: expected \"ROLE TOKEN\", found more");
}

TEST(ApiTokenFile, AShortTokenNamesFileAndLine) {
  EXPECT_EQ(parse_error("read read-0123456789abcdef\nadmin 0123456789abcde\n"),
            "tokens:2: token shorter than 16 characters");
}

TEST(ApiTokenFile, AFileWithoutTokensIsAnError) {
  EXPECT_EQ(parse_error(""), "tokens: no tokens");
  EXPECT_EQ(parse_error("\n# only comments\n   \n"), "tokens: no tokens");
}

TEST(ApiTokenFile, LoadReadsAFileAndNamesItInErrors) {
  char tmpl[] = "/tmp/gslbd-tokens-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const std::string path = dir + "/tokens";
  {
    std::ofstream out(path);
    out << "admin " << kAdmin << "\nread x\n";
  }
  auto bad = TokenFile::load(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), path + ":2: token shorter than 16 characters");
  {
    std::ofstream out(path);
    out << "admin " << kAdmin << "\nread " << kRead << "\n";
  }
  auto good = TokenFile::load(path);
  ASSERT_TRUE(good.ok()) << good.error();
  EXPECT_EQ(good->size(), 2u);
  EXPECT_EQ(good->role_of(std::string("Bearer ") + kRead), Role::kRead);

  auto missing = TokenFile::load(dir + "/absent");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().rfind(dir + "/absent: cannot read: ", 0), 0u) << missing.error();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

class ApiTokenRole : public ::testing::Test {
 protected:
  TokenFile tokens_ = parse_ok(std::string("admin ") + kAdmin + "\nread " + kRead + "\n");
};

TEST_F(ApiTokenRole, TheBearerSchemeIsCaseInsensitive) {
  EXPECT_EQ(tokens_.role_of(std::string("Bearer ") + kAdmin), Role::kAdmin);
  EXPECT_EQ(tokens_.role_of(std::string("bearer ") + kAdmin), Role::kAdmin);
  EXPECT_EQ(tokens_.role_of(std::string("BEARER ") + kRead), Role::kRead);
  EXPECT_EQ(tokens_.role_of(std::string("bEaReR ") + kRead), Role::kRead);
}

TEST_F(ApiTokenRole, SpacesAroundTheTokenAreIgnored) {
  EXPECT_EQ(tokens_.role_of(std::string("Bearer    ") + kAdmin), Role::kAdmin);
  EXPECT_EQ(tokens_.role_of(std::string("Bearer ") + kAdmin + "   "), Role::kAdmin);
  EXPECT_EQ(tokens_.role_of(std::string("Bearer  ") + kRead + " "), Role::kRead);
}

TEST_F(ApiTokenRole, TheTokenItselfIsCaseSensitiveAndWhole) {
  EXPECT_EQ(tokens_.role_of("Bearer ADMIN-0123456789ABCDEF"), std::nullopt);
  EXPECT_EQ(tokens_.role_of("Bearer admin-0123456789abcde"), std::nullopt);    // a prefix
  EXPECT_EQ(tokens_.role_of("Bearer admin-0123456789abcdefX"), std::nullopt);  // longer
  EXPECT_EQ(tokens_.role_of("Bearer admin-0123456789abcdef x"), std::nullopt);
}

TEST_F(ApiTokenRole, UnknownTokensAndOtherSchemesHaveNoRole) {
  EXPECT_EQ(tokens_.role_of("Bearer not-a-known-token-at-all"), std::nullopt);
  EXPECT_EQ(tokens_.role_of("Basic YWRtaW46c2VjcmV0"), std::nullopt);
  EXPECT_EQ(tokens_.role_of(std::string("Basic ") + kAdmin), std::nullopt);
  EXPECT_EQ(tokens_.role_of(kAdmin), std::nullopt);  // no scheme
  EXPECT_EQ(tokens_.role_of(std::string("Bearer:") + kAdmin), std::nullopt);
}

TEST_F(ApiTokenRole, EmptyAndBareSchemeHaveNoRole) {
  EXPECT_EQ(tokens_.role_of(""), std::nullopt);
  EXPECT_EQ(tokens_.role_of("Bearer"), std::nullopt);
  EXPECT_EQ(tokens_.role_of("Bearer "), std::nullopt);
  EXPECT_EQ(tokens_.role_of("Bearer      "), std::nullopt);
}

TEST(ApiTokenFile, AgentTokensMayBeBoundToOneAgent) {
  TokenFile t = parse_ok(
      "agent any-agent-0123456789\n"
      "agent:paris paris-agent-0123456789\n");
  auto any = t.grant_of("Bearer any-agent-0123456789");
  ASSERT_TRUE(any.has_value());
  EXPECT_EQ(any->role, Role::kAgent);
  EXPECT_EQ(any->agent, "");
  auto paris = t.grant_of("Bearer paris-agent-0123456789");
  ASSERT_TRUE(paris.has_value());
  EXPECT_EQ(paris->role, Role::kAgent);
  EXPECT_EQ(paris->agent, "paris");
  EXPECT_EQ(parse_error("agent: empty-agent-0123456789\n"),
            "tokens:1: unknown role \"agent:\" (admin, read, agent or agent:ID)");
}

// sha256("admin-0123456789abcdef"), as `printf %s admin-0123456789abcdef | sha256sum` prints it.
constexpr const char* kAdminHash =
    "sha256:74a8c58723625f5c8923047f4d8d9feebdf2f87e752043466e1315dd9f4173d1";

TEST(ApiTokenFile, AHashedTokenMatchesTheTokenNotTheHash) {
  TokenFile t = parse_ok(std::string("admin ") + kAdminHash + "\n");
  EXPECT_EQ(t.role_of(std::string("Bearer ") + kAdmin), Role::kAdmin);
  EXPECT_EQ(t.role_of(std::string("Bearer ") + kAdminHash), std::nullopt);
  EXPECT_EQ(t.role_of("Bearer admin-0123456789abcdeF"), std::nullopt);
}

TEST(ApiTokenFile, AMalformedHashNamesFileAndLine) {
  EXPECT_EQ(parse_error("admin sha256:00ff\n"),
            "tokens:1: a hashed token is \"sha256:\" and 64 lowercase hex digits");
  EXPECT_EQ(parse_error(std::string("admin sha256:") + std::string(64, 'G') + "\n"),
            "tokens:1: a hashed token is \"sha256:\" and 64 lowercase hex digits");
}

class ClientTokenFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/gslbd-client-token-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string write(const std::string& text) {
    const std::string path = dir_ + "/token";
    std::ofstream(path) << text;
    return path;
  }
  std::string dir_;
};

TEST_F(ClientTokenFile, TheFirstLineIsSentInEitherForm) {
  auto bare = client_token(write("# mine\n\n  bare-token-0123456789  \n"));
  ASSERT_TRUE(bare.ok()) << bare.error();
  EXPECT_EQ(*bare, "bare-token-0123456789");
  auto roled = client_token(write("read read-0123456789abcdef\nadmin admin-0123456789abcdef\n"));
  ASSERT_TRUE(roled.ok()) << roled.error();
  EXPECT_EQ(*roled, "read-0123456789abcdef");
}

// gslbd's agent and gslbctl read one way: a line the server would refuse is refused here too.
TEST_F(ClientTokenFile, LinesTheServerWouldRefuseAreRefused) {
  const std::string three = write("admin admin-0123456789abcdef extra\n");
  auto r = client_token(three);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), three + ":1: expected \"TOKEN\" or \"ROLE TOKEN\", found more");
  const std::string role = write("root root-0123456789abcdef\n");
  r = client_token(role);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), role + ":1: unknown role \"root\" (admin, read, agent or agent:ID)");
  const std::string hashed = write(std::string("admin ") + kAdminHash + "\n");
  r = client_token(hashed);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), hashed + ":1: holds a token's hash; a client needs the token itself");
  const std::string empty = write("# nothing\n");
  r = client_token(empty);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), empty + ": no token in it");
}

}  // namespace
}  // namespace gslb::api
