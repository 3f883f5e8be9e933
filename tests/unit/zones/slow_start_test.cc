// SlowStart: the ramp of a site that comes back (up after down, enabled after a drain, added,
// weight raised), the scale of every weight of a slow-start service, the services it leaves
// alone, and what the ramp does to the weighted draw and to persistent clients.
#include "zones/model/slow_start.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "server/policy/policies.h"
#include "server/policy/policy.h"
#include "tests/unit/server/policy/policy_testing.h"

namespace gslb {
namespace {

constexpr uint32_t kRampMs = 10000;
constexpr uint32_t kScale = SlowStart::kScale;

Member member(int64_t id, uint32_t weight, bool up = true, bool enabled = true) {
  Member m;
  m.id = id;
  m.name = "m" + std::to_string(id);
  m.weight = weight;
  m.up = up;
  m.enabled = enabled;
  return m;
}

// One service of members (id, weight, up) as services_from_rows would build it, fresh each
// time: configured weights, no ramp.
ServiceTable table(std::vector<Member> members, uint32_t slow_start_ms = kRampMs) {
  Service s;
  s.id = 1;
  s.slow_start_ms = slow_start_ms;
  s.members = std::move(members);
  ServiceTable t;
  t.push_back(std::move(s));
  return t;
}

const Member& at(const ServiceTable& t, int64_t id) {
  for (const Member& m : t[0].members)
    if (m.id == id) return m;
  ADD_FAILURE() << "no member " << id;
  return t[0].members[0];
}

ServiceTable step(SlowStart& ss, std::vector<Member> members, int64_t now_ms) {
  ServiceTable t = table(std::move(members));
  ss.apply(t, now_ms);
  return t;
}

TEST(SlowStart, TheFirstBuildRampsNothingAndScalesEveryWeight) {
  SlowStart ss;
  ServiceTable t = step(ss, {member(1, 1), member(2, 3), member(3, 0)}, 1000);
  EXPECT_EQ(at(t, 1).weight, 1 * kScale);
  EXPECT_EQ(at(t, 2).weight, 3 * kScale);
  EXPECT_EQ(at(t, 3).weight, 0u) << "weight 0 means last resort and stays so";
  EXPECT_EQ(at(t, 1).weight_share, 1.0f);
  EXPECT_EQ(at(t, 1).slow_start_ends_ms, 0);
}

TEST(SlowStart, ASiteComingBackRampsFromTheFloorToItsWeight) {
  SlowStart ss;
  step(ss, {member(1, 1), member(2, 2)}, 0);
  step(ss, {member(1, 1), member(2, 2, /*up=*/false)}, 1000);
  ServiceTable back = step(ss, {member(1, 1), member(2, 2)}, 2000);
  EXPECT_NEAR(at(back, 2).weight_share, SlowStart::kFloor, 1e-6);
  EXPECT_EQ(at(back, 2).weight, static_cast<uint32_t>(2 * kScale * SlowStart::kFloor));
  EXPECT_EQ(at(back, 2).slow_start_ends_ms, 2000 + kRampMs);
  EXPECT_EQ(at(back, 1).weight, kScale) << "the others keep their whole weight";

  ServiceTable half = step(ss, {member(1, 1), member(2, 2)}, 2000 + kRampMs / 2);
  EXPECT_NEAR(at(half, 2).weight_share, SlowStart::kFloor + (1 - SlowStart::kFloor) / 2, 1e-6);
  EXPECT_GT(at(half, 2).weight, at(back, 2).weight);

  ServiceTable done = step(ss, {member(1, 1), member(2, 2)}, 2000 + kRampMs);
  EXPECT_EQ(at(done, 2).weight_share, 1.0f);
  EXPECT_EQ(at(done, 2).weight, 2 * kScale);
  EXPECT_EQ(at(done, 2).slow_start_ends_ms, 0);
  ServiceTable later = step(ss, {member(1, 1), member(2, 2)}, 2000 + 3 * kRampMs);
  EXPECT_EQ(at(later, 2).weight, 2 * kScale);
}

TEST(SlowStart, EnabledAfterADrainRamps) {
  SlowStart ss;
  step(ss, {member(1, 1), member(2, 1)}, 0);
  step(ss, {member(1, 1), member(2, 1, true, /*enabled=*/false)}, 1000);
  ServiceTable t = step(ss, {member(1, 1), member(2, 1)}, 1500);
  EXPECT_NEAR(at(t, 2).weight_share, SlowStart::kFloor, 1e-6);
}

TEST(SlowStart, ASiteAddedWhileRunningRampsButNotOneThereAtStart) {
  SlowStart ss;
  step(ss, {member(1, 1)}, 0);
  ServiceTable t = step(ss, {member(1, 1), member(2, 1)}, 1000);
  EXPECT_NEAR(at(t, 2).weight_share, SlowStart::kFloor, 1e-6);
  EXPECT_EQ(at(t, 1).weight_share, 1.0f);
}

TEST(SlowStart, ARaisedWeightRampsFromTheWeightItHad) {
  SlowStart ss;
  step(ss, {member(1, 1), member(2, 1)}, 0);
  ServiceTable t = step(ss, {member(1, 1), member(2, 4)}, 1000);
  // It answered with weight 1 of the new 4: a quarter, rising to the whole.
  EXPECT_NEAR(at(t, 2).weight_share, 0.25, 1e-6);
  EXPECT_EQ(at(t, 2).weight, kScale);
  ServiceTable half = step(ss, {member(1, 1), member(2, 4)}, 1000 + kRampMs / 2);
  EXPECT_NEAR(at(half, 2).weight_share, 0.625, 1e-6);
  // A lowered weight takes effect at once.
  ServiceTable lower = step(ss, {member(1, 1), member(2, 1)}, 1000 + kRampMs);
  EXPECT_EQ(at(lower, 2).weight, kScale);
}

TEST(SlowStart, ARaiseDuringARampStartsFromWhereItWas) {
  SlowStart ss;
  step(ss, {member(1, 2)}, 0);
  step(ss, {member(1, 2, false)}, 100);
  step(ss, {member(1, 2)}, 200);  // ramping from 5 %
  ServiceTable t = step(ss, {member(1, 4)}, 200 + kRampMs / 2);
  // At half the ramp it answered with 52.5 % of 2, that is 1.05 of the new 4.
  EXPECT_NEAR(at(t, 1).weight_share, 0.525 * 2 / 4, 1e-6);
}

TEST(SlowStart, GoingDownDuringARampStartsOverWhenItReturns) {
  SlowStart ss;
  step(ss, {member(1, 1)}, 0);
  step(ss, {member(1, 1, false)}, 100);
  step(ss, {member(1, 1)}, 200);
  step(ss, {member(1, 1, false)}, 200 + kRampMs / 2);
  ServiceTable t = step(ss, {member(1, 1)}, 300 + kRampMs / 2);
  EXPECT_NEAR(at(t, 1).weight_share, SlowStart::kFloor, 1e-6);
}

TEST(SlowStart, AServiceWithoutSlowStartIsLeftAlone) {
  SlowStart ss;
  ServiceTable t = table({member(1, 3), member(2, 1)}, /*slow_start_ms=*/0);
  ss.apply(t, 0);
  ServiceTable again = table({member(1, 3), member(2, 1, false)}, 0);
  ss.apply(again, 100);
  ServiceTable back = table({member(1, 3), member(2, 1)}, 0);
  ss.apply(back, 200);
  EXPECT_EQ(at(back, 1).weight, 3u);
  EXPECT_EQ(at(back, 2).weight, 1u);
  EXPECT_EQ(at(back, 2).weight_share, 1.0f);
}

// The ramp through the real weighted draw: the share of answers follows the share of weight.
TEST(SlowStart, TheWeightedDrawFollowsTheRamp) {
  SlowStart ss;
  step(ss, {member(1, 1), member(2, 1)}, 0);
  step(ss, {member(1, 1), member(2, 1, false)}, 100);
  ServiceTable t = step(ss, {member(1, 1), member(2, 1)}, 200);
  policy_testing::Pool pool({{"a", at(t, 1).weight}, {"b", at(t, 2).weight}});
  const auto counts = pool.tally(pick_weighted, pool.all(), 20000);
  // b: 0.05 / 1.05 of the answers, about 4.8 %.
  EXPECT_NEAR(policy_testing::percent(counts, "b", 20000), 100.0 * 0.05 / 1.05, 1.0);
}

// With persistence only the clients the rendezvous hash gives back to the returning site move,
// a few more at each step, and none moves anywhere else.
TEST(SlowStart, PersistentClientsReturnToTheSiteGraduallyAndOnlyThose) {
  constexpr int kClients = 4000;
  auto assign = [&](uint32_t wa, uint32_t wb, uint32_t wc, bool b_up = true) {
    policy_testing::Pool pool({{"a", wa}, {"b", wb}, {"c", wc}});
    pool.service.persistence = true;
    Rng rng(1);
    std::vector<std::string> out;
    for (int i = 0; i < kClients; ++i)
      out.push_back(pool.pick_one(pick_weighted, b_up ? pool.all() : pool.without({"b"}), rng,
                                  policy_testing::nth_subnet_v4(static_cast<uint32_t>(i))));
    return out;
  };
  const auto before = assign(kScale, kScale, kScale);
  const auto while_down = assign(kScale, kScale, kScale, /*b_up=*/false);
  SlowStart ss;
  std::vector<Member> all = {member(1, 1), member(2, 1), member(3, 1)};
  step(ss, all, 0);
  step(ss, {member(1, 1), member(2, 1, false), member(3, 1)}, 100);
  std::vector<std::string> previous;
  int previous_on_b = 0;
  for (int64_t t = 200; t <= 200 + kRampMs; t += kRampMs / 4) {
    ServiceTable tab = step(ss, all, t);
    const auto now = assign(at(tab, 1).weight, at(tab, 2).weight, at(tab, 3).weight);
    int on_b = 0;
    for (int i = 0; i < kClients; ++i) {
      const size_t c = static_cast<size_t>(i);
      if (now[c] == "b") {
        ++on_b;
        EXPECT_EQ(before[c], "b") << "client " << i << " is not b's";
      } else {
        // Not (yet) back on b: where it went while b was down, which for the clients of the
        // sites that stayed up is where they always were.
        EXPECT_EQ(now[c], while_down[c]) << "client " << i << " moved between sites that stayed up";
      }
      if (!previous.empty() && previous[static_cast<size_t>(i)] == "b") {
        EXPECT_EQ(now[static_cast<size_t>(i)], "b") << "client " << i << " left b again";
      }
    }
    if (t == 200) {
      const auto b_clients = std::count(before.begin(), before.end(), "b");
      EXPECT_LT(on_b, b_clients / 8) << "at 5 % of its weight b took back too many at once";
    }
    EXPECT_GE(on_b, previous_on_b);
    previous = now;
    previous_on_b = on_b;
  }
  EXPECT_EQ(previous, before) << "at the end of the ramp every client is back where it was";
}

}  // namespace
}  // namespace gslb
