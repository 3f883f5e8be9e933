// The single-object validators of zones/config_desired.h (what the REST API's writes use): one
// member, service or check checked on its own against the names that exist already, with error
// lines whose fields are relative to the object.
#include <gtest/gtest.h>

#include <string>

#include "zones/config/config_desired.h"

namespace gslb::config {
namespace {

// The existing names most tests validate against: one zone, two checks, two members.
ObjectContext context() {
  ObjectContext c;
  c.zones = {"gslb.test."};
  c.checks = {"web", "ping"};
  c.members = {{"tokyo", "192.0.2.1"}, {"v6", "2001:db8::1"}};
  return c;
}

template <typename T>
std::string error_of(const Result<T>& r) {
  EXPECT_FALSE(r.ok()) << "accepted";
  return r.ok() ? std::string() : r.error();
}

// ---- members ----

TEST(ConfigObjectMember, AValidMemberHasEveryField) {
  auto m = parse_member_object(R"({"name": "paris", "address": "192.0.2.2", "weight": 3,
      "priority": 2, "region": "eu-west", "enabled": false, "sorry": true, "check": "ping"})",
                               context());
  ASSERT_TRUE(m.ok()) << m.error();
  EXPECT_EQ(m->row.name, "paris");
  EXPECT_EQ(m->row.address, "192.0.2.2");
  EXPECT_EQ(m->row.weight, 3u);
  EXPECT_EQ(m->row.priority, 2u);
  EXPECT_EQ(m->row.region, "eu-west");
  EXPECT_FALSE(m->row.enabled);
  EXPECT_TRUE(m->row.sorry);
  EXPECT_EQ(m->check, "ping");
  EXPECT_FALSE(m->row.drained_at_ms.has_value());
}

TEST(ConfigObjectMember, DefaultsAndCanonicalAddresses) {
  auto m = parse_member_object(R"({"name": "berlin", "address": "2001:DB8:0:0::0:2"})", context());
  ASSERT_TRUE(m.ok()) << m.error();
  EXPECT_EQ(m->row.address, "2001:db8::2");
  EXPECT_EQ(m->row.weight, 1u);
  EXPECT_EQ(m->row.priority, 1u);
  EXPECT_TRUE(m->row.enabled);
  EXPECT_FALSE(m->row.sorry);
  EXPECT_EQ(m->check, "");
}

TEST(ConfigObjectMember, ANullCheckIsNone) {
  auto m = parse_member_object(R"({"name": "berlin", "address": "192.0.2.3", "check": null})",
                               context());
  ASSERT_TRUE(m.ok()) << m.error();
  EXPECT_EQ(m->check, "");
}

TEST(ConfigObjectMember, WeightAndPriorityBounds) {
  const char* const largest =
      R"({"name": "a", "address": "192.0.2.3", "weight": 65535, "priority": 255})";
  const char* const smallest =
      R"({"name": "a", "address": "192.0.2.3", "weight": 0, "priority": 0})";
  EXPECT_TRUE(parse_member_object(largest, context()).ok());
  EXPECT_TRUE(parse_member_object(smallest, context()).ok());
  EXPECT_EQ(error_of(parse_member_object(
                R"({"name": "a", "address": "192.0.2.3", "weight": 70000})", context())),
            "weight: must be 0 to 65535 (got 70000)");
  EXPECT_EQ(error_of(parse_member_object(
                R"({"name": "a", "address": "192.0.2.3", "priority": 256})", context())),
            "priority: must be 0 to 255 (got 256)");
  EXPECT_EQ(error_of(parse_member_object(R"({"name": "a", "address": "192.0.2.3", "weight": -1})",
                                         context())),
            "weight: must be 0 to 65535 (got -1)");
  EXPECT_EQ(
      error_of(parse_member_object(
          R"({"name": "a", "address": "192.0.2.3", "weight": 18446744073709551615})", context())),
      "weight: must be 0 to 65535 (got 18446744073709551615)");
}

TEST(ConfigObjectMember, EveryProblemIsALineWithItsField) {
  EXPECT_EQ(error_of(parse_member_object(
                R"({"address": "not-an-ip", "weight": "heavy", "enabled": 1, "colour": "red"})",
                context())),
            "colour: unknown key\n"
            "name: required\n"
            "address: not an IP address\n"
            "weight: expected an integer\n"
            "enabled: expected true or false");
}

TEST(ConfigObjectMember, BadNames) {
  EXPECT_EQ(error_of(parse_member_object(R"({"name": "a b", "address": "192.0.2.3"})", context())),
            "name: \"a b\" is not 1 to 63 letters, digits, \".\", \"_\" or \"-\"");
  EXPECT_EQ(error_of(parse_member_object(R"({"name": "", "address": "192.0.2.3"})", context())),
            "name: \"\" is not 1 to 63 letters, digits, \".\", \"_\" or \"-\"");
  EXPECT_EQ(error_of(parse_member_object(R"({"name": 7, "address": "192.0.2.3"})", context())),
            "name: expected a string");
}

TEST(ConfigObjectMember, ADuplicateNameAgainstTheServicesMembers) {
  EXPECT_EQ(
      error_of(parse_member_object(R"({"name": "tokyo", "address": "192.0.2.9"})", context())),
      "name: duplicate member \"tokyo\" (also member \"tokyo\")");
}

TEST(ConfigObjectMember, ADuplicateAddressAgainstTheServicesMembers) {
  EXPECT_EQ(
      error_of(parse_member_object(R"({"name": "osaka", "address": "192.0.2.1"})", context())),
      "address: duplicate address 192.0.2.1 (also member \"tokyo\")");
  // Compared in canonical form.
  EXPECT_EQ(
      error_of(parse_member_object(R"({"name": "osaka", "address": "2001:DB8:0::1"})", context())),
      "address: duplicate address 2001:db8::1 (also member \"v6\")");
}

TEST(ConfigObjectMember, TheMemberBeingReplacedIsNotInTheContext) {
  ObjectContext c = context();
  c.members = {{"v6", "2001:db8::1"}};  // tokyo is the one being replaced
  auto m = parse_member_object(R"({"name": "tokyo", "address": "192.0.2.1", "weight": 4})", c);
  ASSERT_TRUE(m.ok()) << m.error();
  EXPECT_EQ(m->row.weight, 4u);
}

TEST(ConfigObjectMember, AnUnknownCheck) {
  EXPECT_EQ(error_of(parse_member_object(
                R"({"name": "osaka", "address": "192.0.2.9", "check": "tcp443"})", context())),
            "check: unknown check \"tcp443\"");
  EXPECT_EQ(error_of(parse_member_object(R"({"name": "osaka", "address": "192.0.2.9", "check": 5})",
                                         context())),
            "check: expected a string");
}

TEST(ConfigObjectMember, NotAnObjectIsAboutTheWhole) {
  EXPECT_EQ(error_of(parse_member_object("[1, 2]", context())), ": expected an object");
  EXPECT_EQ(error_of(parse_member_object("\"tokyo\"", context())), ": expected an object");
}

TEST(ConfigObjectMember, JsonSyntaxErrorsGiveAPosition) {
  const std::string e = error_of(parse_member_object("{\"name\": \"a\",\n  }", context()));
  EXPECT_EQ(e.rfind("line 2, column 3: ", 0), 0u) << e;
}

TEST(ConfigObjectMember, ARepeatedKeyIsReported) {
  EXPECT_EQ(error_of(parse_member_object(
                R"({"name": "a", "address": "192.0.2.3", "weight": 1, "weight": 2})", context())),
            "weight: duplicate key");
}

TEST(ConfigObjectMember, ALongRegionIsRefused) {
  const std::string region(64, 'r');
  EXPECT_EQ(
      error_of(parse_member_object(
          R"({"name": "a", "address": "192.0.2.3", "region": ")" + region + "\"}", context())),
      "region: longer than 63 characters");
}

TEST(ConfigObjectMember, ARepeatedKeyInsideAnArrayNamesItsIndex) {
  const char* const service = R"({"name": "app.gslb.test", "persistence": {"v4": 16, "v4": 24},
      "members": [{"name": "a", "address": "192.0.2.1"},
                  {"name": "b", "name": "c", "address": "192.0.2.2"}]})";
  EXPECT_EQ(error_of(parse_service_object(service, context())),
            "persistence.v4: duplicate key\nmembers[1].name: duplicate key");
  const char* const after_scalars = R"({"name": "a", "address": "192.0.2.3", "region": "x",
      "check": null, "enabled": true, "sorry": false, "sorry": true})";
  EXPECT_EQ(error_of(parse_member_object(after_scalars, context())), "sorry: duplicate key");
}

// ---- services ----

TEST(ConfigObjectService, AValidServiceWithMembers) {
  auto s = parse_service_object(R"({"name": "App.GSLB.test", "policy": "priority", "ttl": 20,
      "ttl_degraded": 5, "answers": 2, "fallback": "sorry", "persistence": {"v4": 16},
      "quorum": 2, "min_healthy": 2, "check": "web",
      "members": [{"name": "a", "address": "192.0.2.1", "priority": 1},
                  {"name": "b", "address": "192.0.2.2", "sorry": true, "check": "ping"}]})",
                                context());
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(s->row.name, "app.gslb.test.");
  EXPECT_EQ(s->zone, "gslb.test.");
  EXPECT_EQ(s->row.policy, "priority");
  EXPECT_EQ(s->row.ttl, 20u);
  EXPECT_EQ(s->row.ttl_degraded, std::optional<uint32_t>(5));
  EXPECT_EQ(s->row.answers, 2u);
  EXPECT_EQ(s->row.fallback, "sorry");
  EXPECT_TRUE(s->row.persistence);
  EXPECT_EQ(s->row.persist_v4, 16u);
  EXPECT_EQ(s->row.persist_v6, 56u);  // default
  EXPECT_EQ(s->row.quorum, std::optional<uint32_t>(2));
  EXPECT_EQ(s->row.min_healthy, 2u);
  EXPECT_EQ(s->check, "web");
  ASSERT_EQ(s->members.size(), 2u);
  EXPECT_EQ(s->members[0].row.name, "a");
  EXPECT_EQ(s->members[1].row.sorry, true);
  EXPECT_EQ(s->members[1].check, "ping");
}

TEST(ConfigObjectService, DefaultsWithoutMembers) {
  auto s = parse_service_object(R"({"name": "www.gslb.test"})", context());
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(s->row.policy, "weighted");
  EXPECT_EQ(s->row.ttl, 30u);
  EXPECT_EQ(s->row.fallback, "all");
  EXPECT_FALSE(s->row.persistence);
  EXPECT_FALSE(s->row.quorum.has_value());
  EXPECT_TRUE(s->members.empty());
  EXPECT_EQ(s->check, "");
}

TEST(ConfigObjectService, TheClosestEnclosingZoneIsChosen) {
  ObjectContext c = context();
  c.zones = {"gslb.test.", "eu.gslb.test.", "other.test."};
  auto s = parse_service_object(R"({"name": "app.eu.gslb.test"})", c);
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(s->zone, "eu.gslb.test.");
  auto apex = parse_service_object(R"({"name": "gslb.test"})", c);
  ASSERT_TRUE(apex.ok()) << apex.error();
  EXPECT_EQ(apex->zone, "gslb.test.");
}

TEST(ConfigObjectService, AServiceOutsideEveryZone) {
  EXPECT_EQ(error_of(parse_service_object(R"({"name": "app.example.test"})", context())),
            "name: app.example.test is not inside any zone");
  // A name that merely ends in the zone's text is not inside it.
  EXPECT_EQ(error_of(parse_service_object(R"({"name": "appgslb.test"})", context())),
            "name: appgslb.test is not inside any zone");
  ObjectContext none = context();
  none.zones.clear();
  EXPECT_EQ(error_of(parse_service_object(R"({"name": "app.gslb.test"})", none)),
            "name: app.gslb.test is not inside any zone");
}

TEST(ConfigObjectService, FieldsAreRelativeToTheService) {
  const char* const service = R"({"name": "app.gslb.test", "policy": "random",
      "ttl": 90000, "persistence": {"v4": 33, "v8": 1}, "check": "tcp443",
      "members": [{"name": "a", "address": "192.0.2.1"},
                  {"name": "a", "address": "192.0.2.1"},
                  {"name": "c", "address": "nowhere", "weight": 70000}]})";
  EXPECT_EQ(error_of(parse_service_object(service, context())),
            "policy: unknown policy \"random\" (weighted, round-robin, priority, rtt, least-load, "
            "closest)\n"
            "ttl: must be 0 to 86400 (got 90000)\n"
            "persistence.v8: unknown key\n"
            "persistence.v4: must be 0 to 32 (got 33)\n"
            "check: unknown check \"tcp443\"\n"
            "members[1].name: duplicate member \"a\" (also members[0])\n"
            "members[1].address: duplicate address 192.0.2.1 (also members[0])\n"
            "members[2].address: not an IP address\n"
            "members[2].weight: must be 0 to 65535 (got 70000)");
}

TEST(ConfigObjectService, FallbackSorryNeedsASorryMember) {
  const char* const service = R"({"name": "app.gslb.test", "fallback": "sorry",
      "members": [{"name": "a", "address": "192.0.2.1"}]})";
  EXPECT_EQ(error_of(parse_service_object(service, context())),
            "fallback: \"sorry\" needs a member with \"sorry\": true");
}

TEST(ConfigObjectService, MembersMustBeAnArrayOfObjects) {
  EXPECT_EQ(
      error_of(parse_service_object(R"({"name": "app.gslb.test", "members": {}})", context())),
      "members: expected an array");
  EXPECT_EQ(
      error_of(parse_service_object(R"({"name": "app.gslb.test", "members": [3]})", context())),
      "members[0]: expected an object");
}

TEST(ConfigObjectService, ANameIsRequired) {
  EXPECT_EQ(error_of(parse_service_object(R"({"policy": "weighted"})", context())),
            "name: required");
  EXPECT_EQ(error_of(parse_service_object("[]", context())), ": expected an object");
}

// ---- checks ----

TEST(ConfigObjectCheck, AValidHttpCheck) {
  auto c = parse_check_object(R"({"name": "api", "type": "http", "port": 8080, "path": "/h",
      "host": "api.example.test", "expect_status": [200, 204], "expect_body": "ok",
      "interval_ms": 2000, "timeout_ms": 300, "rise": 3, "fall": 4, "options": {"load_header": "X-Load"}})",
                              context());
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->name, "api");
  EXPECT_EQ(c->type, "http");
  EXPECT_EQ(c->port, 8080u);
  EXPECT_EQ(c->path, "/h");
  EXPECT_EQ(c->host, "api.example.test");
  EXPECT_EQ(c->expect_status, "200,204");
  EXPECT_EQ(c->expect_body, "ok");
  EXPECT_EQ(c->interval_ms, 2000u);
  EXPECT_EQ(c->timeout_ms, 300u);
  EXPECT_EQ(c->rise, 3u);
  EXPECT_EQ(c->fall, 4u);
  EXPECT_EQ(c->options_json, R"({"load_header":"X-Load"})");
}

TEST(ConfigObjectCheck, TheDefaultTimeoutStaysInsideTheInterval) {
  auto fast = parse_check_object(R"({"name": "p", "type": "icmp", "interval_ms": 600})", context());
  ASSERT_TRUE(fast.ok()) << fast.error();
  EXPECT_EQ(fast->timeout_ms, 300u);
  auto slow = parse_check_object(R"({"name": "p", "type": "icmp"})", context());
  ASSERT_TRUE(slow.ok()) << slow.error();
  EXPECT_EQ(slow->timeout_ms, 500u);
  EXPECT_EQ(slow->options_json, "{}");
  auto one =
      parse_check_object(R"({"name": "p", "type": "http", "expect_status": 301})", context());
  ASSERT_TRUE(one.ok()) << one.error();
  EXPECT_EQ(one->expect_status, "301");
}

TEST(ConfigObjectCheck, ErrorLinesNameTheirFields) {
  EXPECT_EQ(error_of(parse_check_object(R"({"name": "t", "type": "tcp"})", context())),
            "port: a tcp check needs a port (1 to 65535)");
  EXPECT_EQ(
      error_of(parse_check_object(
          R"({"name": "h", "type": "http", "interval_ms": 1000, "timeout_ms": 1000})", context())),
      "timeout_ms: must be less than interval_ms (1000)");
  EXPECT_EQ(error_of(parse_check_object(R"({"name": "f", "type": "ftp"})", context())),
            "type: unknown check type \"ftp\" (icmp, tcp, http, https, dns)");
  EXPECT_EQ(error_of(parse_check_object(
                R"({"name": "h", "type": "http", "expect_status": [200, 99], "port": 70000})",
                context())),
            "port: must be 0 to 65535 (got 70000)\n"
            "expect_status[1]: must be 100 to 599 (got 99)");
  EXPECT_EQ(error_of(parse_check_object(R"({"type": "icmp", "options": []})", context())),
            "name: required\noptions: expected an object");
}

TEST(ConfigObjectCheck, ADuplicateNameAgainstExistingChecks) {
  EXPECT_EQ(error_of(parse_check_object(R"({"name": "web", "type": "icmp"})", context())),
            "name: duplicate check \"web\" (also check \"web\")");
}

}  // namespace
}  // namespace gslb::config
