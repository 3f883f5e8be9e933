// Client regions in the database and the config document: the client_subnets table (migration
// 2, also applied in place to a version 1 database), the document's "regions" key (validation,
// sync as a set, idempotence).
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/unit/testing/store_testing.h"
#include "zones/config/config_document.h"
#include "zones/store/store.h"
#include "zones/store/store_sql.h"

namespace gslb {
namespace {

using testing::raw_int;
using testing::raw_sql;
using testing::TempDir;

using nlohmann::json;

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// ---- the store ----

class ClientSubnetStore : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::open(dir_.file("gslb.db"));
    ASSERT_TRUE(s.ok()) << s.error();
    store_ = std::move(*s);
  }
  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(ClientSubnetStore, ANewDatabaseIsAtVersion2WithTheTable) {
  EXPECT_EQ(raw_int(store_->handle(), "PRAGMA user_version"), gslb::sql::schema_version());
  EXPECT_EQ(raw_int(store_->handle(),
                    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND "
                    "name = 'client_subnets' AND sql LIKE '%STRICT'"),
            1);
  auto c = store_->load_config();
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_TRUE(c->client_subnets.empty());
}

TEST_F(ClientSubnetStore, InsertLoadAndDeleteRoundTrip) {
  auto eu = store_->insert_client_subnet({0, "eu-west", "198.51.100.0/24"});
  ASSERT_TRUE(eu.ok()) << eu.error();
  auto us = store_->insert_client_subnet({0, "us-east", "2001:db8:2::/48"});
  ASSERT_TRUE(us.ok()) << us.error();
  auto c = store_->load_config();
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_EQ(c->client_subnets.size(), 2u);  // ordered by id
  EXPECT_EQ(c->client_subnets[0].id, *eu);
  EXPECT_EQ(c->client_subnets[0].region, "eu-west");
  EXPECT_EQ(c->client_subnets[0].subnet, "198.51.100.0/24");
  EXPECT_EQ(c->client_subnets[1].id, *us);
  EXPECT_EQ(c->client_subnets[1].subnet, "2001:db8:2::/48");
  ASSERT_TRUE(store_->delete_client_subnet(*eu).ok());
  EXPECT_EQ(store_->load_config()->client_subnets.size(), 1u);
  auto again = store_->delete_client_subnet(*eu);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().find("no client subnet with id"), std::string::npos) << again.error();
}

TEST_F(ClientSubnetStore, TheSchemaRejectsBadRows) {
  ASSERT_TRUE(store_->insert_client_subnet({0, "eu-west", "198.51.100.0/24"}).ok());
  const std::string insert = "INSERT INTO client_subnets (region, subnet) VALUES ";
  const std::vector<std::string> bad = {
      "('', '192.0.2.0/24')",                              // no region
      "('" + std::string(64, 'r') + "', '192.0.2.0/24')",  // region too long
      "('us', '198.51.100.0/24')",                         // the subnet is eu-west's
      "('us', '192.0.2.0')",                               // no prefix length
      "('us', 'x; drop/24')",                              // not an address at all
      "('us', 24)",                                        // STRICT: not text
  };
  for (const std::string& values : bad) {
    EXPECT_NE(raw_sql(store_->handle(), insert + values), "") << values;
  }
  EXPECT_EQ(raw_sql(store_->handle(), "INSERT INTO client_subnets (region, subnet) VALUES ('" +
                                          std::string(63, 'r') + "', '192.0.2.0/24')"),
            "");
}

TEST_F(ClientSubnetStore, ChangesMoveTheConfigGeneration) {
  int64_t g = *store_->config_generation();
  auto id = store_->insert_client_subnet({0, "eu-west", "198.51.100.0/24"});
  ASSERT_TRUE(id.ok());
  EXPECT_GT(*store_->config_generation(), g);
  g = *store_->config_generation();
  EXPECT_EQ(raw_sql(store_->handle(), "UPDATE client_subnets SET region = 'eu-central'"), "");
  EXPECT_GT(*store_->config_generation(), g);
  g = *store_->config_generation();
  ASSERT_TRUE(store_->delete_client_subnet(*id).ok());
  EXPECT_GT(*store_->config_generation(), g);
}

// tests/unit/data/store/schema_v1.sql: a database made by migration 1 alone, with data, and
// then `extra_sql`.
void make_v1_database(const std::string& path, const std::string& extra_sql = "") {
  std::ifstream in(std::string(GSLBD_TEST_DATA) + "/store/schema_v1.sql");
  ASSERT_TRUE(in) << "missing fixture";
  std::stringstream sql;
  sql << in.rdbuf();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(raw_sql(db, sql.str() + ";\n" + extra_sql), "");
  sqlite3_close(db);
}

TEST(ClientSubnetMigration, AVersion1DatabaseMigratesInPlace) {
  TempDir dir;
  const std::string path = dir.file("v1.db");
  make_v1_database(path);
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    EXPECT_EQ(raw_int(db, "PRAGMA user_version"), 1);
    EXPECT_EQ(raw_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'client_subnets'"), 0);
    sqlite3_close(db);
  }
  auto s = Store::open(path, /*create=*/false);
  ASSERT_TRUE(s.ok()) << s.error();
  Store& store = **s;
  EXPECT_EQ(raw_int(store.handle(), "PRAGMA user_version"), gslb::sql::schema_version());
  EXPECT_EQ(raw_int(store.handle(),
                    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND "
                    "name = 'client_subnets'"),
            1);
  EXPECT_EQ(raw_int(store.handle(),
                    "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND "
                    "tbl_name = 'client_subnets'"),
            3);

  // The version 1 data is all there.
  auto c = store.load_config();
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_EQ(c->zones.size(), 1u);
  EXPECT_EQ(c->zones[0].name, "gslb.test.");
  ASSERT_EQ(c->services.size(), 1u);
  EXPECT_EQ(c->services[0].policy, "rtt");
  ASSERT_EQ(c->members.size(), 1u);
  EXPECT_EQ(c->members[0].region, "eu-west");
  EXPECT_TRUE(c->client_subnets.empty());
  auto h = store.load_health();
  ASSERT_TRUE(h.ok()) << h.error();
  ASSERT_EQ(h->observations.size(), 1u);
  EXPECT_EQ(h->observations[0].rtt_us, std::optional<uint32_t>(1500));
  ASSERT_EQ(h->agents.size(), 1u);
  EXPECT_EQ(h->agents[0].region, "eu-west");

  // The new table works, triggers included, and a second open has nothing left to do.
  const int64_t g = *store.config_generation();
  EXPECT_EQ(g, 4);  // as version 1 left it
  ASSERT_TRUE(store.insert_client_subnet({0, "eu-west", "198.51.100.0/24"}).ok());
  EXPECT_GT(*store.config_generation(), g);
  auto again = Store::open(path, false);
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(raw_int((*again)->handle(), "PRAGMA user_version"), gslb::sql::schema_version());
  EXPECT_EQ((*again)->load_config()->client_subnets.size(), 1u);
}

// Migration 3: the rtt keys move into policy_options, and the schema stops listing policy and
// check type names (the plug-in catalogue decides), all without moving config_generation.
TEST(CatalogueMigration, AVersion1DatabaseKeepsItsRttKeysAndAcceptsNewNames) {
  TempDir dir;
  const std::string path = dir.file("v1.db");
  // A tolerance that is not the default, so the move is visible.
  make_v1_database(path, "UPDATE services SET rtt_tolerance_pct = 25, rtt_tolerance_us = 300");
  auto s = Store::open(path, /*create=*/false);
  ASSERT_TRUE(s.ok()) << s.error();
  Store& store = **s;
  EXPECT_EQ(raw_int(store.handle(), "PRAGMA user_version"), gslb::sql::schema_version());
  EXPECT_EQ(raw_int(store.handle(),
                    "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'"),
            0);
  auto c = store.load_config();
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_EQ(c->services.size(), 1u);
  const KeyValues want = {{"rtt_tolerance_pct", int64_t{25}}, {"rtt_tolerance_us", int64_t{300}}};
  EXPECT_EQ(c->services[0].policy_options, want);
  EXPECT_EQ(raw_int(store.handle(),
                    "SELECT count(*) FROM pragma_table_info('services') WHERE name LIKE 'rtt%'"),
            0);
  EXPECT_EQ(*store.config_generation(), 5);  // version 1's 4 and the UPDATE above, no more
  // Names the old CHECK lists refused are the catalogue's business now; empty ones are not.
  EXPECT_EQ(raw_sql(store.handle(), "UPDATE services SET policy = 'geo'"), "");
  EXPECT_EQ(raw_sql(store.handle(), "INSERT INTO checks (name, type) VALUES ('f', 'file')"), "");
  EXPECT_NE(raw_sql(store.handle(), "UPDATE services SET policy = ''"), "");
  EXPECT_NE(raw_sql(store.handle(), "UPDATE services SET policy_options = '[1]'"), "");
  // Reopening finds nothing to do.
  auto again = Store::open(path, false);
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ((*again)->load_config()->services[0].policy, "geo");
}

// ---- the config document ----

json base_doc() {
  return json::parse(R"({
    "zones": [
      {"name": "gslb.test", "soa": {"mname": "ns1.gslb.test.", "rname": "hostmaster.gslb.test."},
       "ns": ["ns1.gslb.test."],
       "records": [{"name": "ns1", "type": "A", "data": "192.0.2.53"}]}
    ],
    "services": [
      {"name": "app.gslb.test", "policy": "rtt",
       "members": [{"name": "paris", "address": "192.0.2.1"},
                   {"name": "boston", "address": "192.0.2.2"}]}
    ],
    "regions": {
      "eu-west": ["198.51.100.0/24", "2001:DB8:1:0::/48"],
      "us-east": ["203.0.113.0/24", "10.0.0.0/8"]
    }
  })");
}

class RegionsApply : public ClientSubnetStore {
 protected:
  ApplyReport apply_ok(const json& doc, bool dry_run = false) {
    auto r = apply_document(*store_, doc.dump(), dry_run);
    EXPECT_TRUE(r.ok()) << r.error();
    return r.ok() ? *r : ApplyReport{};
  }
  // (region, subnet) of every row, in id order.
  std::vector<std::pair<std::string, std::string>> subnets() {
    auto c = store_->load_config();
    EXPECT_TRUE(c.ok()) << c.error();
    std::vector<std::pair<std::string, std::string>> out;
    if (c.ok())
      for (const ClientSubnetRow& r : c->client_subnets) out.emplace_back(r.region, r.subnet);
    return out;
  }
};

using Subnets = std::vector<std::pair<std::string, std::string>>;

TEST_F(RegionsApply, RegionsBecomeRowsInCanonicalForm) {
  ApplyReport r = apply_ok(base_doc());
  const std::string all = joined(r.changes);
  EXPECT_NE(all.find("+ region eu-west 198.51.100.0/24\n"
                     "+ region eu-west 2001:db8:1::/48\n"
                     "+ region us-east 203.0.113.0/24\n"
                     "+ region us-east 10.0.0.0/8\n"),
            std::string::npos)
      << all;
  EXPECT_EQ(subnets(), (Subnets{{"eu-west", "198.51.100.0/24"},
                                {"eu-west", "2001:db8:1::/48"},
                                {"us-east", "203.0.113.0/24"},
                                {"us-east", "10.0.0.0/8"}}));
}

TEST_F(RegionsApply, ApplyingTheSameDocumentTwiceChangesNothing) {
  apply_ok(base_doc());
  const int64_t gen = *store_->config_generation();
  const Subnets before = subnets();
  ApplyReport again = apply_ok(base_doc());
  EXPECT_TRUE(again.changes.empty()) << joined(again.changes);
  EXPECT_EQ(*store_->config_generation(), gen);
  EXPECT_EQ(subnets(), before);
  // Another spelling of the same subnets is the same document.
  json doc = base_doc();
  doc["regions"]["eu-west"][1] = "2001:db8:1::0/48";
  doc["regions"]["us-east"] = json::array({"10.0.0.0/8", "203.0.113.0/24"});
  EXPECT_TRUE(apply_ok(doc).changes.empty());
  EXPECT_EQ(*store_->config_generation(), gen);
}

TEST_F(RegionsApply, SubnetsAreSyncedAsASet) {
  apply_ok(base_doc());
  json doc = base_doc();
  // 10.0.0.0/8 moves to eu-west, 203.0.113.0/24 goes, 192.0.2.128/25 comes.
  doc["regions"]["eu-west"].push_back("10.0.0.0/8");
  doc["regions"]["us-east"] = json::array({"192.0.2.128/25"});
  ApplyReport r = apply_ok(doc);
  EXPECT_EQ(joined(r.changes),
            "- region us-east 203.0.113.0/24\n"
            "- region us-east 10.0.0.0/8\n"
            "+ region eu-west 10.0.0.0/8\n"
            "+ region us-east 192.0.2.128/25\n");
  EXPECT_EQ(subnets(), (Subnets{{"eu-west", "198.51.100.0/24"},
                                {"eu-west", "2001:db8:1::/48"},
                                {"eu-west", "10.0.0.0/8"},
                                {"us-east", "192.0.2.128/25"}}));
  EXPECT_TRUE(apply_ok(doc).changes.empty());
}

TEST_F(RegionsApply, DroppingTheKeyDeletesEveryRegionAndDryRunWritesNothing) {
  apply_ok(base_doc());
  json doc = base_doc();
  doc.erase("regions");
  const int64_t gen = *store_->config_generation();
  ApplyReport dry = apply_ok(doc, /*dry_run=*/true);
  EXPECT_EQ(dry.changes.size(), 4u) << joined(dry.changes);
  EXPECT_EQ(*store_->config_generation(), gen);
  EXPECT_EQ(subnets().size(), 4u);
  ApplyReport r = apply_ok(doc);
  EXPECT_EQ(joined(r.changes),
            "- region eu-west 198.51.100.0/24\n- region eu-west 2001:db8:1::/48\n"
            "- region us-east 203.0.113.0/24\n- region us-east 10.0.0.0/8\n");
  EXPECT_TRUE(subnets().empty());
  doc["regions"] = json::object();  // an empty map is the same as none
  EXPECT_TRUE(apply_ok(doc).changes.empty());
}

struct Invalid {
  const char* claim;
  std::function<void(json&)> edit;  // applied to base_doc()
  const char* message;              // a line the error must contain
};

TEST_F(RegionsApply, EachInvalidRegionIsRejectedWithItsPathAndWritesNothing) {
  apply_ok(base_doc());
  const int64_t gen = *store_->config_generation();
  const Subnets before = subnets();
  const std::vector<Invalid> cases = {
      {"not an object", [](json& d) { d["regions"] = json::array(); },
       "regions: expected an object"},
      {"subnets not an array", [](json& d) { d["regions"]["eu-west"] = "198.51.100.0/24"; },
       "regions.eu-west: expected an array"},
      {"no subnets", [](json& d) { d["regions"]["eu-west"] = json::array(); },
       "regions.eu-west: must list at least one subnet"},
      {"bad name", [](json& d) { d["regions"]["eu west"] = json::array({"192.0.2.0/24"}); },
       "regions.eu west: region name \"eu west\" is not 1 to 63 letters, digits, \".\", \"_\" "
       "or \"-\""},
      {"name too long",
       [](json& d) { d["regions"][std::string(64, 'x')] = json::array({"192.0.2.0/24"}); },
       "is not 1 to 63 letters"},
      {"empty name", [](json& d) { d["regions"][""] = json::array({"192.0.2.0/24"}); },
       "regions.: region name \"\" is not 1 to 63"},
      {"not a string", [](json& d) { d["regions"]["eu-west"][0] = 24; },
       "regions.eu-west[0]: expected a string"},
      {"no prefix length", [](json& d) { d["regions"]["eu-west"][0] = "198.51.100.0"; },
       "regions.eu-west[0]: \"198.51.100.0\" is not ADDRESS/PREFIX, such as "
       "\"198.51.100.0/24\""},
      {"not an address", [](json& d) { d["regions"]["eu-west"][0] = "198.51.100/24"; },
       "regions.eu-west[0]: \"198.51.100\" is not an IP address"},
      {"v4 prefix too long", [](json& d) { d["regions"]["eu-west"][0] = "198.51.100.0/33"; },
       "regions.eu-west[0]: prefix length \"33\" is not 0 to 32"},
      {"v6 prefix too long", [](json& d) { d["regions"]["eu-west"][1] = "2001:db8::/129"; },
       "regions.eu-west[1]: prefix length \"129\" is not 0 to 128"},
      {"prefix not a number", [](json& d) { d["regions"]["eu-west"][0] = "198.51.100.0/-1"; },
       "regions.eu-west[0]: prefix length \"-1\" is not 0 to 32"},
      {"v4 host bits", [](json& d) { d["regions"]["us-east"][0] = "203.0.113.7/24"; },
       "regions.us-east[0]: 203.0.113.7/24 has host bits set (the network is 203.0.113.0/24)"},
      {"v6 host bits", [](json& d) { d["regions"]["eu-west"][1] = "2001:db8:1:2::/48"; },
       "regions.eu-west[1]: 2001:db8:1:2::/48 has host bits set (the network is "
       "2001:db8:1::/48)"},
      {"a subnet in two regions",
       [](json& d) { d["regions"]["us-east"].push_back("198.51.100.0/24"); },
       "regions.us-east[2]: 198.51.100.0/24 is in region \"eu-west\" already "
       "(regions.eu-west[0]); a subnet has one region"},
      {"the same subnet spelt two ways in two regions",
       [](json& d) { d["regions"]["us-east"].push_back("2001:db8:1:0:0::/48"); },
       "regions.us-east[2]: 2001:db8:1::/48 is in region \"eu-west\" already "
       "(regions.eu-west[1])"},
      {"a subnet twice in one region",
       [](json& d) { d["regions"]["us-east"].push_back("10.0.0.0/8"); },
       "regions.us-east[2]: duplicate subnet 10.0.0.0/8 (also regions.us-east[1])"},
  };
  for (const Invalid& c : cases) {
    json doc = base_doc();
    c.edit(doc);
    auto r = apply_document(*store_, doc.dump(), false);
    ASSERT_FALSE(r.ok()) << c.claim;
    EXPECT_NE(r.error().find(c.message), std::string::npos)
        << c.claim << "\nwant: " << c.message << "\ngot:  " << r.error();
    EXPECT_EQ(*store_->config_generation(), gen) << c.claim;
    EXPECT_EQ(subnets(), before) << c.claim;
    EXPECT_FALSE(store_->in_transaction()) << c.claim;
  }
}

TEST_F(RegionsApply, EveryBadSubnetIsReportedNotJustTheFirst) {
  json doc = base_doc();
  doc["regions"]["eu-west"] = json::array({"1.2.3.4/8", "nope/8", "2001:db8::/200"});
  auto r = apply_document(*store_, doc.dump(), false);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("regions.eu-west[0]: "), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("regions.eu-west[1]: "), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("regions.eu-west[2]: "), std::string::npos) << r.error();
}

TEST_F(RegionsApply, NestedSubnetsAndZeroLengthPrefixesAreAllowed) {
  json doc = base_doc();
  doc["regions"] = {{"world", {"0.0.0.0/0", "::/0"}},
                    {"eu", {"198.51.0.0/16"}},
                    {"paris", {"198.51.100.0/24", "198.51.100.128/25"}}};
  apply_ok(doc);
  EXPECT_EQ(subnets().size(), 5u);
  EXPECT_TRUE(apply_ok(doc).changes.empty());
}

}  // namespace
}  // namespace gslb
