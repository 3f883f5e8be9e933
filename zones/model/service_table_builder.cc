#include "zones/model/service_table_builder.h"

#include <arpa/inet.h>
#include <ldns/ldns.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "server/policy/policy.h"
#include "zones/dns/dname.h"
#include "zones/dns/subnet.h"
#include "zones/geo/geo_code.h"
#include "zones/zonefile/ldns_record.h"
#include "zones/zonefile/zone_file.h"

namespace gslb {
namespace {

Result<Record> record_from_text(const std::string& text, const std::string& where) {
  ldns_rr* rr = nullptr;
  ldns_status s = ldns_rr_new_frm_str(&rr, text.c_str(), 300, nullptr, nullptr);
  if (s != LDNS_STATUS_OK)
    return make_error(where + ": " + ldns_get_errorstr_by_id(s) + " in \"" + text + "\"");
  Record rec = record_from_ldns(rr, where);
  ldns_rr_free(rr);
  return rec;
}

std::string absolute(const std::string& name, const std::string& zone) {
  if (name == "@" || name.empty()) return zone;
  if (name.back() == '.') return name;
  return name + "." + zone;
}

// The client regions of the rows; null when there are no client subnets. The document's
// validation (zones/config_parse.cc) keeps bad subnets out; a row written by hand that is not
// "ADDRESS/PREFIX" with the host bits zero is an error, like a bad member address.
Result<std::shared_ptr<const ClientRegions>> regions_from_rows(const ConfigRows& config) {
  if (config.client_subnets.empty()) return std::shared_ptr<const ClientRegions>();
  auto regions = std::make_shared<ClientRegions>();
  for (const ClientSubnetRow& r : config.client_subnets) {
    auto subnet = parse_subnet(r.subnet);
    if (!subnet || r.region.empty())
      return make_error("client_subnets row " + std::to_string(r.id) + ": \"" + r.subnet +
                        "\" in region \"" + r.region +
                        "\" is not a subnet (ADDRESS/PREFIX, host bits zero)");
    regions->add_subnet(regions->add_region(r.region), subnet->family, subnet->address,
                        subnet->prefix);
  }
  return std::shared_ptr<const ClientRegions>(std::move(regions));
}

}  // namespace

Result<Record> soa_record(const ZoneRow& zone, const std::string& where) {
  const std::string zone_name =
      zone.name.empty() || zone.name.back() == '.' ? zone.name : zone.name + ".";
  auto origin = name_from_text(zone_name);
  if (!origin) return make_error(where + ": " + origin.error());
  Record soa;
  soa.owner = *origin;
  soa.type = rrtype::SOA;
  soa.ttl = zone.ttl;
  for (auto [field, name] : {std::pair{"mname", &zone.soa_mname}, {"rname", &zone.soa_rname}}) {
    auto wire = name->empty() ? Result<std::string>(*origin) : name_from_text(*name, *origin);
    if (!wire) return make_error(where + ": SOA " + field + " \"" + *name + "\": " + wire.error());
    soa.rdata += *wire;
  }
  for (uint32_t v :
       {zone.soa_serial, zone.soa_refresh, zone.soa_retry, zone.soa_expire, zone.soa_minimum})
    for (int shift = 24; shift >= 0; shift -= 8) soa.rdata.push_back(static_cast<char>(v >> shift));
  soa.where = where;
  return soa;
}

Result<std::vector<ZoneData>> zones_from_rows(const ConfigRows& config) {
  std::vector<ZoneData> out;
  for (const ZoneRow& z : config.zones) {
    std::string zone_name = z.name.empty() || z.name.back() == '.' ? z.name : z.name + ".";
    if (!z.file.empty()) {
      // Without a name the loader would guess one from the file.
      if (zone_name.empty())
        return make_error("zones row " + std::to_string(z.id) + ": a zone file needs a zone name");
      auto data = load_zone_file(z.file, zone_name);
      if (!data) return prefixed("zone " + zone_name + ": ", data.failure());
      out.push_back(std::move(*data));
      continue;
    }
    ZoneData data;
    auto origin = name_from_text(zone_name);
    if (!origin) return make_error("zones row " + std::to_string(z.id) + ": " + origin.error());
    data.origin = *origin;
    data.source = "database zone " + zone_name;
    auto soa = soa_record(z, "zones row " + std::to_string(z.id));
    if (!soa) return soa.failure();
    data.records.push_back(std::move(*soa));
    for (const RecordRow& r : config.records) {
      if (r.zone_id != z.id) continue;
      auto rec = record_from_text(absolute(r.name, zone_name) + " " + std::to_string(r.ttl) +
                                      " IN " + r.type + " " + r.rdata,
                                  "records row " + std::to_string(r.id));
      if (!rec) return rec.failure();
      data.records.push_back(std::move(*rec));
    }
    out.push_back(std::move(data));
  }
  return out;
}

namespace {

Result<void> set_policy(Service& s, const std::string& policy, const KeyValues& given,
                        const std::string& where);
Result<void> add_topology(Service& s, const TopologyRows& t, const std::string& where,
                          const GeoSources& geo);

// A service as the snapshot serves it, from its row: the policy found and its keys resolved,
// the numbers held to their ranges.
Result<Service> service_from_row(const ServiceRow& r,
                                 const std::shared_ptr<const ClientRegions>& regions,
                                 const GeoSources& geo) {
  Service s;
  s.id = r.id;
  std::string name = r.name.empty() || r.name.back() == '.' ? r.name : r.name + ".";
  auto wire = name_from_text(name);
  if (!wire) return make_error("services row " + std::to_string(r.id) + ": " + wire.error());
  s.name = lowercase_name(*wire);
  s.ttl = r.ttl;
  s.ttl_degraded = r.ttl_degraded.value_or(r.ttl);
  s.answers = std::clamp<uint32_t>(r.answers, 1, 16);
  s.fallback = r.fallback == "servfail" ? Fallback::kServfail
               : r.fallback == "sorry"  ? Fallback::kSorry
                                        : Fallback::kAll;
  s.persistence = r.persistence;
  s.persist_v4 = static_cast<uint8_t>(std::min<uint32_t>(r.persist_v4, 32));
  s.persist_v6 = static_cast<uint8_t>(std::min<uint32_t>(r.persist_v6, 128));
  s.min_healthy = std::max<uint32_t>(r.min_healthy, 1);
  s.slow_start_ms = std::min<uint32_t>(r.slow_start_s, 3600) * 1000;
  s.regions = regions;
  const std::string where = "services row " + std::to_string(r.id);
  if (auto p = set_policy(s, r.policy, r.policy_options, where); !p) return p.failure();
  if (auto t = add_topology(s, r.topology, where, geo); !t) return t.failure();
  return s;
}

// The policy of a service or pool by name, with its own keys resolved (keys of another policy are
// not its business; a bad value of its own is an error named by `where`).
Result<void> set_policy(Service& s, const std::string& policy, const KeyValues& given,
                        const std::string& where) {
  s.policy_name = policy;
  s.policy_type = find_policy(policy);
  if (s.policy_type == nullptr) return make_error(where + ": unknown policy \"" + policy + "\"");
  s.policy = s.policy_type->pick;
  KeyValues own;
  for (const auto& kv : given)
    for (const KeySpec& k : s.policy_type->keys)
      if (k.name == kv.first) own.push_back(kv);
  ResolvedKeys options = resolve_keys(own, s.policy_type->keys);
  if (!options.ok())
    return make_error(where + ": policy_options." + options.problems[0].key + ": " +
                      options.problems[0].message);
  s.policy_options = std::move(options.values);
  s.needs_region = s.regions != nullptr && s.policy_type->client_input == ClientInput::kRegion;
  s.needs_location = s.policy_type->client_input == ClientInput::kLocation;
  s.keeps_member_state = s.policy_type->keeps_member_state;
  return {};
}

// The pools and rules of a service row, as views and codes. Names were checked by the
// document's validation; a row written by hand that names an unknown pool is an error.
Result<void> add_topology(Service& s, const TopologyRows& t, const std::string& where,
                          const GeoSources& geo) {
  // Every service gets the databases: the closest policy of a service without pools reads the
  // client's location from the place one too.
  s.geo_place = geo.place;
  s.geo_network = geo.network;
  if (t.pools.empty()) return {};
  // The query path's fallback walk tracks 64 pools (the document's limit, config_parse.cc).
  constexpr size_t kMaxPools = 64;
  if (t.pools.size() > kMaxPools)
    return make_error(where + ": " + std::to_string(t.pools.size()) + " pools, more than " +
                      std::to_string(kMaxPools));
  auto pool_index = [&](const std::string& name) -> int {
    for (size_t i = 0; i < t.pools.size(); ++i)
      if (t.pools[i].name == name) return static_cast<int>(i);
    return -1;
  };
  for (size_t i = 0; i < t.pools.size(); ++i) {
    const PoolRow& row = t.pools[i];
    Pool pool;
    pool.name = row.name;
    // The view shares the service's settings; its policy, keys and candidates are the pool's.
    pool.view.id = s.id;
    pool.view.name = s.name;
    pool.view.ttl = s.ttl;
    pool.view.ttl_degraded = s.ttl_degraded;
    pool.view.answers = s.answers;
    pool.view.fallback = s.fallback;
    pool.view.persistence = s.persistence;
    pool.view.persist_v4 = s.persist_v4;
    pool.view.persist_v6 = s.persist_v6;
    pool.view.min_healthy = s.min_healthy;
    pool.view.slow_start_ms = s.slow_start_ms;
    pool.view.regions = s.regions;
    if (auto r = set_policy(pool.view, row.policy, row.policy_options,
                            where + ": pool \"" + row.name + "\"");
        !r)
      return r;
    s.needs_region = s.needs_region || pool.view.needs_region;
    s.needs_location = s.needs_location || pool.view.needs_location;
    for (const std::string& f : row.fallback) {
      const int k = pool_index(f);
      if (k < 0)
        return make_error(where + ": pool \"" + row.name + "\" falls back to unknown pool \"" + f +
                          "\"");
      pool.fallback.push_back(static_cast<uint16_t>(k));
    }
    s.pools.push_back(std::move(pool));
  }
  for (const RuleRow& r : t.rules) {
    TopologyRule rule;
    const int p = pool_index(r.pool);
    if (p < 0) return make_error(where + ": a rule names unknown pool \"" + r.pool + "\"");
    rule.pool = static_cast<uint16_t>(p);
    if (!r.split_pool.empty()) {
      const int sp = pool_index(r.split_pool);
      if (sp < 0)
        return make_error(where + ": a rule splits to unknown pool \"" + r.split_pool + "\"");
      rule.split_pool = static_cast<uint16_t>(sp);
      rule.split_per_10k =
          static_cast<uint32_t>(std::clamp(r.split_percent, 0.0, 100.0) * 100 + 0.5);
    }
    for (const std::string& c : r.country) rule.countries.push_back(geo_code(c));
    for (const std::string& c : r.continent) rule.continents.push_back(geo_code(c));
    for (const std::string& c : r.subdivision) {
      const size_t dash = c.find('-');
      if (dash == std::string::npos)
        return make_error(where + ": subdivision \"" + c + "\" is not COUNTRY-CODE");
      rule.subdivisions.emplace_back(geo_code(c.substr(0, dash)), geo_code(c.substr(dash + 1)));
    }
    rule.asns = r.asn;
    for (const std::string& name : r.region) {
      // A region with no subnet (left after an edit) matches nobody.
      const int32_t k = s.regions != nullptr ? s.regions->find(name) : -1;
      rule.regions.push_back(k);
    }
    s.rules_need_place = s.rules_need_place || rule.needs_place();
    s.rules_need_network = s.rules_need_network || !rule.asns.empty();
    s.rules_need_region = s.rules_need_region || !rule.regions.empty();
    s.rules.push_back(std::move(rule));
  }
  return {};
}

// A member from its row, before its health is known.
Result<Member> member_from_row(const MemberRow& r, const Service& s, size_t region_count) {
  Member m;
  m.id = r.id;
  m.name = r.name;
  if (!r.target.empty()) {
    auto wire = name_from_text(r.target);
    if (!wire || wire->size() <= 1)
      return make_error("members row " + std::to_string(r.id) + ": target \"" + r.target +
                        "\" is not a domain name");
    m.target = *wire;
    m.family = 0;
  } else {
    std::vector<const std::string*> all{&r.address};
    for (const std::string& a : r.more_addresses) all.push_back(&a);
    for (const std::string* a : all) {
      Member::Address bytes;
      int f = 0;
      if (inet_pton(AF_INET, a->c_str(), bytes.bytes) == 1) {
        f = 0;
      } else if (inet_pton(AF_INET6, a->c_str(), bytes.bytes) == 1) {
        f = 1;
      } else {
        return make_error("members row " + std::to_string(r.id) + ": \"" + *a +
                          "\" is not an IP address");
      }
      m.addresses[f].push_back(bytes);
    }
    // The row's `address` is the first of them: IPv4 when it parses as one.
    const bool first_v4 = inet_pton(AF_INET, r.address.c_str(), m.address) == 1;
    m.family = first_v4 ? 4 : 6;
    memcpy(m.address, m.addresses[first_v4 ? 0 : 1].front().bytes, sizeof m.address);
  }
  m.weight = r.weight;
  m.priority = r.priority;
  m.sorry = r.sorry;
  m.enabled = r.enabled && !r.drained_at_ms.has_value();
  m.region_rtt.resize(region_count);
  if (r.latitude && r.longitude) {
    constexpr double kRadians = 3.14159265358979323846 / 180;
    m.has_location = true;
    m.lat_rad = static_cast<float>(*r.latitude * kRadians);
    m.lon_rad = static_cast<float>(*r.longitude * kRadians);
  }
  if (!s.pools.empty()) {
    for (size_t i = 0; i < s.pools.size(); ++i)
      if (s.pools[i].name == r.pool) m.pool = static_cast<int16_t>(i);
    if (m.pool < 0)
      return make_error("members row " + std::to_string(r.id) + ": pool \"" + r.pool +
                        "\" is not a pool of its service");
  }
  return m;
}

// The member's health from the agents' observations (DESIGN "Health"): up by quorum over the
// fresh ones (`stale_after_ms` < 0: none is ever stale), the last word when none is fresh; the
// best RTT overall and per client region (`agent_region`), the mean load.
void fold_observations(Member& m, const std::vector<const ObservationRow*>& observations,
                       int64_t stale_after_ms, std::optional<uint32_t> quorum, int64_t now_ms,
                       const std::unordered_map<std::string, int32_t>& agent_region) {
  size_t fresh = 0, up = 0;
  const ObservationRow* latest = nullptr;
  uint32_t best_rtt = UINT32_MAX;
  double load_sum = 0;
  size_t loads = 0;
  for (const ObservationRow* o : observations) {
    if (latest == nullptr || o->checked_at_ms > latest->checked_at_ms) latest = o;
    if (stale_after_ms >= 0 && now_ms - o->checked_at_ms > stale_after_ms) continue;
    ++fresh;
    if (o->up) {
      ++up;
      if (o->rtt_us) best_rtt = std::min(best_rtt, *o->rtt_us);
      if (auto a = agent_region.find(o->agent_id); o->rtt_us && a != agent_region.end()) {
        Member::RegionRtt& best = m.region_rtt[static_cast<size_t>(a->second)];
        if (!best.measured || *o->rtt_us < best.us) best = {true, *o->rtt_us};
      }
      if (o->load) {
        load_sum += *o->load;
        ++loads;
      }
    }
  }
  if (fresh == 0) {
    m.up = latest->up;
    m.stale = true;
  } else {
    size_t needed = quorum ? std::min<size_t>(*quorum, fresh) : fresh / 2 + 1;
    m.up = up >= needed;
  }
  if (best_rtt != UINT32_MAX) {
    m.has_rtt = true;
    m.rtt_us = best_rtt;
  }
  if (loads > 0) {
    m.has_load = true;
    m.load = load_sum / static_cast<double>(loads);
  }
}

}  // namespace

Result<ServiceTable> services_from_rows(const ConfigRows& config, const HealthRows& health,
                                        int64_t now_ms, const GeoSources& geo) {
  std::unordered_map<int64_t, const CheckRow*> checks;
  for (const CheckRow& c : config.checks) checks[c.id] = &c;
  std::unordered_map<int64_t, std::vector<const ObservationRow*>> observed;
  for (const ObservationRow& o : health.observations) observed[o.member_id].push_back(&o);
  auto regions = regions_from_rows(config);
  if (!regions) return regions.failure();
  // Agent id -> index of its region among the client regions (agents elsewhere are left out).
  std::unordered_map<std::string, int32_t> agent_region;
  if (*regions) {
    for (const AgentRow& a : health.agents)
      if (int32_t i = (*regions)->find(a.region); i >= 0) agent_region[a.id] = i;
  }
  const size_t region_count = *regions ? (*regions)->names().size() : 0;

  ServiceTable table;
  table.reserve(config.services.size());
  std::unordered_map<int64_t, size_t> by_id;
  for (const ServiceRow& r : config.services) {
    auto s = service_from_row(r, *regions, geo);
    if (!s) return s.failure();
    by_id[r.id] = table.size();
    table.push_back(std::move(*s));
  }

  for (const MemberRow& r : config.members) {
    auto it = by_id.find(r.service_id);
    if (it == by_id.end()) continue;
    Service& s = table[it->second];
    const ServiceRow& srow = config.services[it->second];
    auto m = member_from_row(r, s, region_count);
    if (!m) return m.failure();
    std::optional<int64_t> check_id = r.check_id ? r.check_id : srow.check_id;
    int64_t stale_after_ms = -1;
    if (check_id) {
      auto c = checks.find(*check_id);
      if (c != checks.end()) stale_after_ms = 3 * static_cast<int64_t>(c->second->interval_ms);
    }
    auto obs = observed.find(r.id);
    if (obs != observed.end() && !obs->second.empty())
      fold_observations(*m, obs->second, stale_after_ms, srow.quorum, now_ms, agent_region);
    if (r.capacity) {
      m->has_capacity = true;
      m->capacity = *r.capacity;
      m->over_capacity = m->has_load && m->load >= m->capacity;
    }
    s.members.push_back(std::move(*m));
  }
  return table;
}

}  // namespace gslb
