#include "healthd/schedule.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <set>
#include <vector>

namespace gslb {
namespace {

using namespace std::chrono_literals;
using TP = Schedule::TimePoint;

// A fake clock: time starts here and moves only when the test says so.
const TP kStart = TP(std::chrono::hours(1));

std::vector<Schedule::NewTarget> batch(uint64_t first_id, size_t n, std::chrono::milliseconds iv) {
  std::vector<Schedule::NewTarget> out;
  for (size_t i = 0; i < n; ++i) out.push_back({first_id + i, iv});
  return out;
}

TEST(Schedule, FirstRoundIsSpreadOverTheFirstInterval) {
  Schedule s(42);
  s.add(batch(1, 100, 1000ms), kStart, std::chrono::hours(24));
  std::set<TP> instants;
  for (uint64_t id = 1; id <= 100; ++id) {
    auto due = s.due(id);
    ASSERT_TRUE(due.has_value());
    EXPECT_GE(*due, kStart);
    EXPECT_LT(*due, kStart + 1000ms);
    instants.insert(*due);
  }
  EXPECT_EQ(instants.size(), 100u);  // no two at the same instant
  EXPECT_EQ(s.next_due(), kStart);   // the first at once, not after one interval
  // Evenly: no 100 ms slice of the interval holds more than its share (+1).
  for (int slice = 0; slice < 10; ++slice) {
    auto n = std::count_if(instants.begin(), instants.end(), [&](TP t) {
      return t >= kStart + slice * 100ms && t < kStart + (slice + 1) * 100ms;
    });
    EXPECT_LE(n, 11) << "slice " << slice;
  }
}

TEST(Schedule, MixedIntervalsStillDistinctInstants) {
  Schedule s(1);
  auto targets = batch(1, 50, 1000ms);
  auto more = batch(51, 50, 2000ms);
  targets.insert(targets.end(), more.begin(), more.end());
  s.add(targets, kStart, std::chrono::hours(24));
  std::set<TP> instants;
  for (uint64_t id = 1; id <= 100; ++id) {
    instants.insert(*s.due(id));
    EXPECT_LT(*s.due(id), kStart + (id <= 50 ? 1000ms : 2000ms)) << id;
  }
  EXPECT_EQ(instants.size(), 100u);
}

TEST(Schedule, NewTargetsOfAConfigChangeStartWithinTheWindow) {
  Schedule s(7);
  s.add(batch(1, 20, 10000ms), kStart, 100ms);
  for (uint64_t id = 1; id <= 20; ++id) EXPECT_LT(*s.due(id), kStart + 100ms);
}

TEST(Schedule, JitterStaysWithinTenPercent) {
  Schedule s(123);
  s.add(batch(1, 1, 1000ms), kStart, std::chrono::hours(24));
  TP now = kStart;
  TP previous = *s.due(1);
  std::chrono::nanoseconds min_gap = std::chrono::hours(1), max_gap{0};
  for (int turn = 0; turn < 2000; ++turn) {
    now = *s.next_due();
    ASSERT_EQ(s.take_due(now), std::vector<uint64_t>{1});
    s.finished(1, now + 5ms);
    if (turn > 0) {
      min_gap = std::min(min_gap, now - previous);
      max_gap = std::max(max_gap, now - previous);
    }
    previous = now;
  }
  EXPECT_GE(min_gap, 900ms);
  EXPECT_LE(max_gap, 1100ms);
  // And it does jitter: turns are not all the same length.
  EXPECT_LT(min_gap, 920ms);
  EXPECT_GT(max_gap, 1080ms);
}

TEST(Schedule, SameSeedSamePlan) {
  Schedule a(99), b(99);
  a.add(batch(1, 5, 1000ms), kStart, std::chrono::hours(24));
  b.add(batch(1, 5, 1000ms), kStart, std::chrono::hours(24));
  TP now = kStart + 5000ms;
  a.take_due(now);
  b.take_due(now);
  for (uint64_t id = 1; id <= 5; ++id) EXPECT_EQ(a.due(id), b.due(id));
}

TEST(Schedule, RunningProbeIsNotStartedTwice) {
  Schedule s(5);
  s.add(batch(1, 1, 100ms), kStart, std::chrono::hours(24));
  EXPECT_EQ(s.take_due(kStart), std::vector<uint64_t>{1});
  EXPECT_TRUE(s.running(1));
  // Its next turn comes and goes while the probe still runs (a timeout longer than the interval).
  EXPECT_TRUE(s.take_due(kStart + 150ms).empty());
  EXPECT_TRUE(s.take_due(kStart + 250ms).empty());
  EXPECT_FALSE(s.next_due().has_value());
  // When it finishes late, the missed turn runs at once, once.
  s.finished(1, kStart + 300ms);
  EXPECT_FALSE(s.running(1));
  EXPECT_EQ(s.next_due(), kStart + 300ms);
  EXPECT_EQ(s.take_due(kStart + 300ms), std::vector<uint64_t>{1});
  EXPECT_TRUE(s.take_due(kStart + 300ms).empty());
}

TEST(Schedule, FinishingEarlyWaitsForTheNextTurn) {
  Schedule s(5);
  s.add(batch(1, 1, 1000ms), kStart, std::chrono::hours(24));
  s.take_due(kStart);
  s.finished(1, kStart + 10ms);
  EXPECT_TRUE(s.take_due(kStart + 800ms).empty());
  EXPECT_GE(*s.next_due(), kStart + 900ms);
  EXPECT_LE(*s.next_due(), kStart + 1100ms);
}

TEST(Schedule, AfterAStallTurnsRestartFromNowWithoutBurst) {
  Schedule s(5);
  s.add(batch(1, 1, 100ms), kStart, std::chrono::hours(24));
  s.take_due(kStart);
  s.finished(1, kStart + 1ms);
  // The loop was stuck for ten intervals: one probe now, then the cadence from now.
  const TP late = kStart + 1000ms;
  EXPECT_EQ(s.take_due(late), std::vector<uint64_t>{1});
  s.finished(1, late + 1ms);
  EXPECT_GE(*s.next_due(), late + 90ms);
}

TEST(Schedule, RemovedTargetIsNeverDue) {
  Schedule s(5);
  s.add(batch(1, 3, 100ms), kStart, std::chrono::hours(24));
  s.remove(2);
  s.take_due(kStart + 50ms);  // 1 and 3 now running
  s.remove(3);                // removed while running
  s.finished(3, kStart + 60ms);
  EXPECT_FALSE(s.contains(2));
  EXPECT_FALSE(s.contains(3));
  for (TP t = kStart; t < kStart + 1000ms; t += 10ms) {
    for (uint64_t id : s.take_due(t)) {
      EXPECT_EQ(id, 1u);
      s.finished(id, t);
    }
  }
}

TEST(Schedule, AddingAKnownIdChangesNothing) {
  Schedule s(5);
  s.add(batch(1, 1, 1000ms), kStart, std::chrono::hours(24));
  auto due = s.due(1);
  s.add(batch(1, 1, 1000ms), kStart + 500ms, 100ms);
  EXPECT_EQ(s.due(1), due);
  EXPECT_EQ(s.size(), 1u);
}

TEST(Schedule, ShorterIntervalBringsTheTurnForward) {
  Schedule s(5);
  s.add(batch(1, 1, 60000ms), kStart, std::chrono::hours(24));
  s.take_due(kStart);
  s.finished(1, kStart + 1ms);
  EXPECT_GT(*s.next_due(), kStart + 50000ms);
  s.set_interval(1, 1000ms, kStart + 2ms);
  EXPECT_LE(*s.next_due(), kStart + 1102ms);
}

TEST(Schedule, EveryTargetProbedOncePerIntervalOverTime) {
  // 100 targets for 10 intervals: each runs 10 or 11 times (the first round at once), and
  // no instant ever sees more than a handful of starts.
  Schedule s(2024);
  s.add(batch(1, 100, 1000ms), kStart, std::chrono::hours(24));
  std::vector<int> runs(101, 0);
  int worst_ms = 0;
  for (TP t = kStart; t < kStart + 10000ms; t += 1ms) {
    auto due = s.take_due(t);
    worst_ms = std::max<int>(worst_ms, static_cast<int>(due.size()));
    for (uint64_t id : due) {
      ++runs[id];
      s.finished(id, t);
    }
  }
  for (uint64_t id = 1; id <= 100; ++id) {
    EXPECT_GE(runs[id], 9) << id;
    EXPECT_LE(runs[id], 12) << id;
  }
  EXPECT_LE(worst_ms, 4);
}

TEST(Schedule, FinishedTellsAStaleResultApart) {
  Schedule s(5);
  s.add(batch(1, 2, 1000ms), kStart, 1ms);
  EXPECT_FALSE(s.finished(1, kStart));  // not running
  EXPECT_FALSE(s.finished(9, kStart));  // unknown
  ASSERT_EQ(s.take_due(kStart + 1ms).size(), 2u);
  EXPECT_TRUE(s.finished(1, kStart + 2ms));
  EXPECT_FALSE(s.finished(1, kStart + 3ms));  // a second result for one run
  s.remove(2);
  EXPECT_FALSE(s.finished(2, kStart + 3ms));  // removed while running
}

// Removals, re-additions and interval changes leave superseded turns behind; none of them may
// start a target twice in one turn, start a removed one, or lose a live one.
TEST(Schedule, ChurnNeverDoublesLosesOrResurrectsATarget) {
  Schedule s(77);
  s.add(batch(1, 400, 1000ms), kStart, 1000ms);
  TP t = kStart;
  for (int round = 0; round < 20; ++round) {
    for (uint64_t id = 1 + round % 4; id <= 400; id += 4) s.set_interval(id, 500ms, t);
    for (uint64_t id = 1 + round % 4; id <= 400; id += 4) s.set_interval(id, 1000ms, t);
    for (uint64_t id = 2 + round % 3; id <= 400; id += 7) s.remove(id);
    std::vector<Schedule::NewTarget> back;
    for (uint64_t id = 2 + round % 3; id <= 400; id += 7) back.push_back({id, 1000ms});
    s.add(back, t, 100ms);
    t += 10ms;
  }
  std::vector<int> runs(401, 0);
  for (TP end = t + 1200ms; t < end; t += 1ms)
    for (uint64_t id : s.take_due(t)) {
      ++runs[id];
      EXPECT_TRUE(s.finished(id, t));
    }
  for (uint64_t id = 1; id <= 400; ++id) EXPECT_GE(runs[id], 1) << id;
  for (uint64_t id = 1; id <= 400; ++id) EXPECT_LE(runs[id], 2) << id;
  EXPECT_EQ(s.size(), 400u);
}

}  // namespace
}  // namespace gslb
