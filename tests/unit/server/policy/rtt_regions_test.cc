// Policy "rtt" by the client's region: a member's RTT from the client's region when its agents
// measured it, else its overall RTT.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "server/policy/policies.h"
#include "server/policy/policy.h"
#include "tests/unit/server/policy/policy_testing.h"

namespace gslb {
namespace {

using policy_testing::client_v4;
using policy_testing::percent;
using policy_testing::Pool;

constexpr int32_t kEu = 0, kUs = 1, kAp = 2;

// Sets a member's RTT per region (eu, us, ap); nullopt: not measured from there.
void region_rtts(Pool& pool, const char* name, std::optional<uint32_t> eu,
                 std::optional<uint32_t> us, std::optional<uint32_t> ap = std::nullopt) {
  std::vector<Member::RegionRtt>& rtts = pool.mutable_member(name).region_rtt;
  rtts.clear();
  for (std::optional<uint32_t> rtt : {eu, us, ap})
    rtts.push_back({rtt.has_value(), rtt.value_or(0)});
}

Client in_region(int32_t region) {
  Client c = client_v4(198, 51, 100, 1, 24);
  c.region = region;
  return c;
}

std::map<std::string, int> tally(Pool& pool, const Client& client, int draws, uint64_t seed = 1) {
  Rng rng(seed);
  std::map<std::string, int> counts;
  for (int i = 0; i < draws; ++i) ++counts[pool.pick_one(pick_rtt, pool.all(), rng, client)];
  return counts;
}

TEST(RttPolicyRegions, PicksTheMemberFastestFromTheClientsRegion) {
  // Overall (best of any agent) paris and boston tie at 5000; each is fast from its own region.
  Pool pool({{"paris", 1, 1, 5000}, {"boston", 1, 1, 5000}});
  region_rtts(pool, "paris", 5000, 80000);
  region_rtts(pool, "boston", 90000, 5000);
  EXPECT_EQ(tally(pool, in_region(kEu), 500), (std::map<std::string, int>{{"paris", 500}}));
  EXPECT_EQ(tally(pool, in_region(kUs), 500), (std::map<std::string, int>{{"boston", 500}}));
  // An unknown region: the overall RTTs, so both share.
  auto counts = tally(pool, in_region(-1), 4000);
  EXPECT_NEAR(percent(counts, "paris", 4000), 50.0, 4.0);
}

TEST(RttPolicyRegions, AMemberUnmeasuredFromTheRegionRanksByItsOverallRtt) {
  Pool pool({{"paris", 1, 1, 5000}, {"boston", 1, 1, 3000}, {"none", 1}});
  region_rtts(pool, "paris", 20000, std::nullopt);
  region_rtts(pool, "boston", std::nullopt, 9000);
  // From eu: paris 20000 (eu), boston 3000 (overall): boston.
  EXPECT_EQ(tally(pool, in_region(kEu), 200), (std::map<std::string, int>{{"boston", 200}}));
  // From us: paris 5000 (overall), boston 9000 (us): paris.
  EXPECT_EQ(tally(pool, in_region(kUs), 200), (std::map<std::string, int>{{"paris", 200}}));
  // From ap, nobody was measured there: overall, boston.
  EXPECT_EQ(tally(pool, in_region(kAp), 200), (std::map<std::string, int>{{"boston", 200}}));
}

TEST(RttPolicyRegions, ARegionalRttCountsAsMeasuredEvenWithoutAnOverallOne) {
  // A member never measured overall cannot have a regional RTT in a real Snapshot, but the
  // policy reads each on its own: measured from the region beats unmeasured.
  Pool pool({{"a", 100}, {"b", 1}});
  region_rtts(pool, "b", 40000, std::nullopt);
  EXPECT_EQ(tally(pool, in_region(kEu), 200), (std::map<std::string, int>{{"b", 200}}));
  auto counts = tally(pool, in_region(kUs), 2000);  // both unmeasured from us: by weight
  EXPECT_GT(percent(counts, "a", 2000), 95.0);
}

TEST(RttPolicyRegions, TheBandAppliesToRegionalRtts) {
  Pool pool({{"a", 1, 1, 1000}, {"b", 1, 1, 1000}, {"c", 1, 1, 1000}});
  policy_testing::set_policy_option(pool.service, "rtt_tolerance_pct", int64_t{10});
  policy_testing::set_policy_option(pool.service, "rtt_tolerance_us", int64_t{0});
  region_rtts(pool, "a", 10000, std::nullopt);
  region_rtts(pool, "b", 10900, std::nullopt);
  region_rtts(pool, "c", 11100, std::nullopt);
  auto counts = tally(pool, in_region(kEu), 4000, 3);
  EXPECT_NEAR(percent(counts, "a", 4000), 50.0, 4.0);
  EXPECT_NEAR(percent(counts, "b", 4000), 50.0, 4.0);
  EXPECT_EQ(counts.count("c"), 0u);
}

TEST(RttPolicyRegions, AnswersBeyondTheBandFollowRegionalOrder) {
  Pool pool({{"far", 1, 1, 1000}, {"near", 1, 1, 2000}, {"mid", 1, 1, 3000}, {"none", 1}});
  region_rtts(pool, "far", 90000, std::nullopt);
  region_rtts(pool, "near", 1000, std::nullopt);
  region_rtts(pool, "mid", 50000, std::nullopt);
  Rng rng(5);
  for (int i = 0; i < 20; ++i) {
    auto names = pool.pick(pick_rtt, pool.all(), rng, 4, in_region(kEu));
    EXPECT_EQ(names, (std::vector<std::string>{"near", "mid", "far", "none"}));
  }
}

TEST(RttPolicyRegions, ARegionIndexPastTheMembersTableIsIgnored) {
  // Members of a Snapshot all carry one slot per region; an index past them (a client region
  // of another table) must not be read.
  Pool pool({{"a", 1, 1, 9000}, {"b", 1, 1, 1000}});
  policy_testing::set_policy_option(pool.service, "rtt_tolerance_us", int64_t{0});
  region_rtts(pool, "a", 10, std::nullopt);
  EXPECT_EQ(tally(pool, in_region(7), 100), (std::map<std::string, int>{{"b", 100}}));
  EXPECT_EQ(tally(pool, in_region(kEu), 100), (std::map<std::string, int>{{"a", 100}}));
}

}  // namespace
}  // namespace gslb
