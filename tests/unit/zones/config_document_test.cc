#include "zones/config/config_document.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "tests/unit/testing/store_testing.h"
#include "zones/store/store.h"

namespace gslb {
namespace {

using testing::TempDir;

using nlohmann::json;

const std::string kData = std::string(GSLBD_TEST_DATA) + "/config";

// An inline-zone document needing no files: two services, three checks' worth of references.
json base_doc() {
  return json::parse(R"({
    "zones": [
      {"name": "gslb.test", "ttl": 300,
       "soa": {"mname": "ns1.gslb.test.", "rname": "hostmaster.gslb.test.", "serial": 1},
       "ns": ["ns1.gslb.test."],
       "records": [{"name": "ns1", "type": "A", "data": "192.0.2.53"}]}
    ],
    "checks": [
      {"name": "web", "type": "http", "port": 18080, "path": "/health",
       "expect_status": [200], "interval_ms": 200, "timeout_ms": 150}
    ],
    "services": [
      {"name": "app.gslb.test", "policy": "weighted", "ttl": 30, "check": "web",
       "members": [{"name": "tokyo", "address": "192.0.2.1", "weight": 1},
                   {"name": "paris", "address": "192.0.2.2"},
                   {"name": "v6", "address": "2001:db8::1"}]},
      {"name": "www.gslb.test", "policy": "priority",
       "members": [{"name": "a", "address": "192.0.2.10", "priority": 1},
                   {"name": "b", "address": "192.0.2.11", "priority": 2}]}
    ]
  })");
}

class ApplyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::open(dir_.file("gslb.db"));
    ASSERT_TRUE(s.ok()) << s.error();
    store_ = std::move(*s);
  }

  ApplyReport apply_ok(const json& doc, bool dry_run = false) {
    auto r = apply_document(*store_, doc.dump(), dry_run);
    EXPECT_TRUE(r.ok()) << r.error();
    return r.ok() ? *r : ApplyReport{};
  }
  ConfigRows config() {
    auto c = store_->load_config();
    EXPECT_TRUE(c.ok()) << c.error();
    return c.ok() ? *c : ConfigRows{};
  }
  const MemberRow* member(const ConfigRows& c, const std::string& name) {
    for (const MemberRow& m : c.members)
      if (m.name == name) return &m;
    return nullptr;
  }
  int64_t count(const char* table) {
    sqlite3_stmt* st = nullptr;
    std::string sql = std::string("SELECT count(*) FROM ") + table;
    sqlite3_prepare_v2(store_->handle(), sql.c_str(), -1, &st, nullptr);
    sqlite3_step(st);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

TEST_F(ApplyTest, AValidDocumentCreatesEverything) {
  ApplyReport r = apply_ok(base_doc());
  const std::string all = joined(r.changes);
  EXPECT_NE(all.find("+ zone gslb.test\n"), std::string::npos) << all;
  EXPECT_NE(all.find("+ record gslb.test: gslb.test. 300 NS ns1.gslb.test.\n"), std::string::npos)
      << all;
  EXPECT_NE(all.find("+ check web\n"), std::string::npos);
  EXPECT_NE(all.find("+ service app.gslb.test\n"), std::string::npos);
  EXPECT_NE(all.find("+ member app.gslb.test/tokyo\n"), std::string::npos);
  EXPECT_EQ(r.changes.size(), 1u + 2u + 1u + 2u + 5u);  // zone+records, check, services, members

  ConfigRows c = config();
  ASSERT_EQ(c.zones.size(), 1u);
  EXPECT_EQ(c.zones[0].name, "gslb.test.");
  EXPECT_EQ(c.zones[0].soa_mname, "ns1.gslb.test.");
  EXPECT_EQ(c.zones[0].soa_refresh, 3600u);  // default
  ASSERT_EQ(c.records.size(), 2u);
  ASSERT_EQ(c.checks.size(), 1u);
  EXPECT_EQ(c.checks[0].expect_status, "200");
  EXPECT_EQ(c.checks[0].timeout_ms, 150u);
  ASSERT_EQ(c.services.size(), 2u);
  EXPECT_EQ(c.services[0].name, "app.gslb.test.");
  EXPECT_EQ(c.services[0].zone_id, c.zones[0].id);
  EXPECT_EQ(c.services[0].check_id, std::optional<int64_t>(c.checks[0].id));
  EXPECT_EQ(c.services[1].policy, "priority");
  EXPECT_FALSE(c.services[1].check_id.has_value());
  ASSERT_EQ(c.members.size(), 5u);
  EXPECT_EQ(member(c, "paris")->weight, 1u);  // default
  EXPECT_EQ(member(c, "b")->priority, 2u);
}

TEST_F(ApplyTest, ASecondIdenticalApplyChangesNothing) {
  apply_ok(base_doc());
  const int64_t gen = *store_->config_generation();
  const ConfigRows before = config();
  ApplyReport again = apply_ok(base_doc());
  EXPECT_TRUE(again.changes.empty()) << joined(again.changes);
  EXPECT_EQ(*store_->config_generation(), gen);
  EXPECT_EQ(config().members[0].id, before.members[0].id);
}

TEST_F(ApplyTest, TheFullExampleDocumentAppliesTwiceFromAFile) {
  auto r = apply_document_file(*store_, kData + "/full.json", false);
  ASSERT_TRUE(r.ok()) << r.error();
  ConfigRows c = config();
  ASSERT_EQ(c.zones.size(), 2u);
  // A relative zone file is resolved against the document's directory and stored absolute.
  EXPECT_EQ(c.zones[0].file, std::filesystem::path(kData + "/static.test.zone").lexically_normal());
  EXPECT_EQ(c.services[0].persistence, true);
  EXPECT_EQ(c.services[0].quorum, std::optional<uint32_t>(2));
  EXPECT_EQ(c.services[0].ttl_degraded, std::optional<uint32_t>(10));
  EXPECT_EQ(member(c, "v6")->address, "2001:db8::1");  // stored in canonical form
  EXPECT_EQ(member(c, "sorry")->sorry, true);
  EXPECT_EQ(c.checks[1].timeout_ms, 500u);
  const int64_t gen = *store_->config_generation();
  auto again = apply_document_file(*store_, kData + "/full.json", false);
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_TRUE(again->changes.empty()) << joined(again->changes);
  EXPECT_EQ(*store_->config_generation(), gen);
}

TEST_F(ApplyTest, ChangingOneWeightReportsExactlyOneChange) {
  apply_ok(base_doc());
  const ConfigRows before = config();
  json doc = base_doc();
  doc["services"][0]["members"][0]["weight"] = 2;
  ApplyReport r = apply_ok(doc);
  ASSERT_EQ(r.changes.size(), 1u) << joined(r.changes);
  EXPECT_EQ(r.changes[0], "~ member app.gslb.test/tokyo: weight 1 -> 2");
  ConfigRows after = config();
  EXPECT_EQ(member(after, "tokyo")->weight, 2u);
  EXPECT_EQ(member(after, "tokyo")->id, member(before, "tokyo")->id);  // updated in place
}

TEST_F(ApplyTest, ServiceFieldChangesAreOneLineEach) {
  apply_ok(base_doc());
  json doc = base_doc();
  doc["services"][0]["ttl"] = 20;
  doc["services"][0]["check"] = nullptr;
  doc["services"][0]["persistence"] = true;
  ApplyReport r = apply_ok(doc);
  EXPECT_EQ(joined(r.changes),
            "~ service app.gslb.test: ttl 30 -> 20\n"
            "~ service app.gslb.test: persistence false -> true\n"
            "~ service app.gslb.test: check web -> (none)\n");
}

TEST_F(ApplyTest, RemovingAMemberDeletesItAndItsObservations) {
  apply_ok(base_doc());
  ConfigRows c = config();
  const int64_t paris = member(c, "paris")->id, tokyo = member(c, "tokyo")->id;
  ObservationRow o;
  o.agent_id = "a1";
  o.member_id = paris;
  ASSERT_TRUE(store_->write_observations({o}).ok());
  o.member_id = tokyo;
  ASSERT_TRUE(store_->write_observations({o}).ok());
  json doc = base_doc();
  doc["services"][0]["members"].erase(1);
  ApplyReport r = apply_ok(doc);
  ASSERT_EQ(r.changes.size(), 1u) << joined(r.changes);
  EXPECT_EQ(r.changes[0], "- member app.gslb.test/paris");
  EXPECT_EQ(member(config(), "paris"), nullptr);
  auto h = store_->load_health();
  ASSERT_EQ(h->observations.size(), 1u);  // paris's went with it; tokyo's survived
  EXPECT_EQ(h->observations[0].member_id, tokyo);
}

TEST_F(ApplyTest, DryRunReportsChangesButWritesNothing) {
  apply_ok(base_doc());
  const int64_t gen = *store_->config_generation();
  json doc = base_doc();
  doc["services"][0]["members"][0]["weight"] = 5;
  doc["checks"][0]["rise"] = 4;
  ApplyReport r = apply_ok(doc, /*dry_run=*/true);
  EXPECT_EQ(joined(r.changes),
            "~ check web: rise 2 -> 4\n~ member app.gslb.test/tokyo: weight 1 -> 5\n");
  EXPECT_EQ(*store_->config_generation(), gen);
  EXPECT_EQ(member(config(), "tokyo")->weight, 1u);
  EXPECT_FALSE(store_->in_transaction());
}

TEST_F(ApplyTest, DryRunOnAnEmptyDatabaseWritesNothing) {
  ApplyReport r = apply_ok(base_doc(), true);
  EXPECT_FALSE(r.changes.empty());
  EXPECT_TRUE(config().zones.empty());
  EXPECT_EQ(*store_->config_generation(), 0);
}

TEST_F(ApplyTest, DrainedStateSurvivesAnUpdate) {
  apply_ok(base_doc());
  const int64_t tokyo = member(config(), "tokyo")->id;
  ASSERT_TRUE(store_->set_member_drained(tokyo, 777).ok());
  json doc = base_doc();
  doc["services"][0]["members"][0]["weight"] = 9;
  apply_ok(doc);
  EXPECT_EQ(member(config(), "tokyo")->drained_at_ms, std::optional<int64_t>(777));
  EXPECT_TRUE(apply_ok(doc).changes.empty());  // drain is not configuration
}

TEST_F(ApplyTest, MembersCanTradeAddresses) {
  apply_ok(base_doc());
  json doc = base_doc();
  doc["services"][0]["members"][0]["address"] = "192.0.2.2";
  doc["services"][0]["members"][1]["address"] = "192.0.2.1";
  ApplyReport r = apply_ok(doc);
  EXPECT_EQ(r.changes.size(), 2u) << joined(r.changes);
  ConfigRows c = config();
  EXPECT_EQ(member(c, "tokyo")->address, "192.0.2.2");
  EXPECT_EQ(member(c, "paris")->address, "192.0.2.1");

  // A three-way rotation, with the v6 member joining in.
  doc["services"][0]["members"][0]["address"] = "2001:db8::1";
  doc["services"][0]["members"][1]["address"] = "192.0.2.2";
  doc["services"][0]["members"][2]["address"] = "192.0.2.1";
  EXPECT_EQ(apply_ok(doc).changes.size(), 3u);
  c = config();
  EXPECT_EQ(member(c, "tokyo")->address, "2001:db8::1");
  EXPECT_EQ(member(c, "paris")->address, "192.0.2.2");
  EXPECT_EQ(member(c, "v6")->address, "192.0.2.1");
}

TEST_F(ApplyTest, ANewMemberMayTakeTheAddressOfARemovedOne) {
  apply_ok(base_doc());
  json doc = base_doc();
  doc["services"][0]["members"][1] = {{"name", "lyon"}, {"address", "192.0.2.2"}};
  ApplyReport r = apply_ok(doc);
  EXPECT_EQ(joined(r.changes), "- member app.gslb.test/paris\n+ member app.gslb.test/lyon\n");
}

// base_doc() with www.gslb.test renamed x.sub.gslb.test, and optionally the zone sub.gslb.test.
json nested_doc(bool with_parent, bool with_sub) {
  json doc = base_doc();
  json sub = doc["zones"][0];
  sub["name"] = "sub.gslb.test";
  doc["services"][1]["name"] = "x.sub.gslb.test";
  doc["zones"] = json::array();
  if (with_parent) doc["zones"].push_back(base_doc()["zones"][0]);
  if (with_sub) doc["zones"].push_back(sub);
  if (!with_parent) doc["services"].erase(0);
  return doc;
}

TEST_F(ApplyTest, AServiceMovesToTheClosestZone) {
  apply_ok(nested_doc(true, false));
  const int64_t id = config().services[1].id;
  ApplyReport r = apply_ok(nested_doc(true, true));
  EXPECT_EQ(joined(r.changes),
            "+ zone sub.gslb.test\n"
            "+ record sub.gslb.test: sub.gslb.test. 300 NS ns1.gslb.test.\n"
            "+ record sub.gslb.test: ns1.sub.gslb.test. 300 A 192.0.2.53\n"
            "~ service x.sub.gslb.test: zone gslb.test -> sub.gslb.test\n");
  EXPECT_EQ(config().services[1].id, id);
}

TEST_F(ApplyTest, AServiceSurvivesTheRemovalOfItsZoneWhenAnotherTakesIt) {
  apply_ok(nested_doc(true, false));
  const ConfigRows before = config();
  // One apply: the parent zone goes (which would cascade to its services) while the new sub
  // zone takes x.sub.gslb.test; the service must move before the zone is deleted.
  ApplyReport r = apply_ok(nested_doc(false, true));
  ConfigRows after = config();
  ASSERT_EQ(after.zones.size(), 1u);
  EXPECT_EQ(after.zones[0].name, "sub.gslb.test.");
  ASSERT_EQ(after.services.size(), 1u);
  EXPECT_EQ(after.services[0].id, before.services[1].id);
  EXPECT_EQ(after.members.size(), 2u);
  EXPECT_EQ(member(after, "a")->id, member(before, "a")->id);
  EXPECT_NE(joined(r.changes).find("- zone gslb.test\n"), std::string::npos);
  EXPECT_NE(joined(r.changes).find("- service app.gslb.test\n"), std::string::npos);
}

TEST_F(ApplyTest, AnEmptyDocumentDeletesEverything) {
  apply_ok(base_doc());
  ApplyReport r = apply_ok(json::object());
  EXPECT_EQ(joined(r.changes),
            "- zone gslb.test\n- check web\n- service app.gslb.test\n- service www.gslb.test\n");
  ConfigRows c = config();
  EXPECT_TRUE(c.zones.empty());
  EXPECT_TRUE(c.records.empty());
  EXPECT_TRUE(c.checks.empty());
  EXPECT_TRUE(c.services.empty());
  EXPECT_EQ(count("members"), 0);
}

TEST_F(ApplyTest, RecordsAreSyncedAsASet) {
  apply_ok(base_doc());
  json doc = base_doc();
  doc["zones"][0]["records"] =
      json::array({{{"name", "ns1"}, {"type", "a"}, {"data", "192.0.2.54"}},
                   {{"name", "txt"}, {"type", "TXT"}, {"data", "\"hi there\""}}});
  ApplyReport r = apply_ok(doc);
  EXPECT_EQ(joined(r.changes),
            "- record gslb.test: ns1.gslb.test. 300 A 192.0.2.53\n"
            "+ record gslb.test: ns1.gslb.test. 300 A 192.0.2.54\n"
            "+ record gslb.test: txt.gslb.test. 300 TXT \"hi there\"\n");
  EXPECT_TRUE(apply_ok(doc).changes.empty());
}

TEST_F(ApplyTest, UnknownTypesAreAcceptedInRfc3597Form) {
  json doc = base_doc();
  doc["zones"][0]["records"].push_back(
      {{"name", "opaque"}, {"type", "TYPE65280"}, {"data", "\\# 4 0A000001"}});
  apply_ok(doc);
  EXPECT_EQ(config().records.back().type, "TYPE65280");
}

// ---- invalid documents ----

struct Invalid {
  const char* claim;
  std::function<void(json&)> edit;  // applied to base_doc()
  const char* message;              // a line the error must contain
};

class ConfigDocumentRejects : public ApplyTest {};

TEST_F(ConfigDocumentRejects, EachInvalidDocumentWithItsPathAndLeavesTheDatabaseAlone) {
  apply_ok(base_doc());
  const int64_t gen = *store_->config_generation();
  const std::string before = json(joined(apply_ok(base_doc(), true).changes)).dump();
  auto snapshot = [&] {
    ConfigRows c = config();
    std::string s;
    for (const auto& m : c.members)
      s += m.name + m.address + std::to_string(m.weight) + std::to_string(m.id) + ";";
    for (const auto& v : c.services) s += v.name + std::to_string(v.ttl) + v.policy + ";";
    for (const auto& z : c.zones) s += z.name + ";";
    for (const auto& k : c.checks) s += k.name + std::to_string(k.timeout_ms) + ";";
    s += std::to_string(c.records.size());
    return s;
  };
  const std::string rows_before = snapshot();

  const std::vector<Invalid> cases = {
      {"unknown key", [](json& d) { d["services"][0]["membres"] = json::array(); },
       "services[0].membres: unknown key"},
      {"unknown top-level key", [](json& d) { d["service"] = json::array(); },
       "service: unknown key"},
      {"unknown policy", [](json& d) { d["services"][0]["policy"] = "fastest"; },
       "services[0].policy: unknown policy \"fastest\" (weighted, round-robin, priority, rtt, "
       "least-load, closest)"},
      {"timeout not below interval", [](json& d) { d["checks"][0]["timeout_ms"] = 200; },
       "checks[0].timeout_ms: must be less than interval_ms (200)"},
      {"string for an integer", [](json& d) { d["services"][0]["ttl"] = "30"; },
       "services[0].ttl: expected an integer"},
      {"float for an integer", [](json& d) { d["services"][0]["answers"] = 1.5; },
       "services[0].answers: expected an integer"},
      {"ttl over a day", [](json& d) { d["services"][1]["ttl"] = 86401; },
       "services[1].ttl: must be 0 to 86400 (got 86401)"},
      {"not an IP address", [](json& d) { d["services"][1]["members"][0]["address"] = "192.0.2"; },
       "services[1].members[0].address: not an IP address"},
      {"weight over 65535", [](json& d) { d["services"][0]["members"][2]["weight"] = 65536; },
       "services[0].members[2].weight: must be 0 to 65535 (got 65536)"},
      {"negative weight", [](json& d) { d["services"][0]["members"][0]["weight"] = -1; },
       "services[0].members[0].weight: must be 0 to 65535 (got -1)"},
      {"answers over 16", [](json& d) { d["services"][0]["answers"] = 17; },
       "services[0].answers: must be 1 to 16 (got 17)"},
      {"answers zero", [](json& d) { d["services"][0]["answers"] = 0; },
       "services[0].answers: must be 1 to 16 (got 0)"},
      {"priority over 255", [](json& d) { d["services"][1]["members"][1]["priority"] = 256; },
       "services[1].members[1].priority: must be 0 to 255 (got 256)"},
      {"duplicate member name", [](json& d) { d["services"][0]["members"][2]["name"] = "tokyo"; },
       "services[0].members[2].name: duplicate member \"tokyo\" (also services[0].members[0])"},
      {"duplicate member address, differently written",
       [](json& d) { d["services"][0]["members"][1]["address"] = "2001:DB8:0::1"; },
       "services[0].members[2].address: duplicate address 2001:db8::1 (also "
       "services[0].members[1])"},
      {"service outside every zone", [](json& d) { d["services"][1]["name"] = "app.other.test"; },
       "services[1].name: app.other.test is not inside any zone of this document"},
      {"service refers to an unknown check", [](json& d) { d["services"][0]["check"] = "webb"; },
       "services[0].check: unknown check \"webb\""},
      {"member refers to an unknown check",
       [](json& d) { d["services"][1]["members"][0]["check"] = "tcp"; },
       "services[1].members[0].check: unknown check \"tcp\""},
      {"label over 63 octets",
       [](json& d) { d["services"][0]["name"] = std::string(64, 'a') + ".gslb.test"; },
       "services[0].name: label longer than 63 octets"},
      {"name over 255 octets",
       [](json& d) {
         std::string n;
         for (int i = 0; i < 26; ++i) n += "abcdefghi.";
         d["services"][0]["name"] = n + "gslb.test";
       },
       "services[0].name: name longer than 255 octets"},
      {"duplicate service", [](json& d) { d["services"][1]["name"] = "APP.gslb.test."; },
       "services[1].name: duplicate service app.gslb.test (also services[0])"},
      {"duplicate zone", [](json& d) { d["zones"].push_back(d["zones"][0]); },
       "zones[1].name: duplicate zone gslb.test (also zones[0])"},
      {"duplicate check", [](json& d) { d["checks"].push_back(d["checks"][0]); },
       "checks[1].name: duplicate check \"web\" (also checks[0])"},
      {"unknown check type", [](json& d) { d["checks"][0]["type"] = "smtp"; },
       "checks[0].type: unknown check type \"smtp\" (icmp, tcp, http, https, dns)"},
      {"tcp check without a port",
       [](json& d) {
         d["checks"].push_back({{"name", "t"}, {"type", "tcp"}});
       },
       "checks[1].port: a tcp check needs a port (1 to 65535)"},
      {"options not an object", [](json& d) { d["checks"][0]["options"] = "x"; },
       "checks[0].options: expected an object"},
      {"status out of range",
       [](json& d) {
         d["checks"][0]["expect_status"] = {200, 700};
       },
       "checks[0].expect_status[1]: must be 100 to 599 (got 700)"},
      {"missing member address", [](json& d) { d["services"][0]["members"][0].erase("address"); },
       "services[0].members[0].address: required"},
      {"bad member name", [](json& d) { d["services"][0]["members"][0]["name"] = "a b"; },
       "services[0].members[0].name: \"a b\" is not 1 to 63 letters"},
      {"enabled not a boolean", [](json& d) { d["services"][0]["members"][0]["enabled"] = "yes"; },
       "services[0].members[0].enabled: expected true or false"},
      {"fallback sorry without a sorry member",
       [](json& d) { d["services"][0]["fallback"] = "sorry"; },
       "services[0].fallback: \"sorry\" needs a member with \"sorry\": true"},
      {"persistence prefix too long",
       [](json& d) {
         d["services"][0]["persistence"] = {{"v4", 33}};
       },
       "services[0].persistence.v4: must be 0 to 32 (got 33)"},
      {"members not an array", [](json& d) { d["services"][0]["members"] = json::object(); },
       "services[0].members: expected an array"},
      {"unknown record type", [](json& d) { d["zones"][0]["records"][0]["type"] = "FOO"; },
       "zones[0].records[0].type: unknown type \"FOO\""},
      {"record data that does not parse",
       [](json& d) { d["zones"][0]["records"][0]["data"] = "not-an-address"; },
       "zones[0].records[0].data: "},
      {"record outside its zone",
       [](json& d) { d["zones"][0]["records"][0]["name"] = "ns1.other.test."; },
       "zones[0].records[0].name: ns1.other.test is not inside zone gslb.test"},
      {"SOA in records", [](json& d) { d["zones"][0]["records"][0]["type"] = "SOA"; },
       "zones[0].records[0].type: the SOA comes from the zone's \"soa\""},
      {"CNAME next to other data",
       [](json& d) {
         d["zones"][0]["records"].push_back({{"name", "ns1"}, {"type", "CNAME"}, {"data", "x"}});
       },
       "zones[0].records"},
      {"empty NS list", [](json& d) { d["zones"][0]["ns"] = json::array(); },
       "zones[0].ns: must name at least one name server"},
      {"SOA without rname", [](json& d) { d["zones"][0]["soa"].erase("rname"); },
       "zones[0].soa.rname: required"},
      {"zone with file and soa", [](json& d) { d["zones"][0]["file"] = "x.zone"; },
       "zones[0]: has both \"file\" and \"soa\""},
      {"missing zone file",
       [](json& d) {
         d["zones"].push_back({{"name", "f.test"}, {"file", "/nonexistent/f.zone"}});
       },
       "zones[1].file: /nonexistent/f.zone: cannot open zone file"},
      {"zone file of another zone",
       [](json& d) {
         d["zones"].push_back({{"name", "f.test"}, {"file", kData + "/static.test.zone"}});
       },
       "holds zone static.test, not f.test"},
      {"zones not an array", [](json& d) { d["zones"] = json::object(); },
       "zones: expected an array"},
      {"quorum zero", [](json& d) { d["services"][0]["quorum"] = 0; },
       "services[0].quorum: must be 1 to 1000 (got 0)"},
  };
  ASSERT_GE(cases.size(), 20u);
  for (const Invalid& c : cases) {
    json doc = base_doc();
    c.edit(doc);
    for (bool dry_run : {false, true}) {
      auto r = apply_document(*store_, doc.dump(), dry_run);
      ASSERT_FALSE(r.ok()) << c.claim;
      EXPECT_NE(r.error().find(c.message), std::string::npos)
          << c.claim << "\n  want: " << c.message << "\n  got:  " << r.error();
    }
  }
  EXPECT_EQ(*store_->config_generation(), gen);
  EXPECT_EQ(snapshot(), rows_before);
  EXPECT_EQ(json(joined(apply_ok(base_doc(), true).changes)).dump(), before);
  EXPECT_FALSE(store_->in_transaction());
}

TEST_F(ConfigDocumentRejects, InvalidJsonWithLineAndColumn) {
  auto r = apply_document(*store_, "{\n  \"zones\": [\n    }\n", false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rfind("line 3, column 5: ", 0), 0u) << r.error();
  r = apply_document(*store_, "", false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rfind("line 1, column 1: ", 0), 0u) << r.error();
  r = apply_document(*store_, "[]", false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "document: expected a JSON object");
}

TEST_F(ConfigDocumentRejects, ADuplicateKeyWithItsPath) {
  auto r = apply_document(
      *store_, R"({"services": [{"name": "a.gslb.test", "ttl": 1, "ttl": 2}], "zones": []})",
      false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "services[0].ttl: duplicate key");
}

TEST_F(ConfigDocumentRejects, AllErrorsAtOnceOnePerLine) {
  json doc = base_doc();
  doc["services"][0]["policy"] = "fastest";
  doc["services"][0]["members"][1]["address"] = "nope";
  doc["checks"][0]["rise"] = 0;
  auto r = apply_document(*store_, doc.dump(), false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(),
            "checks[0].rise: must be 1 to 1000 (got 0)\n"
            "services[0].policy: unknown policy \"fastest\" (weighted, round-robin, priority, "
            "rtt, least-load, closest)\n"
            "services[0].members[1].address: not an IP address");
}

// The same rejection as values: kind invalid, one problem per field, for callers that decide
// (the API) without reading the lines.
TEST_F(ConfigDocumentRejects, EveryProblemIsAnInvalidErrorWithItsField) {
  json doc = base_doc();
  doc["services"][0]["policy"] = "fastest";
  doc["services"][0]["members"][1]["address"] = "nope";
  doc["checks"][0]["rise"] = 0;
  auto r = apply_document(*store_, doc.dump(), false);
  ASSERT_FALSE(r.ok());
  const Error& e = r.failure();
  EXPECT_EQ(e.kind, ErrorKind::invalid);
  EXPECT_EQ(e.field, "");
  std::vector<std::pair<std::string, std::string>> problems;
  for (const Error& p : e.problems) {
    EXPECT_EQ(p.kind, ErrorKind::invalid);
    problems.emplace_back(p.field, p.message);
  }
  EXPECT_EQ(problems, (std::vector<std::pair<std::string, std::string>>{
                          {"checks[0].rise", "must be 1 to 1000 (got 0)"},
                          {"services[0].policy",
                           "unknown policy \"fastest\" (weighted, round-robin, priority, rtt, "
                           "least-load, closest)"},
                          {"services[0].members[1].address", "not an IP address"}}));
}

TEST_F(ConfigDocumentRejects, ADuplicateKeyIsAProblemOfItsField) {
  auto r = apply_document(
      *store_, R"({"services": [{"name": "a.gslb.test", "ttl": 1, "ttl": 2}], "zones": []})",
      false);
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.failure().problems.size(), 1u);
  EXPECT_EQ(r.failure().problems[0].field, "services[0].ttl");
  EXPECT_EQ(r.failure().problems[0].message, "duplicate key");
}

// A whole-zone check (the snapshot builder's) names the record it is about.
TEST_F(ConfigDocumentRejects, AWholeZoneProblemNamesItsRecord) {
  json doc = base_doc();
  doc["zones"][0]["records"].push_back({{"name", "www"}, {"type", "CNAME"}, {"data", "ns1"}});
  doc["zones"][0]["records"].push_back({{"name", "www"}, {"type", "A"}, {"data", "192.0.2.9"}});
  auto r = apply_document(*store_, doc.dump(), false);
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.failure().problems.size(), 1u) << r.error();
  EXPECT_EQ(r.failure().problems[0].field, "zones[0].records[1]") << r.error();
  EXPECT_EQ(r.failure().problems[0].message,
            "www.gslb.test. has a CNAME and other data (RFC 1034 s3.6.2)");
}

// The store's kind comes through the document's apply unchanged: a locked database is busy,
// not an invalid document.
TEST_F(ConfigDocumentRejects, ALockedDatabaseIsBusy) {
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.file("gslb.db").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_busy_timeout(store_->handle(), 20);  // not the store's 5 s
  auto r = apply_document(*store_, base_doc().dump(), false);
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure().kind, ErrorKind::busy) << r.error();
  EXPECT_TRUE(r.failure().problems.empty());
}

TEST_F(ConfigDocumentRejects, AnUnreadableFileIsIo) {
  auto r = apply_document_file(*store_, dir_.file("missing.json"), false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure().kind, ErrorKind::io) << r.error();
}

TEST_F(ConfigDocumentRejects, AFileWithEveryProblemNamed) {
  auto r = apply_document_file(*store_, kData + "/bad.json", false);
  ASSERT_FALSE(r.ok());
  const std::string& e = r.error();
  EXPECT_NE(e.find("zones[0].file: " + kData + "/missing.zone: cannot open zone file"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("services[0].name: app.other.test is not inside any zone"), std::string::npos);
  EXPECT_NE(e.find("services[0].policy: unknown policy \"fastest\""), std::string::npos);
  EXPECT_NE(e.find("services[0].members[0].address: not an IP address"), std::string::npos);
  EXPECT_TRUE(config().zones.empty());
}

TEST_F(ConfigDocumentRejects, ASyntaxErrorInAFileNamesTheFileLineAndColumn) {
  const std::string path = kData + "/syntax_error.json";
  auto r = apply_document_file(*store_, path, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rfind(path + ": line 3, column 26: ", 0), 0u) << r.error();
}

TEST_F(ConfigDocumentRejects, AMissingFileNamesIt) {
  auto r = apply_document_file(*store_, "/nonexistent/doc.json", false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rfind("/nonexistent/doc.json: cannot read", 0), 0u) << r.error();
}

// DNS would send clients to an address that is no site at all.
TEST_F(ConfigDocumentRejects, AMemberAddressThatIsNoSite) {
  apply_ok(base_doc());
  const int64_t gen = *store_->config_generation();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"0.0.0.0", "0.0.0.0 is the unspecified address, not a site"},
      {"::", ":: is the unspecified address, not a site"},
      {"::ffff:0.0.0.0", "::ffff:0.0.0.0 is the unspecified address, not a site"},
      {"224.0.0.1", "224.0.0.1 is a multicast address (224.0.0.0/4), not a site"},
      {"239.255.255.255", "239.255.255.255 is a multicast address (224.0.0.0/4), not a site"},
      {"ff02::1", "ff02::1 is a multicast address (ff00::/8), not a site"},
      {"255.255.255.255", "255.255.255.255 is the broadcast address, not a site"},
  };
  for (const auto& [address, message] : cases) {
    json doc = base_doc();
    doc["services"][0]["members"][0]["address"] = address;
    auto r = apply_document(*store_, doc.dump(), false);
    ASSERT_FALSE(r.ok()) << address;
    EXPECT_EQ(r.error(), "services[0].members[0].address: " + message);
  }
  EXPECT_EQ(*store_->config_generation(), gen);
  // Loopback and the edges of the refused ranges are sites.
  json doc = base_doc();
  doc["services"][0]["members"][0]["address"] = "127.0.0.1";
  doc["services"][0]["members"][1]["address"] = "223.255.255.255";
  doc["services"][0]["members"][2]["address"] = "::1";
  doc["services"][1]["members"][0]["address"] = "240.0.0.1";
  doc["services"][1]["members"][1]["address"] = "fe80::1";
  apply_ok(doc);
}

// A number no double holds is an error naming its field, not an exception out of the parser.
TEST_F(ConfigDocumentRejects, ANumberOutOfRangeWithItsPath) {
  auto r = apply_document(
      *store_, R"({"services": [{"name": "a.gslb.test", "ttl": 1e400}], "zones": []})", false);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("services[0].ttl: "), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("out of range"), std::string::npos) << r.error();
}

}  // namespace
}  // namespace gslb
