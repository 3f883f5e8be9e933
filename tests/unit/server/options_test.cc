// parse_options (server/options.h): the flags main() answers before serving.
#include "server/options.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gslb {
namespace {

Result<Options> parse(std::vector<const char*> args) {
  args.insert(args.begin(), "gslbd");
  return parse_options(static_cast<int>(args.size()), args.data());
}

TEST(Options, VersionIsAFlagOfItsOwn) {
  auto o = parse({"--version"});
  ASSERT_TRUE(o.ok()) << o.error();
  EXPECT_TRUE(o->version);
  EXPECT_FALSE(o->help);
  auto plain = parse({"--listen", "127.0.0.1:5353"});
  ASSERT_TRUE(plain.ok()) << plain.error();
  EXPECT_FALSE(plain->version);
}

TEST(Options, VersionTakesNoValue) {
  auto o = parse({"--version=1"});
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.error().find("--version"), std::string::npos) << o.error();
}

TEST(Options, UsageNamesVersion) {
  EXPECT_NE(usage().find("--version"), std::string::npos);
}

TEST(Options, DnstapIsOffByDefault) {
  auto o = parse({});
  ASSERT_TRUE(o.ok()) << o.error();
  EXPECT_EQ(o->dnstap, "");
  EXPECT_FALSE(o->dnstap_identity.has_value());
  EXPECT_TRUE(o->dnstap_decisions);
}

TEST(Options, DnstapOptions) {
  auto o = parse(
      {"--dnstap", "unix:/run/tap.sock", "--dnstap-identity", "", "--dnstap-decisions", "off"});
  ASSERT_TRUE(o.ok()) << o.error();
  EXPECT_EQ(o->dnstap, "unix:/run/tap.sock");
  EXPECT_EQ(o->dnstap_identity, std::string());
  EXPECT_FALSE(o->dnstap_decisions);
  EXPECT_FALSE(parse({"--dnstap", ""}).ok());
  EXPECT_FALSE(parse({"--dnstap", "unix:"}).ok());
  auto bad = parse({"--dnstap-decisions", "yes"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("on or off"), std::string::npos) << bad.error();
}

}  // namespace
}  // namespace gslb
