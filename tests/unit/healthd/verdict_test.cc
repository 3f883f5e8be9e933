#include "healthd/verdict.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "healthd/probes/probe.h"

namespace gslb {
namespace {

// A sequence of results ('+' success, '-' failure) and the verdict expected after each one
// ('?' unknown, 'U' up, 'D' down).
struct Case {
  const char* name;
  uint32_t rise, fall;
  const char* results;
  const char* verdicts;
};

char code(Health h) {
  switch (h) {
    case Health::kUp:
      return 'U';
    case Health::kDown:
      return 'D';
    case Health::kUnknown:
      break;
  }
  return '?';
}

TEST(Verdict, RiseAndFallTable) {
  const Case cases[] = {
      {"up after rise successes", 2, 3, "++++", "?UUU"},
      {"down after fall failures", 2, 3, "----", "??DD"},
      {"rise 1 is up at once", 1, 1, "+-+", "UDU"},
      {"a failure resets the rise count", 3, 3, "++-+++", "?????U"},
      {"a success resets the fall count", 2, 2, "++-+--", "?UUUUD"},
      {"up to down needs fall in a row", 1, 3, "+--+---", "UUUUUUD"},
      {"down to up needs rise in a row", 2, 1, "-+-++", "DDDDU"},
      {"alternating never decides", 2, 2, "+-+-+-", "??????"},
      {"zero thresholds count as one", 0, 0, "+-", "UD"},
  };
  for (const Case& c : cases) {
    Verdict v(VerdictParams{c.rise, c.fall});
    std::string got;
    int64_t t = 0;
    for (const char* r = c.results; *r; ++r) {
      v.record(*r == '+', 100, std::nullopt, *r == '+' ? "" : "refused", t += 10);
      got += code(v.health());
    }
    EXPECT_EQ(got, c.verdicts) << c.name;
  }
}

TEST(Verdict, RecordReportsChangesOnly) {
  Verdict v(VerdictParams{2, 2});
  EXPECT_FALSE(v.record(true, 1, std::nullopt, "", 1));
  EXPECT_TRUE(v.record(true, 1, std::nullopt, "", 2));  // first verdict
  EXPECT_FALSE(v.record(true, 1, std::nullopt, "", 3));
  EXPECT_FALSE(v.record(false, 0, std::nullopt, "x", 4));
  EXPECT_TRUE(v.record(false, 0, std::nullopt, "x", 5));
  EXPECT_FALSE(v.record(false, 0, std::nullopt, "x", 6));
}

TEST(Verdict, RttIsEwmaOfSuccessesOnly) {
  Verdict v(VerdictParams{1, 1});
  EXPECT_FALSE(v.rtt_us().has_value());
  v.record(true, 1000, std::nullopt, "", 1);
  EXPECT_EQ(v.rtt_us(), 1000u);  // first sample taken as is
  v.record(true, 2000, std::nullopt, "", 2);
  EXPECT_EQ(v.rtt_us(), 1300u);  // 0.3 * 2000 + 0.7 * 1000
  v.record(false, 999999, std::nullopt, "timeout", 3);
  EXPECT_EQ(v.rtt_us(), 1300u);  // failures do not count
  v.record(true, 300, std::nullopt, "", 4);
  EXPECT_EQ(v.rtt_us(), 1000u);  // 0.3 * 300 + 0.7 * 1300
}

TEST(Verdict, KeepsDetailOfLastResultAndLoadOfLastSuccess) {
  Verdict v(VerdictParams{1, 2});
  ProbeResult ok;
  ok.ok = true;
  ok.rtt_us = 50;
  ok.load = 0.5;
  ok.detail = "status 200";
  v.record(ok, 1);
  EXPECT_EQ(v.detail(), "status 200");
  EXPECT_EQ(v.load(), 0.5);
  ProbeResult bad;
  bad.detail = "status 500";
  v.record(bad, 2);
  EXPECT_EQ(v.detail(), "status 500");
  EXPECT_EQ(v.load(), 0.5);
  EXPECT_TRUE(v.has_result());
  EXPECT_FALSE(v.last_ok());
  EXPECT_EQ(v.last_at_ms(), 2);
  EXPECT_EQ(v.failing_since_ms(), 2);
}

TEST(Verdict, FailingSinceIsTheFirstFailureOfTheStreak) {
  Verdict v(VerdictParams{1, 5});
  v.record(false, 0, std::nullopt, "", 10);
  v.record(false, 0, std::nullopt, "", 20);
  EXPECT_EQ(v.failing_since_ms(), 10);
  v.record(true, 1, std::nullopt, "", 30);
  v.record(false, 0, std::nullopt, "", 40);
  EXPECT_EQ(v.failing_since_ms(), 40);
}

TEST(Verdict, WarmStartContinuesFromStoredVerdict) {
  // Stored up: one failure (fall 2) keeps it up; it does not start over from unknown.
  Verdict up(VerdictParams{2, 2});
  up.seed(true, 700, std::nullopt, "stored");
  EXPECT_EQ(up.health(), Health::kUp);
  EXPECT_EQ(up.rtt_us(), 700u);
  EXPECT_FALSE(up.has_result());
  EXPECT_FALSE(up.record(false, 0, std::nullopt, "refused", 1));
  EXPECT_EQ(up.health(), Health::kUp);
  EXPECT_FALSE(up.record(true, 1000, std::nullopt, "", 2));
  EXPECT_EQ(up.rtt_us(), 790u);  // the EWMA continues from the stored RTT

  // Stored down: still down until rise successes.
  Verdict down(VerdictParams{2, 2});
  down.seed(false, std::nullopt, std::nullopt, "refused");
  EXPECT_FALSE(down.record(true, 10, std::nullopt, "", 1));
  EXPECT_EQ(down.health(), Health::kDown);
  EXPECT_TRUE(down.record(true, 10, std::nullopt, "", 2));
  EXPECT_EQ(down.health(), Health::kUp);
}

TEST(Verdict, RestoreForgetsTheFailureStreak) {
  Verdict v(VerdictParams{1, 2});
  v.record(true, 1, std::nullopt, "", 1);
  v.record(false, 0, std::nullopt, "", 2);
  v.record(false, 0, std::nullopt, "", 3);
  ASSERT_EQ(v.health(), Health::kDown);
  v.restore(Health::kUp);
  EXPECT_EQ(v.health(), Health::kUp);
  EXPECT_EQ(v.failures(), 0u);
  v.record(false, 0, std::nullopt, "", 4);
  EXPECT_EQ(v.health(), Health::kUp);  // needs fall fresh failures again
  v.restore(Health::kUnknown);
  EXPECT_EQ(v.health(), Health::kUnknown);
}

TEST(Verdict, HugeRttSaturates) {
  Verdict v(VerdictParams{1, 1});
  v.record(true, std::numeric_limits<uint32_t>::max(), std::nullopt, "", 1);
  EXPECT_EQ(v.rtt_us(), std::numeric_limits<uint32_t>::max());
}

// --- fail-static ---

LastResult fail_at(int64_t t) {
  return {true, false, t};
}
LastResult ok_at(int64_t t) {
  return {true, true, t};
}

TEST(VerdictFailStatic, IsolatedWhenEveryTargetFailedWithinTheWindow) {
  EXPECT_TRUE(agent_isolated({fail_at(900), fail_at(950)}, 1000, 500));
  EXPECT_TRUE(agent_isolated({fail_at(600), fail_at(700), fail_at(999)}, 1000, 500));
}

TEST(VerdictFailStatic, OneSuccessInTheWindowIsNotIsolation) {
  EXPECT_FALSE(agent_isolated({fail_at(900), ok_at(950), fail_at(960)}, 1000, 500));
}

TEST(VerdictFailStatic, FewerThanTwoTargetsIsNeverIsolation) {
  EXPECT_FALSE(agent_isolated({}, 1000, 500));
  EXPECT_FALSE(agent_isolated({fail_at(999)}, 1000, 500));
}

TEST(VerdictFailStatic, TargetWithoutRecentResultKeepsTheAgentCounted) {
  EXPECT_FALSE(agent_isolated({fail_at(900), LastResult{}}, 1000, 500));  // never probed yet
  EXPECT_FALSE(agent_isolated({fail_at(900), fail_at(400)}, 1000, 500));  // out of the window
  // A success that left the window no longer speaks against isolation, a recent failure does.
  EXPECT_TRUE(agent_isolated({fail_at(900), fail_at(501)}, 1000, 500));
}

TEST(VerdictFailStatic, DownIsConfirmedBySomeLaterSuccess) {
  constexpr int64_t kNone = std::numeric_limits<int64_t>::min();
  // Another target succeeded after this one began failing: the agent can reach out.
  EXPECT_TRUE(down_confirmed(100, 150, 200, 500, 3));
  // No success since: held, until the window has passed.
  EXPECT_FALSE(down_confirmed(100, 90, 200, 500, 3));
  EXPECT_FALSE(down_confirmed(100, kNone, 599, 500, 3));
  EXPECT_TRUE(down_confirmed(100, kNone, 600, 500, 3));
  // A single target has nothing to compare with.
  EXPECT_TRUE(down_confirmed(100, kNone, 101, 500, 1));
}

}  // namespace
}  // namespace gslb
