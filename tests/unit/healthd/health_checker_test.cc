#include "healthd/health_checker.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "healthd/probes/probe.h"
#include "tests/unit/testing/fake_clock.h"
#include "tests/unit/testing/store_testing.h"
#include "zones/store/store.h"
#include "zones/store/store_rows.h"

namespace gslb {
namespace {

using testing::FakeClock;
using testing::TempDir;

using namespace std::chrono_literals;

// The time the checker runs by: it moves only as a test lets it pass (pass, eventually).
FakeClock& fake_clock() {
  static FakeClock c;
  return c;
}
// What the tests time with: the fake clock.
struct Clock {
  static gslb::Clock::TimePoint now() { return fake_clock().now(); }
};

// The network as the fake probes see it: which addresses answer, and how often each was asked.
// Written by the test thread, read by the checker's io thread.
struct FakeNet {
  std::mutex mu;
  std::map<std::string, bool> down;  // address -> failing (absent: answers)
  std::map<std::string, int> runs;   // address -> attempts started

  void set_down(const std::string& address, bool is_down) {
    std::lock_guard<std::mutex> lock(mu);
    down[address] = is_down;
  }
  int runs_of(const std::string& address) {
    std::lock_guard<std::mutex> lock(mu);
    return runs[address];
  }
  void reset() {
    std::lock_guard<std::mutex> lock(mu);
    down.clear();
    runs.clear();
  }
};
FakeNet& net() {
  static FakeNet n;
  return n;
}

// Answers from the FakeNet at once, posted like the real probes; destroying it abandons the
// attempt.
class FakeProbe : public Probe {
 public:
  explicit FakeProbe(boost::asio::io_context& io) : io_(io) {}
  void run(const ProbeSpec& spec, std::function<void(ProbeResult)> done) override {
    const std::string address = spec.address.to_string();
    ProbeResult r;
    {
      std::lock_guard<std::mutex> lock(net().mu);
      ++net().runs[address];
      r.ok = !net().down[address];
    }
    r.rtt_us = r.ok ? 1500 : 0;
    r.detail = r.ok ? "" : "connection refused";
    fake_clock().post(io_, [alive = std::weak_ptr<int>(alive_), done = std::move(done), r] {
      if (!alive.expired()) done(r);
    });
  }

 private:
  boost::asio::io_context& io_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

std::unique_ptr<Probe> make_fake(boost::asio::io_context& io) {
  return std::make_unique<FakeProbe>(io);
}
ProbeFactory fake_probes(std::string_view type) {
  return type == "tcp" ? make_fake : nullptr;
}

// Two services; m1 and m2 share 10.0.0.1 (one target), m3 is alone on 10.0.0.2. One tcp check
// every 100 ms, rise 2, fall 2.
class HealthCheckerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    net().reset();
    path_ = dir_.file("gslb.db");
    auto s = Store::open(path_);
    ASSERT_TRUE(s.ok()) << s.error();
    db_ = std::move(*s);
    ZoneRow z;
    z.name = "gslb.test.";
    z.soa_mname = "ns1.gslb.test.";
    z.soa_rname = "hostmaster.gslb.test.";
    zone_ = *db_->insert_zone(z);
    CheckRow c;
    c.name = "tcp80";
    c.type = "tcp";
    c.port = 80;
    c.interval_ms = 100;
    c.timeout_ms = 50;
    c.rise = 2;
    c.fall = 2;
    check_ = *db_->insert_check(c);
    s1_ = add_service("one.gslb.test.");
    s2_ = add_service("two.gslb.test.");
    m1_ = add_member(s1_, "a", "10.0.0.1");
    m2_ = add_member(s2_, "b", "10.0.0.1");
    m3_ = add_member(s1_, "c", "10.0.0.2");
  }
  void TearDown() override {
    if (checker_) checker_->stop();
  }

  // Lets `d` of the checker's time pass: every probe, tick and poll due in it runs, in order.
  // `backend_blocked`: the backend thread may be stuck (on a database lock), do not wait for it.
  void pass(std::chrono::milliseconds d, bool backend_blocked = false) {
    fake_clock().advance(d, running_ && !backend_blocked ? 1 : 0);
  }
  // Lets time pass until `cond` holds, at most `limit`; returns whether it did.
  bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds limit = 3000ms) {
    for (auto waited = 0ms;; waited += 10ms) {
      if (cond()) return true;
      if (waited >= limit) return false;
      pass(10ms);
    }
  }
  void stop() {
    checker_->stop();
    running_ = false;
  }

  int64_t add_service(const std::string& name) {
    ServiceRow v;
    v.zone_id = zone_;
    v.name = name;
    v.policy = "weighted";
    v.check_id = check_;
    auto id = db_->insert_service(v);
    EXPECT_TRUE(id.ok()) << id.error();
    return id.ok() ? *id : 0;
  }
  int64_t add_member(int64_t service, const std::string& name, const std::string& address) {
    MemberRow m;
    m.service_id = service;
    m.name = name;
    m.address = address;
    auto id = db_->insert_member(m);
    EXPECT_TRUE(id.ok()) << id.error();
    return id.ok() ? *id : 0;
  }

  void start(uint64_t seed = 1) {
    HealthCheckerOptions o;
    o.db_path = path_;
    o.agent_id = "local";
    o.region = "eu";
    o.probe_override = fake_probes;
    o.seed = seed;
    checker_ = std::make_unique<HealthChecker>(o, fake_clock());
    auto r = checker_->start();
    ASSERT_TRUE(r.ok()) << r.error();
    running_ = true;
  }

  std::optional<ObservationRow> observation(int64_t member) {
    auto h = db_->load_health();
    EXPECT_TRUE(h.ok()) << h.error();
    if (!h.ok()) return std::nullopt;
    for (const ObservationRow& o : h->observations)
      if (o.member_id == member && o.agent_id == "local") return o;
    return std::nullopt;
  }
  bool is(int64_t member, bool up) {
    auto o = observation(member);
    return o && o->up == up;
  }
  std::vector<EventRow> events(int64_t member) {
    auto e = db_->load_events(member, 100);
    EXPECT_TRUE(e.ok()) << e.error();
    return e.ok() ? *e : std::vector<EventRow>{};
  }
  int64_t checked_at(int64_t member) {
    auto o = observation(member);
    return o ? o->checked_at_ms : -1;
  }
  bool all_up() { return is(m1_, true) && is(m2_, true) && is(m3_, true); }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<Store> db_;  // the test's own connection
  std::unique_ptr<HealthChecker> checker_;
  bool running_ = false;  // the checker's backend thread waits on the fake clock
  int64_t zone_ = 0, check_ = 0, s1_ = 0, s2_ = 0, m1_ = 0, m2_ = 0, m3_ = 0;
};

TEST_F(HealthCheckerTest, WritesEveryMemberOfASharedTargetProbedOnce) {
  start();
  ASSERT_TRUE(eventually([&] { return all_up(); }));
  for (int64_t m : {m1_, m2_, m3_}) {
    auto e = events(m);
    ASSERT_EQ(e.size(), 1u) << m;
    EXPECT_EQ(e[0].old_state, "unknown");
    EXPECT_EQ(e[0].new_state, "up");
    EXPECT_EQ(e[0].agent_id, "local");
    EXPECT_EQ(observation(m)->rtt_us, 1500u);
  }
  auto h = db_->load_health();
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->agents.size(), 1u);
  EXPECT_EQ(h->agents[0].id, "local");
  EXPECT_EQ(h->agents[0].region, "eu");

  // Once per interval per target, however many members share it.
  const int a0 = net().runs_of("10.0.0.1"), b0 = net().runs_of("10.0.0.2");
  pass(1000ms);
  const int a = net().runs_of("10.0.0.1") - a0, b = net().runs_of("10.0.0.2") - b0;
  EXPECT_GE(a, 7);
  EXPECT_LE(a, 12);
  EXPECT_GE(b, 7);
  EXPECT_LE(b, 12);
}

TEST_F(HealthCheckerTest, FirstRoundRunsAtOnce) {
  start();
  // Every target probed within the first interval (plus scheduling slack), not after it.
  ASSERT_TRUE(eventually(
      [&] { return net().runs_of("10.0.0.1") > 0 && net().runs_of("10.0.0.2") > 0; }, 500ms));
}

TEST_F(HealthCheckerTest, VerdictsFollowTheProbesWithinBoundedTime) {
  start();
  ASSERT_TRUE(eventually([&] { return all_up(); }));

  net().set_down("10.0.0.2", true);
  auto t0 = Clock::now();
  ASSERT_TRUE(eventually([&] { return is(m3_, false); }));
  // fall 2 at 100 ms intervals (+10 % jitter), then at most one 50 ms flush.
  EXPECT_LT(Clock::now() - t0, 1000ms);
  EXPECT_EQ(observation(m3_)->detail, "connection refused");
  EXPECT_TRUE(is(m1_, true));
  EXPECT_TRUE(is(m2_, true));

  net().set_down("10.0.0.2", false);
  t0 = Clock::now();
  ASSERT_TRUE(eventually([&] { return is(m3_, true); }));
  EXPECT_LT(Clock::now() - t0, 1000ms);

  auto e = events(m3_);  // newest first
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].old_state, "down");
  EXPECT_EQ(e[0].new_state, "up");
  EXPECT_EQ(e[1].old_state, "up");
  EXPECT_EQ(e[1].new_state, "down");
  EXPECT_EQ(e[1].detail, "connection refused");
  EXPECT_EQ(events(m1_).size(), 1u);
}

TEST_F(HealthCheckerTest, ObservationsAreRefreshedEveryInterval) {
  start();
  ASSERT_TRUE(eventually([&] { return all_up(); }));
  for (int round = 0; round < 3; ++round) {
    const int64_t before = checked_at(m1_);
    ASSERT_TRUE(eventually([&] { return checked_at(m1_) > before; }, 300ms)) << round;
  }
}

TEST_F(HealthCheckerTest, DeletedMemberIsNoLongerProbed) {
  start();
  ASSERT_TRUE(eventually([&] { return all_up(); }));
  ASSERT_TRUE(db_->delete_member(m3_).ok());
  // The config poll runs once per shortest interval here (100 ms): give it a few.
  pass(400ms);
  const int runs = net().runs_of("10.0.0.2");
  const int shared = net().runs_of("10.0.0.1");
  pass(500ms);
  EXPECT_EQ(net().runs_of("10.0.0.2"), runs);
  EXPECT_GT(net().runs_of("10.0.0.1"), shared);
  EXPECT_FALSE(observation(m3_).has_value());  // gone with the member, never written again

  // One sharer of a target going leaves the target probed for the other.
  ASSERT_TRUE(db_->delete_member(m2_).ok());
  pass(400ms);
  const int64_t before = checked_at(m1_);
  ASSERT_TRUE(eventually([&] { return checked_at(m1_) > before; }, 500ms));
  EXPECT_FALSE(observation(m2_).has_value());
}

TEST_F(HealthCheckerTest, DeletedCheckStopsItsTargets) {
  start();
  ASSERT_TRUE(eventually([&] { return all_up(); }));
  ASSERT_TRUE(db_->delete_check(check_).ok());
  pass(600ms);
  const int a = net().runs_of("10.0.0.1"), b = net().runs_of("10.0.0.2");
  pass(500ms);
  EXPECT_EQ(net().runs_of("10.0.0.1"), a);
  EXPECT_EQ(net().runs_of("10.0.0.2"), b);
}

TEST_F(HealthCheckerTest, NewMemberIsProbedSoon) {
  start();
  ASSERT_TRUE(eventually([&] { return all_up(); }));
  const int64_t m4 = add_member(s2_, "d", "10.0.0.3");
  net().set_down("10.0.0.3", true);
  // Poll (100 ms) + start within 100 ms + fall 2 + flush.
  ASSERT_TRUE(eventually([&] { return is(m4, false); }, 1500ms));
}

TEST_F(HealthCheckerTest, DisabledMemberIsNotProbedDrainedIs) {
  MemberRow m;
  m.service_id = s1_;
  m.name = "off";
  m.address = "10.0.0.8";
  m.enabled = false;
  const int64_t off = *db_->insert_member(m);
  m.name = "drained";
  m.address = "10.0.0.9";
  m.enabled = true;
  m.drained_at_ms = 5;
  const int64_t drained = *db_->insert_member(m);
  start();
  ASSERT_TRUE(eventually([&] { return is(drained, true); }));
  EXPECT_EQ(net().runs_of("10.0.0.8"), 0);
  EXPECT_FALSE(observation(off).has_value());
}

TEST_F(HealthCheckerTest, IsolatedAgentWritesNoDowns) {
  start();
  ASSERT_TRUE(eventually([&] { return all_up(); }));
  net().set_down("10.0.0.1", true);
  net().set_down("10.0.0.2", true);
  // For well past fall * interval: no down is ever written, and the writes stop (they go
  // stale and stop counting).
  const auto end = Clock::now() + 1200ms;
  int64_t last_checked = 0;
  while (Clock::now() < end) {
    for (int64_t m : {m1_, m2_, m3_}) ASSERT_TRUE(is(m, true)) << "member " << m << " written down";
    last_checked = checked_at(m1_);
    pass(10ms);
  }
  pass(300ms);
  EXPECT_EQ(checked_at(m1_), last_checked);  // isolated: nothing written any more
  for (int64_t m : {m1_, m2_, m3_}) EXPECT_EQ(events(m).size(), 1u);

  // Connectivity back: writes resume, and results from the isolated spell count for nothing.
  net().set_down("10.0.0.1", false);
  net().set_down("10.0.0.2", false);
  ASSERT_TRUE(eventually([&] { return checked_at(m1_) > last_checked; }, 1000ms));
  ASSERT_TRUE(eventually([&] { return checked_at(m3_) > last_checked; }, 1000ms));
  EXPECT_TRUE(all_up());
  for (int64_t m : {m1_, m2_, m3_}) EXPECT_EQ(events(m).size(), 1u);
}

TEST_F(HealthCheckerTest, IsolationHoldsDownsUntilEveryTargetHasFailed) {
  // m3 moves to a slow check (1 s): when connectivity breaks, the fast target reaches fall 2
  // long before the slow one is probed again. Its down must wait for that evidence, which
  // then shows the agent isolated, so it is never written.
  CheckRow slow;
  slow.name = "slow";
  slow.type = "tcp";
  slow.port = 80;
  slow.interval_ms = 1000;
  slow.timeout_ms = 50;
  slow.rise = 1;
  slow.fall = 2;
  const int64_t slow_id = *db_->insert_check(slow);
  MemberRow m = db_->load_config()->members.at(2);
  ASSERT_EQ(m.id, m3_);
  m.check_id = slow_id;
  ASSERT_TRUE(db_->update_member(m).ok());
  start();
  ASSERT_TRUE(eventually([&] { return all_up(); }));
  // Just after the slow target's probe: its next one is about a second away.
  const int slow_runs = net().runs_of("10.0.0.2");
  ASSERT_TRUE(eventually([&] { return net().runs_of("10.0.0.2") > slow_runs; }, 2000ms));
  pass(20ms);
  net().set_down("10.0.0.1", true);
  net().set_down("10.0.0.2", true);
  const auto end = Clock::now() + 2500ms;
  while (Clock::now() < end) {
    for (int64_t id : {m1_, m2_, m3_})
      ASSERT_TRUE(is(id, true)) << "member " << id << " written down";
    pass(10ms);
  }
  net().set_down("10.0.0.1", false);
  net().set_down("10.0.0.2", false);
  const int64_t before = checked_at(m1_);
  ASSERT_TRUE(eventually([&] { return checked_at(m1_) > before; }, 1000ms));
  EXPECT_TRUE(all_up());
}

TEST_F(HealthCheckerTest, OneSiteDownIsNotIsolation) {
  // Three targets, one failing: its down is written (the others prove the agent is connected).
  add_member(s2_, "e", "10.0.0.5");
  start();
  ASSERT_TRUE(eventually([&] { return all_up(); }));
  net().set_down("10.0.0.1", true);
  ASSERT_TRUE(eventually([&] { return is(m1_, false) && is(m2_, false); }, 1000ms));
  EXPECT_TRUE(is(m3_, true));
}

TEST_F(HealthCheckerTest, WarmStartContinuesFromTheStoredVerdict) {
  // A slow rise: without the stored verdict nothing would be written for 10 results.
  CheckRow c = db_->load_config()->checks.at(0);
  c.rise = 10;
  c.fall = 10;
  ASSERT_TRUE(db_->update_check(c).ok());
  std::vector<ObservationRow> stored;
  for (int64_t m : {m1_, m2_, m3_}) {
    ObservationRow o;
    o.agent_id = "local";
    o.member_id = m;
    o.up = m != m3_;
    o.rtt_us = 4000;
    o.checked_at_ms = 1;
    stored.push_back(o);
  }
  ASSERT_TRUE(db_->write_observations(stored).ok());
  net().set_down("10.0.0.1", true);  // one failure of ten does not undo the stored "up"

  start();
  ASSERT_TRUE(eventually([&] { return checked_at(m1_) > 1 && checked_at(m3_) > 1; }, 600ms));
  EXPECT_TRUE(is(m1_, true));
  EXPECT_TRUE(is(m2_, true));
  EXPECT_TRUE(is(m3_, false));  // one success of ten: still down
  // The RTT EWMA continues from the stored 4000 us towards the probes' 1500 us.
  const auto rtt = observation(m3_)->rtt_us;
  ASSERT_TRUE(rtt.has_value());
  EXPECT_LE(*rtt, 3250u);  // 0.3 * 1500 + 0.7 * 4000 after one success
  EXPECT_GT(*rtt, 1500u);
  for (int64_t m : {m1_, m2_, m3_}) EXPECT_EQ(events(m).size(), 1u);  // no flap
}

TEST_F(HealthCheckerTest, StartFailsOnAnUnusablePath) {
  HealthCheckerOptions o;
  o.db_path = "/nonexistent-dir/gslb.db";
  o.probe_override = fake_probes;
  HealthChecker h(o);
  auto r = h.start();
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error().find("healthd"), std::string::npos) << r.error();
  h.stop();
}

TEST_F(HealthCheckerTest, EmptyAgentIdIsRefused) {
  HealthCheckerOptions o;
  o.db_path = path_;
  o.agent_id = "";
  HealthChecker h(o);
  EXPECT_FALSE(h.start().ok());
}

TEST_F(HealthCheckerTest, CatchesUpAfterTheDatabaseWasLockedAndStopsPromptly) {
  using Clock = std::chrono::steady_clock;  // stop() is prompt in real time
  start();
  ASSERT_TRUE(eventually([&] { return all_up(); }));
  // Another writer holds the lock while a site goes down.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  net().set_down("10.0.0.2", true);
  pass(700ms, /*backend_blocked=*/true);
  ASSERT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  ASSERT_TRUE(eventually([&] { return is(m3_, false); }, 2000ms));

  // Locked again, the writer is waiting for the lock when stop() comes: it still returns at once.
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  pass(300ms, /*backend_blocked=*/true);
  const auto t0 = Clock::now();
  stop();
  EXPECT_LT(Clock::now() - t0, 1000ms);
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
}

TEST_F(HealthCheckerTest, StartTwiceOrAfterStopIsRefused) {
  start();
  EXPECT_FALSE(checker_->start().ok());
  stop();
  EXPECT_FALSE(checker_->start().ok());
  stop();  // idempotent
}

TEST_F(HealthCheckerTest, StopIsPrompt) {
  using Clock = std::chrono::steady_clock;  // stop() is prompt in real time
  start();
  ASSERT_TRUE(eventually([&] { return all_up(); }));
  const auto t0 = Clock::now();
  stop();
  EXPECT_LT(Clock::now() - t0, 1000ms);
  const int runs = net().runs_of("10.0.0.1");
  pass(300ms);
  EXPECT_EQ(net().runs_of("10.0.0.1"), runs);
}

}  // namespace
}  // namespace gslb
