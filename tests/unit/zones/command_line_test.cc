// scan_command_line (zones/base/command_line.h): the one argv style of gslbd and gslbctl.
#include "zones/base/command_line.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gslb {
namespace {

constexpr OptionSpec kOptions[] = {
    {"--help", "-h"},         {"--dry-run"},          {"--db", "", true},
    {"--output", "-o", true}, {"--listen", "", true},
};

Result<ParsedArgs> scan(std::vector<const char*> args) {
  args.insert(args.begin(), "prog");
  return scan_command_line(static_cast<int>(args.size()), args.data(), 1, kOptions);
}

TEST(CommandLine, ValuesSeparateOrAfterAnEqualsSign) {
  auto a = scan({"--db", "x.db", "--output=json"});
  ASSERT_TRUE(a.ok()) << a.error();
  EXPECT_EQ(a->value("--db"), "x.db");
  EXPECT_EQ(a->value("--output"), "json");
  EXPECT_FALSE(a->has("--dry-run"));
}

TEST(CommandLine, ShortAliasesInEveryForm) {
  for (auto form : {std::vector<const char*>{"-o", "json"}, std::vector<const char*>{"-ojson"},
                    std::vector<const char*>{"-o=json"}}) {
    auto a = scan(form);
    ASSERT_TRUE(a.ok()) << a.error();
    EXPECT_EQ(a->value("--output"), "json") << form[0];
  }
  auto h = scan({"-h"});
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->has("--help"));
}

TEST(CommandLine, RepeatedOptionsKeepEveryValueAndTheLastWins) {
  auto a = scan({"--listen", "127.0.0.1:53", "--listen=[::1]:53", "--db", "a", "--db", "b"});
  ASSERT_TRUE(a.ok()) << a.error();
  EXPECT_EQ(a->values("--listen"), (std::vector<std::string>{"127.0.0.1:53", "[::1]:53"}));
  EXPECT_EQ(a->value("--db"), "b");
}

TEST(CommandLine, PositionalArgumentsAnywhereAndAfterDoubleDash) {
  auto a = scan({"doc.json", "--dry-run", "-", "-5", "--", "--db", "-o"});
  ASSERT_TRUE(a.ok()) << a.error();
  EXPECT_EQ(a->positional, (std::vector<std::string>{"doc.json", "-", "-5", "--db", "-o"}));
  EXPECT_TRUE(a->has("--dry-run"));
  EXPECT_FALSE(a->has("--db"));
}

TEST(CommandLine, ErrorsNameTheOption) {
  auto unknown = scan({"--bogus"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error(), "unknown option \"--bogus\"");
  auto unknown_short = scan({"-x"});
  ASSERT_FALSE(unknown_short.ok());
  EXPECT_EQ(unknown_short.error(), "unknown option \"-x\"");
  auto missing = scan({"--dry-run", "--db"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error(), "--db needs a value");
  auto flag_value = scan({"--dry-run=yes"});
  ASSERT_FALSE(flag_value.ok());
  EXPECT_EQ(flag_value.error(), "--dry-run takes no value");
}

TEST(CommandLine, AnEmptyValueIsAValue) {
  auto a = scan({"--db=", "--output", ""});
  ASSERT_TRUE(a.ok()) << a.error();
  EXPECT_EQ(a->value("--db"), "");
  EXPECT_EQ(a->value("--output"), "");
}

}  // namespace
}  // namespace gslb
