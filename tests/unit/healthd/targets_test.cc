#include "healthd/targets.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gslb {
namespace {

CheckRow check(int64_t id, uint32_t interval_ms = 1000) {
  CheckRow c;
  c.id = id;
  c.name = "c" + std::to_string(id);
  c.type = "tcp";
  c.port = 80;
  c.interval_ms = interval_ms;
  return c;
}

ServiceRow service(int64_t id, std::optional<int64_t> check_id) {
  ServiceRow s;
  s.id = id;
  s.zone_id = 1;
  s.name = "s" + std::to_string(id) + ".gslb.test.";
  s.policy = "weighted";
  s.check_id = check_id;
  return s;
}

MemberRow member(int64_t id, int64_t service_id, std::string address,
                 std::optional<int64_t> check_id = std::nullopt) {
  MemberRow m;
  m.id = id;
  m.service_id = service_id;
  m.name = "m" + std::to_string(id);
  m.address = std::move(address);
  m.check_id = check_id;
  return m;
}

TEST(Targets, SharedAddressIsProbedOncePerCheck) {
  ConfigRows c;
  c.checks = {check(1)};
  c.services = {service(10, 1), service(11, 1)};
  c.members = {member(100, 10, "192.0.2.1"), member(101, 11, "192.0.2.1"),
               member(102, 10, "192.0.2.2")};
  TargetSet set = targets_from_config(c);
  ASSERT_EQ(set.targets.size(), 2u);
  EXPECT_EQ(set.targets[0].key, (TargetKey{1, "192.0.2.1"}));
  EXPECT_EQ(set.targets[0].member_ids, (std::vector<int64_t>{100, 101}));
  EXPECT_EQ(set.targets[1].key, (TargetKey{1, "192.0.2.2"}));
  EXPECT_EQ(set.targets[1].member_ids, (std::vector<int64_t>{102}));
  EXPECT_EQ(set.targets[0].check.id, 1);
  EXPECT_TRUE(set.problems.empty());
}

TEST(Targets, SameAddressUnderTwoChecksIsTwoTargets) {
  ConfigRows c;
  c.checks = {check(1), check(2)};
  c.services = {service(10, 1), service(11, 2)};
  c.members = {member(100, 10, "192.0.2.1"), member(101, 11, "192.0.2.1")};
  TargetSet set = targets_from_config(c);
  ASSERT_EQ(set.targets.size(), 2u);
  EXPECT_EQ(set.targets[0].key.check_id, 1);
  EXPECT_EQ(set.targets[1].key.check_id, 2);
}

TEST(Targets, MemberCheckOverridesServiceCheck) {
  ConfigRows c;
  c.checks = {check(1), check(2, 5000)};
  c.services = {service(10, 1)};
  c.members = {member(100, 10, "192.0.2.1", 2), member(101, 10, "192.0.2.2")};
  TargetSet set = targets_from_config(c);
  ASSERT_EQ(set.targets.size(), 2u);
  EXPECT_EQ(set.targets[0].key, (TargetKey{1, "192.0.2.2"}));
  EXPECT_EQ(set.targets[1].key, (TargetKey{2, "192.0.2.1"}));
  EXPECT_EQ(set.targets[1].check.interval_ms, 5000u);
}

TEST(Targets, MemberWithoutAnyCheckIsNotProbed) {
  ConfigRows c;
  c.checks = {check(1)};
  c.services = {service(10, std::nullopt)};
  c.members = {member(100, 10, "192.0.2.1"), member(101, 10, "192.0.2.2", 1)};
  TargetSet set = targets_from_config(c);
  ASSERT_EQ(set.targets.size(), 1u);
  EXPECT_EQ(set.targets[0].member_ids, (std::vector<int64_t>{101}));
}

TEST(Targets, DisabledExcludedDrainedIncluded) {
  ConfigRows c;
  c.checks = {check(1)};
  c.services = {service(10, 1)};
  MemberRow disabled = member(100, 10, "192.0.2.1");
  disabled.enabled = false;
  MemberRow drained = member(101, 10, "192.0.2.2");
  drained.drained_at_ms = 12345;
  c.members = {disabled, drained};
  TargetSet set = targets_from_config(c);
  ASSERT_EQ(set.targets.size(), 1u);
  EXPECT_EQ(set.targets[0].key.address, "192.0.2.2");
  EXPECT_EQ(set.targets[0].member_ids, (std::vector<int64_t>{101}));
}

TEST(Targets, DisabledMemberDoesNotDropSharedTarget) {
  ConfigRows c;
  c.checks = {check(1)};
  c.services = {service(10, 1), service(11, 1)};
  MemberRow disabled = member(100, 10, "192.0.2.1");
  disabled.enabled = false;
  c.members = {disabled, member(101, 11, "192.0.2.1")};
  TargetSet set = targets_from_config(c);
  ASSERT_EQ(set.targets.size(), 1u);
  EXPECT_EQ(set.targets[0].member_ids, (std::vector<int64_t>{101}));
}

TEST(Targets, AddressesAreCanonical) {
  ConfigRows c;
  c.checks = {check(1)};
  c.services = {service(10, 1)};
  c.members = {member(100, 10, "2001:DB8:0:0::1"), member(101, 10, "2001:db8::1")};
  TargetSet set = targets_from_config(c);
  ASSERT_EQ(set.targets.size(), 1u);
  EXPECT_EQ(set.targets[0].key.address, "2001:db8::1");
  EXPECT_EQ(set.targets[0].member_ids.size(), 2u);
}

TEST(Targets, BadRowsAreNamedNotProbed) {
  ConfigRows c;
  c.checks = {check(1)};
  c.services = {service(10, 1)};
  c.members = {member(100, 10, "not-an-ip"), member(101, 10, "192.0.2.1", 99),
               member(102, 10, "192.0.2.3")};
  TargetSet set = targets_from_config(c);
  ASSERT_EQ(set.targets.size(), 1u);
  EXPECT_EQ(set.targets[0].member_ids, (std::vector<int64_t>{102}));
  ASSERT_EQ(set.problems.size(), 2u);
  EXPECT_NE(set.problems[0].find("members row 100"), std::string::npos) << set.problems[0];
  EXPECT_NE(set.problems[1].find("check 99"), std::string::npos) << set.problems[1];
}

// A CNAME target's addresses are not ours and move: its target is the name, shared by every
// member naming it under the same check, and resolved by the probe (probe_spec_from_check
// tells it by the trailing dot).
TEST(Targets, ACnameTargetIsProbedByItsName) {
  ConfigRows c;
  c.checks = {check(1)};
  c.services = {service(10, 1), service(11, 1)};
  MemberRow cdn = member(100, 10, "");
  cdn.target = "lb.cdn.example.test.";
  MemberRow again = member(101, 11, "");
  again.target = "lb.cdn.example.test.";
  c.members = {cdn, again, member(102, 10, "192.0.2.1")};
  TargetSet set = targets_from_config(c);
  ASSERT_EQ(set.targets.size(), 2u);
  EXPECT_EQ(set.targets[0].key, (TargetKey{1, "192.0.2.1"}));
  EXPECT_EQ(set.targets[1].key, (TargetKey{1, "lb.cdn.example.test."}));
  EXPECT_EQ(set.targets[1].member_ids, (std::vector<int64_t>{100, 101}));
  EXPECT_TRUE(set.problems.empty());
}

TEST(Targets, ACnameTargetWithoutACheckIsNotProbed) {
  ConfigRows c;
  c.services = {service(10, std::nullopt)};
  MemberRow cdn = member(100, 10, "");
  cdn.target = "lb.cdn.example.test.";
  c.members = {cdn};
  EXPECT_TRUE(targets_from_config(c).targets.empty());
}

}  // namespace
}  // namespace gslb
