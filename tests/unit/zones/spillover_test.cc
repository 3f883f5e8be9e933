// Spillover (issue 12, point 3) as index_service builds the candidate lists: a member at or
// above its capacity is no candidate while another healthy member of its service has room, so
// the overflow goes to the next tier or down the pool fallback chain; when every healthy member
// is over capacity they all answer and the service is saturated.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "zones/model/slow_start.h"
#include "zones/model/snapshot_builder.h"

namespace gslb {
namespace {

Member member(int64_t id, bool over, bool capped = true, bool up = true, int16_t pool = -1) {
  Member m;
  m.id = id;
  m.name = "m" + std::to_string(id);
  m.address[0] = 192;
  m.address[3] = static_cast<uint8_t>(id);
  m.up = up;
  m.has_capacity = capped;
  m.capacity = 80;
  m.has_load = true;
  m.load = over ? 95 : 40;
  m.over_capacity = capped && over;
  m.pool = pool;
  return m;
}

std::vector<int64_t> ids(const std::vector<const Member*>& list) {
  std::vector<int64_t> out;
  for (const Member* m : list) out.push_back(m->id);
  return out;
}

TEST(Spillover, AMemberOverCapacityIsNoCandidateWhileAnotherHasRoom) {
  Service s;
  s.members = {member(1, /*over=*/true), member(2, false), member(3, false, /*capped=*/false)};
  index_service(s);
  EXPECT_EQ(ids(s.healthy[0]), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(ids(s.enabled[0]), (std::vector<int64_t>{1, 2, 3})) << "fallback all keeps it";
  EXPECT_FALSE(s.saturated[0]);
}

TEST(Spillover, WhenEveryHealthyMemberIsOverCapacityTheyAllAnswerAndTheServiceSaysSo) {
  Service s;
  s.members = {member(1, true), member(2, true), member(3, false, true, /*up=*/false)};
  index_service(s);
  EXPECT_TRUE(s.saturated[0]);
  EXPECT_EQ(ids(s.healthy[0]), (std::vector<int64_t>{1, 2})) << "a down member stays out";
}

TEST(Spillover, ADownMemberWithRoomDoesNotCount) {
  Service s;
  s.members = {member(1, true), member(2, false, true, /*up=*/false)};
  index_service(s);
  EXPECT_TRUE(s.saturated[0]);
  EXPECT_EQ(ids(s.healthy[0]), (std::vector<int64_t>{1}));
}

TEST(Spillover, AFullPoolOverflowsToItsFallbackPool) {
  Service s;
  s.pools.resize(2);
  s.pools[0].name = "near";
  s.pools[1].name = "far";
  s.pools[0].fallback = {1};
  s.members = {member(1, true, true, true, 0), member(2, true, true, true, 0),
               member(3, false, true, true, 1)};
  index_service(s);
  EXPECT_TRUE(s.pools[0].view.healthy[0].empty()) << "its query walks on to the fallback pool";
  EXPECT_EQ(ids(s.pools[1].view.healthy[0]), (std::vector<int64_t>{3}));
  EXPECT_FALSE(s.pools[0].view.saturated[0]);
}

TEST(Spillover, WhenEveryPoolIsFullEachAnswersFromItsOwn) {
  Service s;
  s.pools.resize(2);
  s.members = {member(1, true, true, true, 0), member(2, true, true, true, 1)};
  index_service(s);
  EXPECT_TRUE(s.saturated[0]);
  EXPECT_TRUE(s.pools[0].view.saturated[0]);
  EXPECT_EQ(ids(s.pools[0].view.healthy[0]), (std::vector<int64_t>{1}));
  EXPECT_EQ(ids(s.pools[1].view.healthy[0]), (std::vector<int64_t>{2}));
}

TEST(Spillover, FamiliesAreJudgedApart) {
  Service s;
  Member v6 = member(2, false);
  v6.family = 6;
  s.members = {member(1, true), v6};
  index_service(s);
  EXPECT_TRUE(s.saturated[0]) << "the only IPv4 member is over capacity";
  EXPECT_FALSE(s.saturated[1]);
  EXPECT_EQ(ids(s.healthy[0]), (std::vector<int64_t>{1}));
  EXPECT_EQ(ids(s.healthy[1]), (std::vector<int64_t>{2}));
}

// A member back under its capacity returns like a site coming back: slow start ramps it.
TEST(Spillover, BackUnderCapacityRampsUnderSlowStart) {
  SlowStart ss;
  auto table = [](bool over) {
    Service s;
    s.slow_start_ms = 10000;
    s.members = {member(1, false), member(2, over)};
    ServiceTable t;
    t.push_back(std::move(s));
    return t;
  };
  ServiceTable t0 = table(false);
  ss.apply(t0, 0);
  ServiceTable t1 = table(true);
  ss.apply(t1, 1000);
  ServiceTable t2 = table(false);
  ss.apply(t2, 2000);
  EXPECT_NEAR(t2[0].members[1].weight_share, SlowStart::kFloor, 1e-6);
}

}  // namespace
}  // namespace gslb
