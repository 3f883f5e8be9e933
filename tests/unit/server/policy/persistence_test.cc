// Persistence: the weighted rendezvous hash of the client subnet behind every policy's draw.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "server/policy/policies.h"
#include "server/policy/policy.h"
#include "tests/unit/server/policy/policy_testing.h"

namespace gslb {
namespace {

using policy_testing::client_v4;
using policy_testing::nth_subnet_v4;
using policy_testing::Pool;

Client client_v6(std::initializer_list<uint8_t> bytes, uint8_t prefix = 128) {
  Client client;
  client.family = 6;
  size_t i = 0;
  for (uint8_t b : bytes) client.address[i++] = b;
  client.prefix = prefix;
  return client;
}

TEST(Persistence, PrefixIsTheServiceSettingCappedAtTheClientPrefix) {
  Service service;  // defaults: /24 and /56
  EXPECT_EQ(persistence_prefix(service, client_v4(192, 0, 2, 1)), 24);
  EXPECT_EQ(persistence_prefix(service, client_v4(192, 0, 2, 0, 16)), 16);
  EXPECT_EQ(persistence_prefix(service, client_v6({0x20, 0x01, 0x0d, 0xb8})), 56);
  EXPECT_EQ(persistence_prefix(service, client_v6({0x20, 0x01, 0x0d, 0xb8}, 48)), 48);
  EXPECT_EQ(persistence_prefix(service, Client{}), 0);
  service.persist_v4 = 40;  // nonsense settings are capped at the address length
  service.persist_v6 = 200;
  EXPECT_EQ(persistence_prefix(service, client_v4(192, 0, 2, 1)), 32);
  EXPECT_EQ(persistence_prefix(service, client_v6({0x20, 0x01})), 128);
}

TEST(Persistence, SameClientSubnetAlwaysGetsTheSameMember) {
  Pool pool({{"a", 1}, {"b", 1}, {"c", 1}, {"d", 1}, {"e", 1}});
  pool.service.persistence = true;
  for (uint32_t subnet = 0; subnet < 500; ++subnet) {
    Rng rng(subnet);  // the random source must not matter
    const std::string first =
        pool.pick_one(pick_weighted, pool.all(), rng, nth_subnet_v4(subnet, 1));
    for (uint8_t host : {2, 77, 254}) {
      EXPECT_EQ(pool.pick_one(pick_weighted, pool.all(), rng, nth_subnet_v4(subnet, host)), first)
          << "subnet " << subnet << " host " << int{host};
    }
  }
}

TEST(Persistence, ClientsInOneSlash56ShareAndOthersSpread) {
  Pool pool({{"a", 1}, {"b", 1}, {"c", 1}, {"d", 1}});
  pool.service.persistence = true;
  Rng rng(1);
  std::map<std::string, int> counts;
  for (int net = 0; net < 400; ++net) {
    const uint8_t hi = static_cast<uint8_t>(net >> 8), lo = static_cast<uint8_t>(net);
    const std::string first = pool.pick_one(
        pick_weighted, pool.all(), rng, client_v6({0x20, 0x01, 0x0d, 0xb8, hi, lo, 0x00, 0x01}));
    // Differs only past bit 56 (byte 7 and the interface id).
    EXPECT_EQ(pool.pick_one(
                  pick_weighted, pool.all(), rng,
                  client_v6({0x20, 0x01, 0x0d, 0xb8, hi, lo, 0x00, 0xff, 1, 2, 3, 4, 5, 6, 7, 8})),
              first);
    ++counts[first];
  }
  for (const auto& [name, n] : counts) EXPECT_GT(n, 50) << name;  // ~100 each
  EXPECT_EQ(counts.size(), 4u);
}

TEST(Persistence, RemovingOneOfFiveSitesMovesOnlyItsClients) {
  Pool pool({{"a", 1}, {"b", 1}, {"c", 1}, {"d", 1}, {"e", 1}});
  pool.service.persistence = true;
  constexpr int kClients = 10000;
  Rng rng(1);
  const auto all = pool.all();
  const auto without_c = pool.without({"c"});
  int on_c = 0, moved = 0, moved_not_from_c = 0;
  for (uint32_t i = 0; i < kClients; ++i) {
    const Client client = nth_subnet_v4(i);
    const std::string before = pool.pick_one(pick_weighted, all, rng, client);
    const std::string after = pool.pick_one(pick_weighted, without_c, rng, client);
    on_c += before == "c";
    if (before != after) {
      ++moved;
      moved_not_from_c += before != "c";
    }
  }
  EXPECT_EQ(moved_not_from_c, 0);
  EXPECT_EQ(moved, on_c);  // exactly the removed site's clients move
  EXPECT_LE(100.0 * moved / kClients, 100.0 / 5 + 2);
  EXPECT_GT(moved, 0);
}

TEST(Persistence, AddingASiteTakesClientsOnlyToTheNewSite) {
  Pool pool({{"a", 1}, {"b", 1}, {"c", 1}, {"d", 1}});
  pool.service.persistence = true;
  Rng rng(1);
  const auto before_set = pool.without({"d"});
  const auto after_set = pool.all();
  int moved = 0;
  for (uint32_t i = 0; i < 10000; ++i) {
    const Client client = nth_subnet_v4(i);
    const std::string before = pool.pick_one(pick_weighted, before_set, rng, client);
    const std::string after = pool.pick_one(pick_weighted, after_set, rng, client);
    if (before != after) {
      ++moved;
      EXPECT_EQ(after, "d");
    }
  }
  EXPECT_NEAR(moved / 100.0, 25.0, 2.0);
}

TEST(Persistence, HashRespectsWeights) {
  Pool pool({{"a", 3}, {"b", 1}});
  pool.service.persistence = true;
  Rng rng(1);
  constexpr int kClients = 10000;
  int on_a = 0;
  for (uint32_t i = 0; i < kClients; ++i)
    on_a += pool.pick_one(pick_weighted, pool.all(), rng, nth_subnet_v4(i)) == "a";
  EXPECT_NEAR(100.0 * on_a / kClients, 75.0, 2.0);
}

TEST(Persistence, HashSpreadsEqualWeightsEvenly) {
  Pool pool({{"a", 1}, {"b", 1}, {"c", 1}, {"d", 1}, {"e", 1}});
  pool.service.persistence = true;
  Rng rng(1);
  std::map<std::string, int> counts;
  for (uint32_t i = 0; i < 10000; ++i)
    ++counts[pool.pick_one(pick_weighted, pool.all(), rng, nth_subnet_v4(i))];
  for (const auto& [name, n] : counts) EXPECT_NEAR(n / 100.0, 20.0, 2.0) << name;
}

TEST(Persistence, WeightZeroOnlyWhenAllZero) {
  Pool pool({{"a", 0}, {"b", 1}});
  pool.service.persistence = true;
  Rng rng(1);
  for (uint32_t i = 0; i < 2000; ++i)
    EXPECT_EQ(pool.pick_one(pick_weighted, pool.all(), rng, nth_subnet_v4(i)), "b");
  pool.mutable_member("b").weight = 0;
  int on_a = 0;
  for (uint32_t i = 0; i < 2000; ++i)
    on_a += pool.pick_one(pick_weighted, pool.all(), rng, nth_subnet_v4(i)) == "a";
  EXPECT_NEAR(on_a / 20.0, 50.0, 5.0);
}

TEST(Persistence, MultipleAnswersAreDistinctAndStable) {
  Pool pool({{"a", 1}, {"b", 2}, {"c", 3}, {"d", 1}});
  pool.service.persistence = true;
  for (uint32_t i = 0; i < 300; ++i) {
    Rng one(i), two(i + 1000);
    auto first = pool.pick(pick_weighted, pool.all(), one, 3, nth_subnet_v4(i));
    ASSERT_EQ(first.size(), 3u);
    EXPECT_EQ(std::set<std::string>(first.begin(), first.end()).size(), 3u);
    EXPECT_EQ(pool.pick(pick_weighted, pool.all(), two, 3, nth_subnet_v4(i, 200)), first);
  }
}

TEST(Persistence, UnknownClientFamilyFallsBackToRandom) {
  Pool pool({{"a", 1}, {"b", 1}});
  pool.service.persistence = true;
  constexpr int kDraws = 10000;
  auto counts = pool.tally(pick_weighted, pool.all(), kDraws, 13);  // Client{}: family 0
  EXPECT_NEAR(policy_testing::percent(counts, "a", kDraws), 50.0, 2.0);
}

TEST(Persistence, EveryPolicyKeepsAClientOnItsMember) {
  Pool pool({{"a", 2, 1, 10000, 0.5},
             {"b", 1, 1, 10100, 0.5},
             {"c", 1, 1, 10200, 0.5},
             {"d", 1, 2, 50000, 9}});
  pool.service.persistence = true;
  for (const char* name : {"weighted", "round-robin", "priority", "rtt", "least-load"}) {
    PolicyFn fn = policy_testing::pick_of(name);
    for (uint32_t i = 0; i < 200; ++i) {
      Rng one(i), two(i * 7 + 1);
      EXPECT_EQ(pool.pick_one(fn, pool.all(), one, nth_subnet_v4(i, 1)),
                pool.pick_one(fn, pool.all(), two, nth_subnet_v4(i, 99)))
          << name << " subnet " << i;
    }
  }
}

}  // namespace
}  // namespace gslb
