// Topology in the config document: the validator's errors (each names the JSON path of what is
// wrong), the rows a good document becomes (TopologyRows, MemberRow::pool and location,
// GeoipFileRow), their JSON form in the store (zones/store/topology_json.h), a Store written and
// read back, and a member validated alone against its service's pools.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/unit/testing/store_testing.h"
#include "zones/config/config_desired.h"
#include "zones/store/store.h"
#include "zones/store/topology_json.h"

namespace gslb::config {
namespace {

using nlohmann::json;

// One zone, the geoip files and a region, and a service of three pools with one rule of each
// kind. Pools: asia (closest) -> europe (round-robin) -> us (weighted).
json good_doc() {
  return json::parse(R"({
    "zones": [
      {"name": "gslb.test", "ttl": 300,
       "soa": {"mname": "ns1.gslb.test.", "rname": "hostmaster.gslb.test.", "serial": 1},
       "ns": ["ns1.gslb.test."],
       "records": [{"name": "ns1", "type": "A", "data": "192.0.2.53"}]}
    ],
    "geoip": {"city": "/var/lib/gslbd/city.mmdb", "asn": "/var/lib/gslbd/asn.mmdb"},
    "regions": {"lab": ["172.16.0.0/12"]},
    "services": [
      {"name": "app.gslb.test", "ttl": 30,
       "pools": [
         {"name": "asia", "policy": "closest", "distance_tolerance_km": 50, "fallback": ["europe"],
          "members": [{"name": "tokyo", "address": "192.0.2.1",
                       "location": {"latitude": 35.68, "longitude": 139.69}}]},
         {"name": "europe", "policy": "round-robin", "fallback": ["us"],
          "members": [{"name": "paris", "address": "192.0.2.2"}]},
         {"name": "us",
          "members": [{"name": "nyc", "address": "192.0.2.3", "weight": 2},
                      {"name": "v6", "address": "2001:db8::1"}]}
       ],
       "rules": [
         {"region": "lab", "pool": "us"},
         {"country": ["JP", "kr"], "pool": "asia"},
         {"continent": "EU", "pool": "europe", "split": {"pool": "us", "percent": 12.5}},
         {"subdivision": "US-CA", "pool": "us"},
         {"asn": [64500, 64501], "pool": "europe"},
         {"pool": "us"}
       ]}
    ]
  })");
}

const std::string kService = "services[0]";
std::string rule_path(size_t i) {
  return kService + ".rules[" + std::to_string(i) + "]";
}
std::string pool_path(size_t i) {
  return kService + ".pools[" + std::to_string(i) + "]";
}

// The problems of a rejected document as (field, message).
std::vector<std::pair<std::string, std::string>> problems_of(const json& doc) {
  auto r = parse_document(doc.dump(), "", "");
  EXPECT_FALSE(r.ok()) << "accepted";
  std::vector<std::pair<std::string, std::string>> out;
  if (r.ok()) return out;
  EXPECT_EQ(r.failure().kind, ErrorKind::invalid);
  for (const Error& p : r.failure().problems) out.emplace_back(p.field, p.message);
  return out;
}

// The one problem of a document, which must be at `field`; its message.
std::string only_problem_at(const json& doc, const std::string& field) {
  const auto problems = problems_of(doc);
  std::string all;
  for (const auto& [f, m] : problems) all += f + ": " + m + "\n";
  EXPECT_EQ(problems.size(), 1u) << all;
  if (problems.empty()) return {};
  EXPECT_EQ(problems[0].first, field) << all;
  return problems[0].second;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

json& pools(json& doc) {
  return doc["services"][0]["pools"];
}
json& rules(json& doc) {
  return doc["services"][0]["rules"];
}

TEST(TopologyConfig, TheGoodDocumentIsAccepted) {
  auto r = parse_document(good_doc().dump(), "", "");
  ASSERT_TRUE(r.ok()) << r.error();
}

// ---- references ----

TEST(TopologyConfig, AnUnknownPoolInARuleIsNamedAtItsPath) {
  json doc = good_doc();
  rules(doc)[1]["pool"] = "mars";
  EXPECT_TRUE(contains(only_problem_at(doc, rule_path(1) + ".pool"), "unknown pool \"mars\""));
}

TEST(TopologyConfig, AnUnknownSplitPoolIsNamedAtItsPath) {
  json doc = good_doc();
  rules(doc)[2]["split"]["pool"] = "mars";
  EXPECT_TRUE(
      contains(only_problem_at(doc, rule_path(2) + ".split.pool"), "unknown pool \"mars\""));
}

TEST(TopologyConfig, ASplitToTheRulesOwnPoolIsRefused) {
  json doc = good_doc();
  rules(doc)[2]["split"]["pool"] = rules(doc)[2]["pool"];
  only_problem_at(doc, rule_path(2) + ".split.pool");
}

TEST(TopologyConfig, AnUnknownFallbackIsNamedAtItsPath) {
  json doc = good_doc();
  pools(doc)[0]["fallback"] = json::array({"europe", "mars"});
  EXPECT_TRUE(
      contains(only_problem_at(doc, pool_path(0) + ".fallback[1]"), "unknown pool \"mars\""));
}

TEST(TopologyConfig, APoolFallingBackToItselfIsRefused) {
  json doc = good_doc();
  pools(doc)[2]["fallback"] = json::array({"us"});
  only_problem_at(doc, pool_path(2) + ".fallback[0]");
}

// ---- rules that can never match ----

TEST(TopologyConfig, ADefaultRuleBeforeOthersCoversThemAll) {
  json doc = good_doc();
  json& r = rules(doc);
  r.insert(r.begin(), json{{"pool", "asia"}});
  const auto problems = problems_of(doc);
  // Every rule after it, including the old default one.
  ASSERT_EQ(problems.size(), r.size() - 1);
  for (size_t i = 1; i < r.size(); ++i) {
    EXPECT_EQ(problems[i - 1].first, rule_path(i));
    EXPECT_TRUE(contains(problems[i - 1].second, "can never match: " + rule_path(0)))
        << problems[i - 1].second;
    EXPECT_TRUE(contains(problems[i - 1].second, "no condition")) << problems[i - 1].second;
  }
}

TEST(TopologyConfig, ACountrySubsetOfAnEarlierRuleIsCovered) {
  json doc = good_doc();
  json& r = rules(doc);
  // rules[1] has JP and KR: a later JP-only rule (with or without another condition) is dead.
  r.insert(r.begin() + 2, json{{"country", "jp"}, {"pool", "europe"}});
  r.insert(r.begin() + 3, json{{"country", "KR"}, {"asn", {64500}}, {"pool", "us"}});
  const auto problems = problems_of(doc);
  ASSERT_EQ(problems.size(), 2u);
  for (size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(problems[k].first, rule_path(2 + k));
    EXPECT_TRUE(contains(problems[k].second, "can never match: " + rule_path(1)))
        << problems[k].second;
  }
}

TEST(TopologyConfig, ANarrowerEarlierRuleCoversNothing) {
  json doc = good_doc();
  json& r = rules(doc);
  // JP with an AS first, then all of JP: the later one still matches the other JP networks. A
  // superset of countries after a subset is fine too.
  r.insert(r.begin() + 1, json{{"country", "JP"}, {"asn", {64500}}, {"pool", "europe"}});
  r[2]["country"] = json::array({"JP", "KR", "CN"});
  auto parsed = parse_document(doc.dump(), "", "");
  EXPECT_TRUE(parsed.ok()) << parsed.error();
}

// ---- fallback cycles ----

TEST(TopologyConfig, ATwoPoolCycleIsNamedAtEachPoolsFallback) {
  json doc = good_doc();
  pools(doc)[1]["fallback"] = json::array({"asia"});  // asia -> europe -> asia
  const auto problems = problems_of(doc);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].first, pool_path(0) + ".fallback");
  EXPECT_TRUE(contains(problems[0].second, "asia -> europe -> asia")) << problems[0].second;
  EXPECT_EQ(problems[1].first, pool_path(1) + ".fallback");
  EXPECT_TRUE(contains(problems[1].second, "europe -> asia -> europe")) << problems[1].second;
}

TEST(TopologyConfig, ALongerCycleIsNamedWhole) {
  json doc = good_doc();
  pools(doc)[2]["fallback"] = json::array({"asia"});  // asia -> europe -> us -> asia
  const auto problems = problems_of(doc);
  ASSERT_EQ(problems.size(), 3u);
  const char* const cycles[] = {"asia -> europe -> us -> asia", "europe -> us -> asia -> europe",
                                "us -> asia -> europe -> us"};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(problems[i].first, pool_path(i) + ".fallback");
    EXPECT_TRUE(contains(problems[i].second, cycles[i])) << problems[i].second;
  }
}

TEST(TopologyConfig, TwoChainsMeetingAreNoCycle) {
  json doc = good_doc();
  pools(doc)[0]["fallback"] = json::array({"europe", "us"});  // europe also falls back to us
  auto parsed = parse_document(doc.dump(), "", "");
  EXPECT_TRUE(parsed.ok()) << parsed.error();
}

// ---- the service and its pools ----

TEST(TopologyConfig, MembersAndPoolsTogetherAreRefused) {
  json doc = good_doc();
  doc["services"][0]["members"] = json::array({{{"name", "x"}, {"address", "192.0.2.9"}}});
  EXPECT_TRUE(contains(only_problem_at(doc, kService + ".members"), "pools"));
}

TEST(TopologyConfig, RulesWithoutPoolsAreRefused) {
  json doc = good_doc();
  json& s = doc["services"][0];
  s.erase("pools");
  s["members"] = json::array({{{"name", "x"}, {"address", "192.0.2.9"}}});
  only_problem_at(doc, kService + ".rules");
}

TEST(TopologyConfig, PolicyKeysAtServiceLevelBelongToThePools) {
  json doc = good_doc();
  doc["services"][0]["policy"] = "closest";
  only_problem_at(doc, kService + ".policy");
  doc = good_doc();
  doc["services"][0]["distance_tolerance_km"] = 10;
  only_problem_at(doc, kService + ".distance_tolerance_km");
}

TEST(TopologyConfig, AKeyOfAnotherPolicyInAPoolIsNamed) {
  json doc = good_doc();
  pools(doc)[1]["distance_tolerance_km"] = 10;  // europe is round-robin
  EXPECT_TRUE(contains(only_problem_at(doc, pool_path(1) + ".distance_tolerance_km"), "closest"));
}

TEST(TopologyConfig, APoolWithoutMembersIsRefused) {
  json doc = good_doc();
  pools(doc)[2]["members"] = json::array();
  only_problem_at(doc, pool_path(2) + ".members");
  pools(doc)[2].erase("members");
  only_problem_at(doc, pool_path(2) + ".members");
}

TEST(TopologyConfig, NoPoolsAtAllIsRefused) {
  json doc = good_doc();
  pools(doc) = json::array();
  doc["services"][0].erase("rules");
  only_problem_at(doc, kService + ".pools");
}

TEST(TopologyConfig, AServiceHasAtMost64Pools) {
  json doc = good_doc();
  json& p = pools(doc);
  for (int i = static_cast<int>(p.size()); i < 64; ++i)
    p.push_back(
        {{"name", "extra" + std::to_string(i)},
         {"members",
          {{{"name", "x" + std::to_string(i)}, {"address", "10.0." + std::to_string(i) + ".1"}}}}});
  auto r = parse_document(doc.dump(), "", "");
  EXPECT_TRUE(r.ok()) << r.error();
  p.push_back(
      {{"name", "one-too-many"}, {"members", {{{"name", "last"}, {"address", "10.1.0.1"}}}}});
  only_problem_at(doc, kService + ".pools");
}

TEST(TopologyConfig, DuplicatePoolNamesAreRefused) {
  json doc = good_doc();
  pools(doc)[1]["name"] = "asia";
  pools(doc)[0].erase("fallback");  // keep the fallbacks out of it
  rules(doc)[4]["pool"] = "asia";
  rules(doc)[2]["pool"] = "asia";
  const std::string m = only_problem_at(doc, pool_path(1) + ".name");
  EXPECT_TRUE(contains(m, "duplicate pool \"asia\" (also " + pool_path(0) + ")")) << m;
}

TEST(TopologyConfig, MembersAreUniqueAcrossPools) {
  json doc = good_doc();
  pools(doc)[1]["members"][0]["name"] = "tokyo";
  only_problem_at(doc, pool_path(1) + ".members[0].name");
}

// ---- codes ----

TEST(TopologyConfig, BadCodesAreNamedAtTheirPaths) {
  struct Case {
    size_t rule;
    const char* key;
    json value;
    std::string field;
  };
  const Case cases[] = {
      {1, "country", json::array({"JP", "JPN"}), rule_path(1) + ".country[1]"},
      {1, "country", "J1", rule_path(1) + ".country"},
      {2, "continent", "XX", rule_path(2) + ".continent"},
      {2, "continent", json::array({"EU", "Europe"}), rule_path(2) + ".continent[1]"},
      {3, "subdivision", "USCA", rule_path(3) + ".subdivision"},
      {3, "subdivision", json::array({"US-"}), rule_path(3) + ".subdivision[0]"},
      {4, "asn", json::array({0}), rule_path(4) + ".asn[0]"},
      {4, "asn", json::array(), rule_path(4) + ".asn"},
      {1, "country", json::array(), rule_path(1) + ".country"},
  };
  for (const Case& c : cases) {
    json doc = good_doc();
    rules(doc)[c.rule][c.key] = c.value;
    SCOPED_TRACE(c.field + " = " + c.value.dump());
    only_problem_at(doc, c.field);
  }
}

TEST(TopologyConfig, CodesAreStoredUppercase) {
  auto r = parse_document(good_doc().dump(), "", "");
  ASSERT_TRUE(r.ok()) << r.error();
  const json given = good_doc()["services"][0]["rules"][1]["country"];
  std::vector<std::string> want;
  for (const json& c : given) {
    std::string s = c.get<std::string>();
    for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    want.push_back(s);
  }
  EXPECT_EQ(r->services[0].row.topology.rules[1].country, want);
}

TEST(TopologyConfig, ASplitPercentIsAboveZeroAndBelowAHundred) {
  for (json percent : {json(0), json(100), json(-1), json(150), json("10")}) {
    json doc = good_doc();
    rules(doc)[2]["split"]["percent"] = percent;
    SCOPED_TRACE(percent.dump());
    only_problem_at(doc, rule_path(2) + ".split.percent");
  }
  json doc = good_doc();
  rules(doc)[2]["split"].erase("percent");
  only_problem_at(doc, rule_path(2) + ".split.percent");
  for (double ok : {0.01, 99.99}) {
    doc = good_doc();
    rules(doc)[2]["split"]["percent"] = ok;
    EXPECT_TRUE(parse_document(doc.dump(), "", "").ok()) << ok;
  }
}

// ---- what the rules read ----

TEST(TopologyConfig, GeoRulesWithoutAGeoipFileAreNamed) {
  json doc = good_doc();
  doc.erase("geoip");
  const auto problems = problems_of(doc);
  // The "closest" pool (pools[0]) needs the clients' locations too; it is named first, as the
  // pools come before the rules.
  const std::vector<std::string> fields{pool_path(0) + ".policy", rule_path(1) + ".country",
                                        rule_path(2) + ".continent", rule_path(3) + ".subdivision",
                                        rule_path(4) + ".asn"};
  ASSERT_EQ(problems.size(), fields.size());
  for (size_t i = 0; i < fields.size(); ++i) EXPECT_EQ(problems[i].first, fields[i]);
  EXPECT_TRUE(contains(problems[0].second, "closest")) << problems[0].second;
  EXPECT_TRUE(contains(problems[4].second, "asn")) << problems[4].second;

  // A place file serves the place rules, not the ASN one; and the other way round.
  doc["geoip"] = {{"country", "/x/country.mmdb"}};
  only_problem_at(doc, rule_path(4) + ".asn");
  doc["geoip"] = {{"asn", "/x/asn.mmdb"}};
  EXPECT_EQ(problems_of(doc).size(), 4u);  // the three place rules and the closest pool
}

TEST(TopologyConfig, ARegionRuleNamingAnUnknownRegionIsNamed) {
  json doc = good_doc();
  rules(doc)[0]["region"] = json::array({"lab", "moon"});
  EXPECT_TRUE(
      contains(only_problem_at(doc, rule_path(0) + ".region[1]"), "unknown region \"moon\""));
  doc = good_doc();
  doc.erase("regions");
  const std::string m = only_problem_at(doc, rule_path(0) + ".region");
  EXPECT_TRUE(contains(m, "no \"regions\"")) << m;
}

TEST(TopologyConfig, GeoipFilesAreCheckedAndResolved) {
  json doc = good_doc();
  doc["geoip"]["cities"] = "/x.mmdb";
  only_problem_at(doc, "geoip.cities");
  doc = good_doc();
  doc["geoip"]["asn"] = "";  // no file: the ASN rule has none to read either
  const auto problems = problems_of(doc);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].first, "geoip.asn");
  EXPECT_EQ(problems[1].first, rule_path(4) + ".asn");
  doc = good_doc();
  doc["geoip"]["asn"] = "geo/asn.mmdb";
  auto r = parse_document(doc.dump(), "/etc/gslbd", "");
  ASSERT_TRUE(r.ok()) << r.error();
  bool found = false;
  for (const GeoipFileRow& g : r->geoip_files)
    if (g.kind == "asn") found = g.path == "/etc/gslbd/geo/asn.mmdb";
  EXPECT_TRUE(found);
}

TEST(TopologyConfig, MemberLocationsAreDegreesInRange) {
  for (auto [key, value] : {std::pair{"latitude", 91.0}, std::pair{"longitude", -180.5}}) {
    json doc = good_doc();
    pools(doc)[0]["members"][0]["location"][key] = value;
    only_problem_at(doc, pool_path(0) + ".members[0].location." + key);
  }
  json doc = good_doc();
  pools(doc)[0]["members"][0]["location"].erase("longitude");
  only_problem_at(doc, pool_path(0) + ".members[0].location.longitude");
}

// ---- rows ----

// Field by field, so a failure says which.
void expect_same(const TopologyRows& a, const TopologyRows& b) {
  ASSERT_EQ(a.pools.size(), b.pools.size());
  for (size_t i = 0; i < a.pools.size(); ++i) {
    SCOPED_TRACE("pool " + a.pools[i].name);
    EXPECT_EQ(a.pools[i].name, b.pools[i].name);
    EXPECT_EQ(a.pools[i].policy, b.pools[i].policy);
    EXPECT_EQ(a.pools[i].policy_options, b.pools[i].policy_options);
    EXPECT_EQ(a.pools[i].fallback, b.pools[i].fallback);
  }
  ASSERT_EQ(a.rules.size(), b.rules.size());
  for (size_t i = 0; i < a.rules.size(); ++i) {
    SCOPED_TRACE("rule " + std::to_string(i));
    EXPECT_EQ(a.rules[i].country, b.rules[i].country);
    EXPECT_EQ(a.rules[i].continent, b.rules[i].continent);
    EXPECT_EQ(a.rules[i].subdivision, b.rules[i].subdivision);
    EXPECT_EQ(a.rules[i].asn, b.rules[i].asn);
    EXPECT_EQ(a.rules[i].region, b.rules[i].region);
    EXPECT_EQ(a.rules[i].pool, b.rules[i].pool);
    EXPECT_EQ(a.rules[i].split_pool, b.rules[i].split_pool);
    EXPECT_EQ(a.rules[i].split_percent, b.rules[i].split_percent);
  }
}

// A JSON value as the list of strings a rule stores: a string alone or an array of them.
std::vector<std::string> listed(const json& j, bool upper) {
  std::vector<std::string> out;
  auto add = [&](std::string s) {
    if (upper)
      for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    out.push_back(std::move(s));
  };
  if (j.is_string()) add(j.get<std::string>());
  if (j.is_array())
    for (const json& e : j) add(e.get<std::string>());
  return out;
}

TEST(TopologyConfig, AGoodDocumentBecomesTheRowsItSays) {
  const json doc = good_doc();
  auto r = parse_document(doc.dump(), "", "");
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_EQ(r->services.size(), 1u);
  const DesiredService& s = r->services[0];
  const json& jp = doc["services"][0]["pools"];
  const json& jr = doc["services"][0]["rules"];
  const TopologyRows& t = s.row.topology;

  ASSERT_EQ(t.pools.size(), jp.size());
  for (size_t i = 0; i < jp.size(); ++i) {
    EXPECT_EQ(t.pools[i].name, jp[i]["name"]);
    EXPECT_EQ(t.pools[i].policy, jp[i].value("policy", std::string("weighted")));
    EXPECT_EQ(t.pools[i].fallback, jp[i].value("fallback", std::vector<std::string>{}));
  }
  // The closest pool's key, as given.
  const KeyValues want_keys{
      {"distance_tolerance_km", jp[0]["distance_tolerance_km"].get<int64_t>()}};
  EXPECT_EQ(t.pools[0].policy_options, want_keys);

  ASSERT_EQ(t.rules.size(), jr.size());
  for (size_t i = 0; i < jr.size(); ++i) {
    SCOPED_TRACE("rule " + std::to_string(i));
    const RuleRow& row = t.rules[i];
    EXPECT_EQ(row.pool, jr[i]["pool"]);
    EXPECT_EQ(row.country, listed(jr[i].value("country", json()), true));
    EXPECT_EQ(row.continent, listed(jr[i].value("continent", json()), true));
    EXPECT_EQ(row.subdivision, listed(jr[i].value("subdivision", json()), true));
    EXPECT_EQ(row.region, listed(jr[i].value("region", json()), false));
    EXPECT_EQ(row.asn, jr[i].value("asn", std::vector<uint32_t>{}));
    if (jr[i].contains("split")) {
      EXPECT_EQ(row.split_pool, jr[i]["split"]["pool"]);
      EXPECT_EQ(row.split_percent, jr[i]["split"]["percent"].get<double>());
    } else {
      EXPECT_EQ(row.split_pool, "");
    }
  }

  // Each member names its pool; the located one has its degrees.
  size_t count = 0;
  for (const json& p : jp)
    for (const json& m : p["members"]) {
      ++count;
      auto it = std::find_if(s.members.begin(), s.members.end(),
                             [&](const DesiredMember& d) { return d.row.name == m["name"]; });
      ASSERT_NE(it, s.members.end()) << m["name"];
      EXPECT_EQ(it->row.pool, p["name"]);
      std::optional<double> lat, lon;
      if (m.contains("location")) {
        lat = m["location"]["latitude"].get<double>();
        lon = m["location"]["longitude"].get<double>();
      }
      EXPECT_EQ(it->row.latitude, lat);
      EXPECT_EQ(it->row.longitude, lon);
    }
  EXPECT_EQ(s.members.size(), count);

  // One geoip row per kind given.
  ASSERT_EQ(r->geoip_files.size(), doc["geoip"].size());
  for (const GeoipFileRow& g : r->geoip_files)
    EXPECT_EQ(g.path, doc["geoip"].value(g.kind, std::string())) << g.kind;
}

TEST(TopologyConfig, TopologyRowsRoundTripThroughTheirJson) {
  auto r = parse_document(good_doc().dump(), "", "");
  ASSERT_TRUE(r.ok()) << r.error();
  const TopologyRows& t = r->services[0].row.topology;
  const std::string text = topology_json(t);
  auto back = topology_from_json(text);
  ASSERT_TRUE(back.ok()) << back.error() << "\n" << text;
  expect_same(t, *back);
  EXPECT_EQ(topology_json(*back), text);
}

TEST(TopologyConfig, NoTopologyIsAnEmptyObject) {
  EXPECT_EQ(topology_json(TopologyRows{}), "{}");
  for (const char* empty : {"", "{}", "  "}) {
    auto t = topology_from_json(empty);
    ASSERT_TRUE(t.ok()) << t.error();
    EXPECT_TRUE(t->pools.empty());
    EXPECT_TRUE(t->rules.empty());
  }
}

TEST(TopologyConfig, MalformedTopologyJsonNamesThePart) {
  struct Case {
    const char* text;
    const char* part;
  };
  const Case cases[] = {
      {"[", "not valid JSON"},
      {"[]", "not a JSON object"},
      {R"({"pools": {}})", "pools"},
      {R"({"pools": [{"policy": "weighted"}]})", "pools[0]"},
      {R"({"pools": [{"name": "a", "fallback": [1]}]})", "pools[0].fallback"},
      {R"({"rules": [{"pool": "a", "country": "JP"}]})", "rules[0].country"},
      {R"({"rules": [{"pool": "a", "asn": [-1]}]})", "rules[0].asn"},
      {R"({"rules": [{"pool": "a", "asn": [4294967296]}]})", "rules[0].asn"},
      {R"({"rules": [{"pool": "a", "split": {"pool": "b"}}]})", "rules[0].split"},
  };
  for (const Case& c : cases) {
    auto t = topology_from_json(c.text);
    ASSERT_FALSE(t.ok()) << c.text;
    EXPECT_TRUE(contains(t.error(), c.part)) << c.text << ": " << t.error();
  }
}

TEST(TopologyConfig, AppliedToAStoreTheRowsReadBack) {
  testing::TempDir dir;
  auto store = testing::open_ok(dir.file("gslb.db"));
  ASSERT_NE(store, nullptr);
  auto desired = parse_document(good_doc().dump(), "", "");
  ASSERT_TRUE(desired.ok()) << desired.error();
  ASSERT_TRUE(store->begin_write().ok());
  auto changes = sync_store(*store, *desired);
  ASSERT_TRUE(changes.ok()) << changes.error();
  ASSERT_TRUE(store->commit().ok());

  auto config = store->load_config();
  ASSERT_TRUE(config.ok()) << config.error();
  ASSERT_EQ(config->services.size(), 1u);
  expect_same(config->services[0].topology, desired->services[0].row.topology);
  ASSERT_EQ(config->members.size(), desired->services[0].members.size());
  for (const DesiredMember& want : desired->services[0].members) {
    auto it = std::find_if(config->members.begin(), config->members.end(),
                           [&](const MemberRow& m) { return m.name == want.row.name; });
    ASSERT_NE(it, config->members.end()) << want.row.name;
    EXPECT_EQ(it->pool, want.row.pool);
    EXPECT_EQ(it->latitude, want.row.latitude);
    EXPECT_EQ(it->longitude, want.row.longitude);
  }
  ASSERT_EQ(config->geoip_files.size(), desired->geoip_files.size());
  for (const GeoipFileRow& want : desired->geoip_files) {
    auto it = std::find_if(config->geoip_files.begin(), config->geoip_files.end(),
                           [&](const GeoipFileRow& g) { return g.kind == want.kind; });
    ASSERT_NE(it, config->geoip_files.end()) << want.kind;
    EXPECT_EQ(it->path, want.path);
  }

  // The same document again changes nothing; a changed rule and a dropped geoip file do.
  ASSERT_TRUE(store->begin_write().ok());
  changes = sync_store(*store, *desired);
  ASSERT_TRUE(changes.ok()) << changes.error();
  EXPECT_TRUE(changes->empty()) << (*changes)[0];
  store->rollback();

  json doc = good_doc();
  rules(doc)[2]["split"]["percent"] = 20;
  doc["geoip"].erase("asn");
  rules(doc).erase(rules(doc).begin() + 4);  // the ASN rule goes with its file
  auto next = parse_document(doc.dump(), "", "");
  ASSERT_TRUE(next.ok()) << next.error();
  ASSERT_TRUE(store->begin_write().ok());
  changes = sync_store(*store, *next);
  ASSERT_TRUE(changes.ok()) << changes.error();
  EXPECT_FALSE(changes->empty());
  ASSERT_TRUE(store->commit().ok());
  config = store->load_config();
  ASSERT_TRUE(config.ok()) << config.error();
  expect_same(config->services[0].topology, next->services[0].row.topology);
  ASSERT_EQ(config->geoip_files.size(), 1u);
  EXPECT_EQ(config->geoip_files[0].kind, "city");
}

// ---- one member on its own ----

ObjectContext pooled_context() {
  ObjectContext c;
  c.zones = {"gslb.test."};
  c.pools = {"asia", "europe"};
  return c;
}

TEST(TopologyConfigMember, AMemberOfAPooledServiceNamesItsPool) {
  auto m = parse_member_object(
      R"({"name": "osaka", "address": "192.0.2.9", "pool": "asia",
          "location": {"latitude": 34.69, "longitude": 135.5}})",
      pooled_context());
  ASSERT_TRUE(m.ok()) << m.error();
  EXPECT_EQ(m->row.pool, "asia");
  EXPECT_EQ(m->row.latitude, 34.69);
  EXPECT_EQ(m->row.longitude, 135.5);
}

TEST(TopologyConfigMember, AnUnknownOrMissingPoolIsRefused) {
  auto m = parse_member_object(R"({"name": "x", "address": "192.0.2.9", "pool": "mars"})",
                               pooled_context());
  ASSERT_FALSE(m.ok());
  ASSERT_EQ(m.failure().problems.size(), 1u) << m.error();
  EXPECT_EQ(m.failure().problems[0].field, "pool");
  EXPECT_TRUE(contains(m.error(), "unknown pool \"mars\"")) << m.error();
  for (const std::string& p : pooled_context().pools) EXPECT_TRUE(contains(m.error(), p));

  m = parse_member_object(R"({"name": "x", "address": "192.0.2.9"})", pooled_context());
  ASSERT_FALSE(m.ok());
  ASSERT_EQ(m.failure().problems.size(), 1u) << m.error();
  EXPECT_EQ(m.failure().problems[0].field, "pool");
}

TEST(TopologyConfigMember, APoolIsNoKeyOfAServiceWithoutPools) {
  ObjectContext c = pooled_context();
  c.pools.clear();
  auto m = parse_member_object(R"({"name": "x", "address": "192.0.2.9", "pool": "asia"})", c);
  ASSERT_FALSE(m.ok());
  ASSERT_EQ(m.failure().problems.size(), 1u) << m.error();
  EXPECT_EQ(m.failure().problems[0].field, "pool");
}

TEST(TopologyConfigMember, AServiceObjectsRulesReadTheExistingRegionsAndFiles) {
  const char* const service = R"({"name": "app.gslb.test",
      "pools": [{"name": "a", "members": [{"name": "x", "address": "192.0.2.9"}]},
                {"name": "b", "members": [{"name": "y", "address": "192.0.2.10"}]}],
      "rules": [{"region": "lab", "pool": "b"}, {"country": "JP", "pool": "a"}]})";
  ObjectContext c;
  c.zones = {"gslb.test."};
  auto s = parse_service_object(service, c);
  ASSERT_FALSE(s.ok());
  std::vector<std::string> fields;
  for (const Error& p : s.failure().problems) fields.push_back(p.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"rules[1].country", "rules[0].region"})) << s.error();
  c.regions = {"lab"};
  c.geoip_kinds = {"country"};
  s = parse_service_object(service, c);
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(s->row.topology.rules.size(), 2u);
}

}  // namespace
}  // namespace gslb::config
