// Log lines (zones/base/log.h): text and JSON, the journal's priority prefix, one line per event
// whatever the message holds, and the option parsers' errors.
#include "zones/base/log.h"

#include <gtest/gtest.h>

#include <string>

namespace gslb {
namespace {

constexpr int64_t kAt = 1764744000123;  // 2025-12-03T06:40:00.123Z

class LogFormatTest : public ::testing::Test {
 protected:
  void TearDown() override { set_log_format(LogFormat::kText); }
};

TEST_F(LogFormatTest, TextLinesHaveTimeLevelAndMessageOnOneLine) {
  EXPECT_EQ(format_log_line(LogLevel::kWarn, "db.sqlite: locked", false, kAt),
            "2025-12-03T06:40:00Z gslbd warn: db.sqlite: locked");
  EXPECT_EQ(format_log_line(LogLevel::kInfo, "a\nforged line\r", false, kAt),
            "2025-12-03T06:40:00Z gslbd info: a forged line ");
}

TEST_F(LogFormatTest, TheJournalGetsThePriorityAndKeepsItsOwnTime) {
  EXPECT_EQ(format_log_line(LogLevel::kError, "x", true, kAt), "<3>gslbd error: x");
  EXPECT_EQ(format_log_line(LogLevel::kDebug, "x", true, kAt), "<7>gslbd debug: x");
}

TEST_F(LogFormatTest, JsonLinesAreOneEscapedObject) {
  set_log_format(LogFormat::kJson);
  EXPECT_EQ(format_log_line(LogLevel::kInfo, "say \"hi\"\\\n\x01 é", false, kAt),
            "{\"time\":\"2025-12-03T06:40:00.123Z\",\"level\":\"info\",\"message\":"
            "\"say \\\"hi\\\"\\\\\\n\\u0001 é\"}");
  EXPECT_EQ(format_log_line(LogLevel::kWarn, "x", true, kAt).substr(0, 4), "<4>{");
}

TEST(LogOptions, ParseNamesAndRefuseOthers) {
  EXPECT_EQ(*parse_log_format("json"), LogFormat::kJson);
  EXPECT_EQ(*parse_log_level("warn"), LogLevel::kWarn);
  EXPECT_EQ(parse_log_format("xml").error(), "--log-format: text or json, not \"xml\"");
  EXPECT_EQ(parse_log_level("loud").error(),
            "--log-level: debug, info, warn or error, not \"loud\"");
}

}  // namespace
}  // namespace gslb
