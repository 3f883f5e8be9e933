#include "zones/snapshot_builder.h"

#include <algorithm>
#include <map>

namespace gslb {

class SnapshotBuilder {
 public:
  static Result<std::shared_ptr<const Snapshot>> build(const std::vector<ZoneData>& zones);

 private:
  static Result<std::unique_ptr<Zone>> build_zone(const ZoneData& data);
};

namespace {

std::string_view sv(const std::string& s) { return s; }

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

Result<std::unique_ptr<Zone>> SnapshotBuilder::build_zone(const ZoneData& data) {
  auto z = std::make_unique<Zone>();
  z->origin = lowercase_name(data.origin);
  z->labels = label_count(z->origin);
  const std::string zone_text = name_to_text(z->origin);

  // name -> type -> RRset, in load order of names for stable output.
  std::map<std::string, std::map<uint16_t, RRset>> sets;
  std::map<std::string, std::string> first_seen;  // name -> where, for messages
  for (const Record& r : data.records) {
    std::string owner = lowercase_name(r.owner);
    if (!name_is_at_or_below(owner, z->origin))
      return make_error(r.where + ": " + name_to_text(owner) + " is outside zone " + zone_text);
    std::string rdata = r.rdata;
    for (size_t off : rdata_name_offsets(r.type, rdata)) {
      if (off >= rdata.size()) return make_error(r.where + ": truncated rdata");
      lowercase_name(reinterpret_cast<uint8_t*>(rdata.data()) + off, rdata.size() - off);
    }
    if (r.type == rrtype::SOA && owner != z->origin)
      return make_error(r.where + ": SOA record at " + name_to_text(owner) +
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
      return make_error(r.where + ": second SOA record in zone " + zone_text);
    if (r.type == rrtype::CNAME && set.rdatas.size() > 1)
      return make_error(r.where + ": second CNAME record at " + name_to_text(owner));
  }

  auto apex_it = sets.find(z->origin);
  if (apex_it == sets.end() || !apex_it->second.count(rrtype::SOA))
    return make_error(data.source + ": zone " + zone_text + " has no SOA record at its apex");
  if (!apex_it->second.count(rrtype::NS))
    return make_error(data.source + ": zone " + zone_text + " has no NS records at its apex");

  for (auto& [name, types] : sets) {
    if (types.count(rrtype::CNAME) && types.size() > 1)
      return make_error(first_seen[name] + ": " + name_to_text(name) +
                        " has a CNAME and other data (RFC 1034 s3.6.2)");
    if (types.count(rrtype::CNAME) && name == z->origin)
      return make_error(first_seen[name] + ": CNAME at the zone apex " + zone_text);
  }

  // Nodes, including empty non-terminals between each owner and the apex (RFC 4592 s2.2.2).
  for (auto& [name, types] : sets) {
    auto node = std::make_unique<Node>();
    node->name = name;
    for (auto& [type, set] : types) node->rrsets.push_back(std::move(set));
    // SOA first at the apex keeps minimal ANY answers predictable.
    std::stable_sort(node->rrsets.begin(), node->rrsets.end(),
                     [](const RRset& a, const RRset& b) {
                       return (a.type == rrtype::SOA) > (b.type == rrtype::SOA);
                     });
    z->nodes.emplace(sv(node->name), std::move(node));
  }
  std::vector<std::string> names;
  for (auto& [name, _] : sets) names.push_back(name);
  for (const std::string& name : names) {
    std::string p = name;
    while (p != z->origin) {
      p = parent_of(p);
      if (z->nodes.find(sv(p)) != z->nodes.end()) continue;
      auto node = std::make_unique<Node>();
      node->name = p;
      z->nodes.emplace(sv(node->name), std::move(node));
    }
  }

  z->apex = z->find(z->origin);
  z->soa = z->apex->find(rrtype::SOA);
  z->negative_ttl = std::min(z->soa->ttl, read_u32(z->soa->rdatas[0], z->soa->rdatas[0].size() - 4));
  z->negative_soa = *z->soa;
  z->negative_soa.ttl = z->negative_ttl;

  // Zone cuts: the topmost NS-holding ancestor (not the apex) of each node.
  for (auto& [key, node] : z->nodes) {
    node->is_cut = node.get() != z->apex && node->find(rrtype::NS) != nullptr;
  }
  for (auto& [key, node] : z->nodes) {
    const Node* cut = nullptr;
    std::string p = node->name;
    while (true) {
      const Node* n = z->find(p);
      if (n != nullptr && n->is_cut) cut = n;
      if (p == z->origin) break;
      p = parent_of(p);
    }
    node->cut = cut;
  }

  // Additional section targets: glue for referrals, in-zone addresses for NS/MX/SRV.
  for (auto& [key, node] : z->nodes) {
    for (RRset& set : node->rrsets) {
      if (set.type != rrtype::NS && set.type != rrtype::MX && set.type != rrtype::SRV) continue;
      bool referral = set.type == rrtype::NS && node->is_cut;
      for (const std::string& rd : set.rdatas) {
        std::string target = name_at(rd, rdata_name_offsets(set.type, rd)[0]);
        const Node* t = z->find(target);
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
  return z;
}

Result<std::shared_ptr<const Snapshot>> SnapshotBuilder::build(const std::vector<ZoneData>& zones) {
  auto snap = std::make_shared<Snapshot>();
  for (const ZoneData& data : zones) {
    auto z = build_zone(data);
    if (!z) return Error{z.error()};
    if (snap->by_origin_.count(sv((*z)->origin)))
      return make_error(data.source + ": zone " + name_to_text((*z)->origin) +
                        " is loaded twice");
    snap->zones_.push_back(std::move(*z));
    const Zone* zp = snap->zones_.back().get();
    snap->by_origin_.emplace(sv(zp->origin), zp);
  }
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

Result<std::shared_ptr<const Snapshot>> build_snapshot(const std::vector<ZoneData>& zones) {
  return SnapshotBuilder::build(zones);
}

}  // namespace gslb
