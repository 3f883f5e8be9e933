// Test helper for the policy tests: a Service built in code from member specs, candidate lists
// over it, clients, and tallies of many seeded picks. Header-only; for unit tests only.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/policy/policies.h"
#include "server/policy/policy.h"
#include "zones/model/service.h"

namespace gslb::policy_testing {

// The pick of a registered policy; nullptr when the name is unknown.
inline PolicyFn pick_of(std::string_view name) {
  const PolicyType* type = find_policy(name);
  return type != nullptr ? type->pick : nullptr;
}

// Sets one of the service's policy keys (PolicyType::keys), the others at their defaults.
inline void set_policy_option(Service& s, std::string_view key, KeyValue value) {
  const PolicyType* type = find_policy(s.policy_name.empty() ? "rtt" : s.policy_name);
  ASSERT_NE(type, nullptr) << s.policy_name;
  if (s.policy_options.size() != type->keys.size())
    s.policy_options = resolve_keys({}, type->keys).values;
  for (size_t i = 0; i < type->keys.size(); ++i) {
    if (type->keys[i].name == key) {
      s.policy_options[i] = std::move(value);
      return;
    }
  }
  ADD_FAILURE() << "policy " << type->name << " has no key " << key;
}

struct MemberSpec {
  MemberSpec(std::string name, uint32_t weight = 1, uint32_t priority = 1,  // NOLINT: implicit
             std::optional<uint32_t> rtt_us = std::nullopt,
             std::optional<double> load = std::nullopt)
      : name(std::move(name)), weight(weight), priority(priority), rtt_us(rtt_us), load(load) {}
  MemberSpec(const char* name) : MemberSpec(std::string(name)) {}  // NOLINT: implicit

  std::string name;
  uint32_t weight = 1;
  uint32_t priority = 1;
  std::optional<uint32_t> rtt_us;
  std::optional<double> load;
};

// A service over IPv4 members a, b, ... as specified; ids 100, 101, ...; index = position.
// Not copyable or movable once candidates point into it: build it in place.
struct Pool {
  explicit Pool(std::vector<MemberSpec> specs, uint32_t service_index = 0) {
    service.id = 7;
    service.index = service_index;
    service.name = "www.example.test";
    for (size_t i = 0; i < specs.size(); ++i) {
      Member m;
      m.id = 100 + static_cast<int64_t>(i);
      m.name = specs[i].name;
      m.family = 4;
      m.address[0] = 192;
      m.address[2] = 2;
      m.address[3] = static_cast<uint8_t>(i + 1);
      m.weight = specs[i].weight;
      m.priority = specs[i].priority;
      m.index = static_cast<uint16_t>(i);
      m.has_rtt = specs[i].rtt_us.has_value();
      m.rtt_us = specs[i].rtt_us.value_or(0);
      m.has_load = specs[i].load.has_value();
      m.load = specs[i].load.value_or(0);
      service.members.push_back(m);
    }
    // Sized the way the worker sizes it when a Snapshot is swapped in.
    state.member_state.assign(service_index + 1, std::vector<int64_t>(service.members.size(), 0));
  }
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  const Member& member(std::string_view name) const {
    for (const Member& m : service.members) {
      if (m.name == name) return m;
    }
    ADD_FAILURE() << "no member " << name;
    return service.members.front();
  }
  Member& mutable_member(std::string_view name) { return const_cast<Member&>(member(name)); }

  // Every member, in order.
  std::vector<const Member*> all() const {
    std::vector<const Member*> v;
    for (const Member& m : service.members) v.push_back(&m);
    return v;
  }
  // Every member but the named ones.
  std::vector<const Member*> without(std::set<std::string> names) const {
    std::vector<const Member*> v;
    for (const Member& m : service.members) {
      if (!names.count(m.name)) v.push_back(&m);
    }
    return v;
  }

  // Names of one pick of up to `want` members.
  std::vector<std::string> pick(PolicyFn fn, const std::vector<const Member*>& candidates, Rng& rng,
                                size_t want = 1, const Client& client = Client{}) {
    std::vector<const Member*> out(want + 1, nullptr);  // one spare slot: must stay untouched
    const size_t n =
        fn(service, candidates.data(), candidates.size(), client, rng, state, out.data(), want);
    EXPECT_EQ(out[want], nullptr) << "wrote past want";
    std::vector<std::string> names;
    for (size_t i = 0; i < n && i < want; ++i)
      names.push_back(out[i] == nullptr ? "<null>" : out[i]->name);
    return names;
  }
  // The one member a single pick returns ("" when none).
  std::string pick_one(PolicyFn fn, const std::vector<const Member*>& candidates, Rng& rng,
                       const Client& client = Client{}) {
    std::vector<std::string> names = pick(fn, candidates, rng, 1, client);
    return names.empty() ? "" : names.front();
  }
  // How often each member is the first pick over `draws` seeded picks.
  std::map<std::string, int> tally(PolicyFn fn, const std::vector<const Member*>& candidates,
                                   int draws, uint64_t seed = 1) {
    Rng rng(seed);
    std::map<std::string, int> counts;
    for (int i = 0; i < draws; ++i) ++counts[pick_one(fn, candidates, rng)];
    return counts;
  }

  Service service;
  PolicyState state;
};

// An IPv4 client, a.b.c.d/prefix.
inline Client client_v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t prefix = 32) {
  Client client;
  client.family = 4;
  client.address[0] = a;
  client.address[1] = b;
  client.address[2] = c;
  client.address[3] = d;
  client.prefix = prefix;
  return client;
}

// The i-th of many distinct IPv4 /24 client subnets (host part `host`).
inline Client nth_subnet_v4(uint32_t i, uint8_t host = 1) {
  return client_v4(static_cast<uint8_t>(10 + (i >> 16)), static_cast<uint8_t>(i >> 8),
                   static_cast<uint8_t>(i), host);
}

// Share of `draws` that landed on `name`, in percentage points.
inline double percent(const std::map<std::string, int>& counts, const std::string& name,
                      int draws) {
  auto it = counts.find(name);
  return it == counts.end() ? 0.0 : 100.0 * it->second / draws;
}

}  // namespace gslb::policy_testing
