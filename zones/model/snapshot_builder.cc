#include "zones/model/snapshot_builder.h"

#include <algorithm>
#include <map>

namespace gslb {

class SnapshotBuilder {
 public:
  // (wire name, index in the service table) of the services inside one zone.
  using ServiceNames = std::vector<std::pair<std::string, int32_t>>;
  static Result<std::unique_ptr<Zone>> build_zone(const ZoneData& data,
                                                  const ServiceNames& services);
};

namespace {

std::string_view sv(const std::string& s) {
  return s;
}

// The location is the origin too, so a caller that gave the records their locations (the
// config validator's JSON paths) can tell which of its fields the error is about.
Error at_where(const std::string& where, const std::string& text) {
  return make_error(ErrorKind::invalid, where + ": " + text, where);
}

// Offsets of the domain names inside rdata of the types whose names we lowercase and resolve.
// Returns the name start offsets (a name runs to its root label).
std::vector<size_t> rdata_name_offsets(uint16_t type, const std::string& rdata) {
  switch (type) {
    case rrtype::NS:
    case rrtype::CNAME:
    case rrtype::PTR:
      return {0};
    case rrtype::MX:
      return {2};
    case rrtype::SRV:
      return {6};
    case rrtype::SOA: {
      size_t i = 0;
      while (i < rdata.size() && rdata[i] != 0) i += static_cast<uint8_t>(rdata[i]) + 1;
      return {0, i + 1};
    }
    default:
      return {};
  }
}

std::string name_at(const std::string& rdata, size_t off) {
  size_t i = off;
  while (i < rdata.size() && rdata[i] != 0) i += static_cast<uint8_t>(rdata[i]) + 1;
  return rdata.substr(off, i + 1 - off);
}

std::string parent_of(std::string_view name) {
  return std::string(name.substr(static_cast<uint8_t>(name[0]) + 1));
}

uint32_t read_u32(const std::string& s, size_t off) {
  auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(s[off + i])); };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

}  // namespace

namespace {

// name -> type -> RRset, the zone's records gathered before they become nodes.
using RRsetsByName = std::map<std::string, std::map<uint16_t, RRset>>;

// Gathers the records into RRsets (names in rdata lowercased, duplicates dropped, one TTL per
// RRset) and refuses what cannot be in one zone; `first_seen` keeps where each name was first
// given, for messages.
Result<void> collect_rrsets(const ZoneData& data, const std::string& origin, RRsetsByName& sets,
                            std::map<std::string, std::string>& first_seen) {
  const std::string zone_text = name_to_text(origin);
  for (const Record& r : data.records) {
    std::string owner = lowercase_name(r.owner);
    if (!name_is_at_or_below(owner, origin))
      return at_where(r.where, name_to_text(owner) + " is outside zone " + zone_text);
    std::string rdata = r.rdata;
    for (size_t off : rdata_name_offsets(r.type, rdata)) {
      if (off >= rdata.size()) return at_where(r.where, "truncated rdata");
      lowercase_name(reinterpret_cast<uint8_t*>(rdata.data()) + off, rdata.size() - off);
    }
    if (r.type == rrtype::SOA && owner != origin)
      return at_where(r.where, "SOA record at " + name_to_text(owner) +
                                   " is not at the zone apex " + zone_text);
    RRset& set = sets[owner][r.type];
    first_seen.emplace(owner, r.where);
    if (set.rdatas.empty()) {
      set.type = r.type;
      set.ttl = r.ttl;
    } else {
      set.ttl = std::min(set.ttl, r.ttl);  // RFC 2181 s5.2: one TTL per RRset
    }
    if (std::find(set.rdatas.begin(), set.rdatas.end(), rdata) == set.rdatas.end())
      set.rdatas.push_back(std::move(rdata));  // RFC 2181 s5: duplicates are dropped
    if (r.type == rrtype::SOA && set.rdatas.size() > 1)
      return at_where(r.where, "second SOA record in zone " + zone_text);
    if (r.type == rrtype::CNAME && set.rdatas.size() > 1)
      return at_where(r.where, "second CNAME record at " + name_to_text(owner));
  }
  return {};
}

// The apex has SOA and NS; a CNAME stands alone and not at the apex (RFC 1034 s3.6.2).
Result<void> check_apex_and_cnames(const ZoneData& data, const std::string& origin,
                                   const RRsetsByName& sets,
                                   const std::map<std::string, std::string>& first_seen) {
  const std::string zone_text = name_to_text(origin);
  auto apex_it = sets.find(origin);
  if (apex_it == sets.end() || !apex_it->second.count(rrtype::SOA))
    return at_where(data.source, "zone " + zone_text + " has no SOA record at its apex");
  if (!apex_it->second.count(rrtype::NS))
    return at_where(data.source, "zone " + zone_text + " has no NS records at its apex");
  for (const auto& [name, types] : sets) {
    if (types.count(rrtype::CNAME) && types.size() > 1)
      return at_where(first_seen.at(name),
                      name_to_text(name) + " has a CNAME and other data (RFC 1034 s3.6.2)");
    if (types.count(rrtype::CNAME) && name == origin)
      return at_where(first_seen.at(name), "CNAME at the zone apex " + zone_text);
  }
  return {};
}

// An empty node at `name` unless the zone has one.
void ensure_node(Zone& z, const std::string& name) {
  if (z.nodes.find(sv(name)) != z.nodes.end()) return;
  auto node = std::make_unique<Node>();
  node->name = name;
  z.nodes.emplace(sv(node->name), std::move(node));
}

// A node per owner, and the empty non-terminals between each owner and the apex (RFC 4592
// s2.2.2).
void add_nodes(Zone& z, RRsetsByName& sets) {
  for (auto& [name, types] : sets) {
    auto node = std::make_unique<Node>();
    node->name = name;
    for (auto& [type, set] : types) node->rrsets.push_back(std::move(set));
    // SOA first at the apex keeps minimal ANY answers predictable.
    std::stable_sort(node->rrsets.begin(), node->rrsets.end(), [](const RRset& a, const RRset& b) {
      return (a.type == rrtype::SOA) > (b.type == rrtype::SOA);
    });
    z.nodes.emplace(sv(node->name), std::move(node));
  }
  for (const auto& [name, _] : sets) {
    std::string p = name;
    while (p != z.origin) {
      p = parent_of(p);
      ensure_node(z, p);
    }
  }
}

// Each service's node (with its empty non-terminals) points at its row in the service table.
Result<void> attach_services(Zone& z, const SnapshotBuilder::ServiceNames& services) {
  for (const auto& [name, index] : services) {
    std::string p = name;
    while (z.nodes.find(sv(p)) == z.nodes.end()) {
      ensure_node(z, p);
      if (p == z.origin) break;
      p = parent_of(p);
    }
    Node* n = z.nodes.find(sv(name))->second.get();
    if (n->find(rrtype::CNAME) != nullptr)
      return make_error("service " + name_to_text(name) + ": the name holds a CNAME in zone " +
                        name_to_text(z.origin));
    n->service = index;
  }
  return {};
}

// Apex, SOA, wildcards and the negative answer's SOA: RFC 2308 s5, TTL = min(SOA TTL, MINIMUM).
void set_apex(Zone& z) {
  z.apex = z.find(z.origin);
  for (auto& [key, node] : z.nodes)
    z.has_wildcards |= node->name.size() > 1 && node->name[0] == 1 && node->name[1] == '*';
  z.soa = z.apex->find(rrtype::SOA);
  z.negative_ttl = std::min(z.soa->ttl, read_u32(z.soa->rdatas[0], z.soa->rdatas[0].size() - 4));
  z.negative_soa = *z.soa;
  z.negative_soa.ttl = z.negative_ttl;
}

// Zone cuts: the topmost NS-holding ancestor (not the apex) of each node.
void mark_cuts(Zone& z) {
  for (auto& [key, node] : z.nodes) {
    node->is_cut = node.get() != z.apex && node->find(rrtype::NS) != nullptr;
  }
  for (auto& [key, node] : z.nodes) {
    const Node* cut = nullptr;
    std::string p = node->name;
    while (true) {
      const Node* n = z.find(p);
      if (n != nullptr && n->is_cut) cut = n;
      if (p == z.origin) break;
      p = parent_of(p);
    }
    node->cut = cut;
  }
}

// Additional section targets: glue for referrals, in-zone addresses for NS/MX/SRV.
void resolve_additional(Zone& z) {
  for (auto& [key, node] : z.nodes) {
    for (RRset& set : node->rrsets) {
      if (set.type != rrtype::NS && set.type != rrtype::MX && set.type != rrtype::SRV) continue;
      bool referral = set.type == rrtype::NS && node->is_cut;
      for (const std::string& rd : set.rdatas) {
        std::string target = name_at(rd, rdata_name_offsets(set.type, rd)[0]);
        const Node* t = z.find(target);
        if (t == nullptr) continue;
        // Names below a cut are glue: only a referral may carry them.
        if (t->cut != nullptr && !(referral && t->cut == node.get())) continue;
        for (uint16_t type : {rrtype::A, rrtype::AAAA})
          if (const RRset* a = t->find(type)) {
            bool dup = false;
            for (auto& ad : set.additional) dup |= ad.rrset == a;
            if (!dup) set.additional.push_back({t, a});
          }
      }
    }
  }
}

}  // namespace

Result<std::unique_ptr<Zone>> SnapshotBuilder::build_zone(const ZoneData& data,
                                                          const ServiceNames& services) {
  auto z = std::make_unique<Zone>();
  z->origin = lowercase_name(data.origin);
  z->labels = label_count(z->origin);

  RRsetsByName sets;  // in load order of names for stable output
  std::map<std::string, std::string> first_seen;
  if (auto r = collect_rrsets(data, z->origin, sets, first_seen); !r) return r.failure();
  if (auto r = check_apex_and_cnames(data, z->origin, sets, first_seen); !r) return r.failure();
  add_nodes(*z, sets);
  if (auto r = attach_services(*z, services); !r) return r.failure();
  set_apex(*z);
  mark_cuts(*z);
  for (const auto& [name, index] : services) {
    const Node* n = z->find(name);
    if (n->cut != nullptr)
      return make_error("service " + name_to_text(name) + " is at or below the delegation " +
                        name_to_text(n->cut->name));
  }
  resolve_additional(*z);
  return z;
}

Result<std::shared_ptr<const Snapshot>> build_snapshot(const std::vector<ZoneData>& zones,
                                                       ServiceTable services) {
  // Each service goes to the zone of longest matching origin.
  std::vector<std::string> origins;
  for (const ZoneData& d : zones) origins.push_back(lowercase_name(d.origin));
  std::vector<SnapshotBuilder::ServiceNames> per_zone(zones.size());
  for (size_t i = 0; i < services.size(); ++i) {
    const std::string name = lowercase_name(services[i].name);
    services[i].name = name;
    services[i].index = static_cast<uint32_t>(i);
    int best = -1;
    for (size_t zi = 0; zi < origins.size(); ++zi)
      if (name_is_at_or_below(name, origins[zi]) &&
          (best < 0 || origins[zi].size() > origins[static_cast<size_t>(best)].size()))
        best = static_cast<int>(zi);
    if (best < 0)
      return make_error("service " + name_to_text(name) + " is not inside any served zone");
    per_zone[static_cast<size_t>(best)].push_back({name, static_cast<int32_t>(i)});
  }

  auto set = std::make_shared<ZoneSet>();
  for (size_t zi = 0; zi < zones.size(); ++zi) {
    const ZoneData& data = zones[zi];
    auto z = SnapshotBuilder::build_zone(data, per_zone[zi]);
    if (!z) return z.failure();
    if (set->by_origin.count(sv((*z)->origin)))
      return at_where(data.source, "zone " + name_to_text((*z)->origin) + " is loaded twice");
    set->zones.push_back(std::move(*z));
    const Zone* zp = set->zones.back().get();
    set->by_origin.emplace(sv(zp->origin), zp);
  }
  auto table = std::make_shared<ServiceTable>(std::move(services));
  for (Service& s : *table) index_service(s);
  number_pool_views(*table);
  return std::make_shared<const Snapshot>(std::move(set), std::move(table));
}

std::shared_ptr<const Snapshot> with_services(const Snapshot& base, ServiceTable services) {
  auto table = std::make_shared<ServiceTable>(std::move(services));
  for (size_t i = 0; i < table->size(); ++i) {
    Service& s = (*table)[i];
    s.name = lowercase_name(s.name);
    s.index = static_cast<uint32_t>(i);
    index_service(s);
  }
  number_pool_views(*table);
  return std::make_shared<const Snapshot>(base.zone_set(), std::move(table));
}

void number_pool_views(ServiceTable& table) {
  // Pool views follow the services in the per-worker state, in table order, so a health-only
  // swap (same services, same pools) keeps every slot where it was.
  auto slot = static_cast<uint32_t>(table.size());
  for (Service& s : table)
    for (Pool& p : s.pools) p.view.index = slot++;
}

void index_service(Service& s) {
  // Spillover: a member over its capacity is no candidate while some healthy member of the
  // service (in any pool, so a pool's overflow goes down its fallback chain) is under its own.
  bool any_up[2] = {false, false}, any_room[2] = {false, false};
  for (const Member& m : s.members)
    for (int f = 0; f < 2; ++f)
      if (m.serves(f) && m.enabled && !m.sorry && m.up) {
        any_up[f] = true;
        any_room[f] = any_room[f] || !m.over_capacity;
      }
  for (int f = 0; f < 2; ++f) {
    s.healthy[f].clear();
    s.enabled[f].clear();
    s.sorry[f].clear();
    s.has_family[f] = false;
    s.saturated[f] = any_up[f] && !any_room[f];
  }
  auto healthy = [&s](const Member& m, int f) {
    return m.up && (!m.over_capacity || s.saturated[f]);
  };
  for (size_t i = 0; i < s.members.size(); ++i) {
    Member& m = s.members[i];
    m.index = static_cast<uint16_t>(i);
    for (int f = 0; f < 2; ++f) {
      if (!m.serves(f)) continue;
      s.has_family[f] = true;
      if (!m.enabled) continue;
      if (m.sorry) {
        s.sorry[f].push_back(&m);
        continue;
      }
      s.enabled[f].push_back(&m);
      if (healthy(m, f)) s.healthy[f].push_back(&m);
    }
  }
  // Each pool's view: the same lists, of its own members only.
  for (size_t p = 0; p < s.pools.size(); ++p) {
    Service& v = s.pools[p].view;
    for (int f = 0; f < 2; ++f) {
      v.healthy[f].clear();
      v.enabled[f].clear();
      v.sorry[f].clear();
      v.has_family[f] = false;
      v.saturated[f] = s.saturated[f];
    }
    for (const Member& m : s.members) {
      if (m.pool != static_cast<int>(p)) continue;
      for (int f = 0; f < 2; ++f) {
        if (!m.serves(f)) continue;
        v.has_family[f] = true;
        if (!m.enabled) continue;
        if (m.sorry) {
          v.sorry[f].push_back(&m);
          continue;
        }
        v.enabled[f].push_back(&m);
        if (healthy(m, f)) v.healthy[f].push_back(&m);
      }
    }
  }
}

}  // namespace gslb
