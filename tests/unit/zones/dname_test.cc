#include "zones/dns/dname.h"

#include <gtest/gtest.h>

namespace gslb {
namespace {

TEST(NameFromText, AbsoluteNameBecomesWireForm) {
  auto n = name_from_text("www.Example.test.");
  ASSERT_TRUE(n.ok()) << n.error();
  EXPECT_EQ(*n, std::string("\x03www\x07"
                            "Example\x04test\x00",
                            18));
}

TEST(NameFromText, RelativeNameIsCompletedWithOrigin) {
  auto origin = name_from_text("example.test.");
  auto n = name_from_text("www", *origin);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(name_to_text(*n), "www.example.test.");
}

TEST(NameFromText, RejectsLabelOver63AndNameOver255) {
  EXPECT_FALSE(name_from_text(std::string(64, 'a') + ".test.").ok());
  std::string long_name;
  for (int i = 0; i < 26; ++i) long_name += "abcdefghi.";
  EXPECT_FALSE(name_from_text(long_name).ok());
}

TEST(NameIsAtOrBelow, MatchesOnLabelBoundariesOnly) {
  auto zone = *name_from_text("example.test.");
  EXPECT_TRUE(name_is_at_or_below(*name_from_text("a.example.test."), zone));
  EXPECT_TRUE(name_is_at_or_below(zone, zone));
  EXPECT_FALSE(name_is_at_or_below(*name_from_text("badexample.test."), zone));
  EXPECT_FALSE(name_is_at_or_below(*name_from_text("test."), zone));
}

TEST(LowercaseName, LowersLettersOnly) {
  auto n = *name_from_text("WwW.ExAmPlE.");
  EXPECT_EQ(lowercase_name(n), *name_from_text("www.example."));
}

}  // namespace
}  // namespace gslb
