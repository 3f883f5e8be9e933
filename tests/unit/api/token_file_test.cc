// TokenFile (api/token_file.h): parsing "ROLE TOKEN" lines with errors that name file:line, and
// mapping an Authorization header to a role.
#include "api/token_file.h"

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
            "tokens:3: unknown role \"root\" (admin or read)");
}

TEST(ApiTokenFile, RolesAreCaseSensitive) {
  EXPECT_EQ(parse_error("Admin admin-0123456789abcdef\n"),
            "tokens:1: unknown role \"Admin\" (admin or read)");
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

}  // namespace
}  // namespace gslb::api
