// Snapshot: the immutable, fully indexed view of every zone gslbd serves. Built off the hot path
// by SnapshotBuilder, then only read: any number of threads may call lookup() concurrently
// without locks. lookup() allocates nothing and never throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "zones/dns/dname.h"
#include "zones/dns/dns_constants.h"
#include "zones/model/service.h"

namespace gslb {

struct Node;

// One RRset: all records of one type at one owner. Rdata is stored uncompressed in wire form;
// the renderer compresses the embedded names of the RFC 1035 types (RFC 3597 s4).
struct RRset {
  uint16_t type = 0;
  uint32_t ttl = 0;
  std::vector<std::string> rdatas;
  // In-zone address RRsets for NS/MX/SRV targets (glue and additional section processing),
  // resolved once at build time so the hot path only follows pointers.
  struct Additional {
    const Node* node;
    const RRset* rrset;
  };
  std::vector<Additional> additional;
};

struct Node {
  std::string name;  // lowercase wire form, the key
  std::vector<RRset> rrsets;
  const Node* cut = nullptr;  // delegation point at or above this node (never the apex)
  bool is_cut = false;        // this node holds NS and is not the apex
  int32_t service = -1;       // index in the Snapshot's service table: a GSLB name
  const RRset* find(uint16_t type) const {
    for (const RRset& s : rrsets)
      if (s.type == type) return &s;
    return nullptr;
  }
};

struct Zone {
  std::string origin;  // lowercase wire form
  const Node* apex = nullptr;
  const RRset* soa = nullptr;
  uint32_t negative_ttl = 0;  // RFC 2308 s5: min(SOA TTL, SOA MINIMUM)
  RRset negative_soa;         // the SOA with negative_ttl, for the authority of negative answers
  unsigned labels = 0;
  bool has_wildcards = false;  // lets NXDOMAIN skip the wildcard probe in most zones
  std::unordered_map<std::string_view, std::unique_ptr<Node>, NameHash> nodes;
  const Node* find(std::string_view name) const {
    auto it = nodes.find(name);
    return it == nodes.end() ? nullptr : it->second.get();
  }
};

// What the lookup decided; the renderer only encodes it (plan, then render).
enum class Section : uint8_t { kAnswer, kAuthority, kAdditional };

struct AnswerEntry {
  Section section;
  bool required;         // must fit, else TC=1 (answer, authority, referral glue)
  const uint8_t* owner;  // wire name; nullptr means the query name as asked
  const RRset* rrset;    // nullptr: the addresses picked for Answer::service
};

struct Answer {
  static constexpr size_t kMaxEntries = 48;
  uint8_t rcode = 0;
  bool authoritative = false;
  AnswerEntry entries[kMaxEntries];
  size_t count = 0;
  const Zone* zone = nullptr;
  // A GSLB service answered at this point: the engine runs its policy and fills the picks.
  const Service* service = nullptr;
  uint16_t service_qtype = 0;  // A or AAAA
  static constexpr size_t kMaxPicks = 16;
  const Member* picks[kMaxPicks];
  size_t pick_count = 0;
  uint32_t pick_ttl = 0;
  void clear() {
    service = nullptr;
    pick_count = 0;
    rcode = 0;
    authoritative = false;
    overflow = false;
    count = 0;
    zone = nullptr;
  }
  bool overflow = false;  // a required entry did not fit in the plan: answer with TC=1
  bool add(Section s, const uint8_t* owner, const RRset* set, bool required = true) {
    if (count == kMaxEntries) {
      overflow |= required;
      return false;
    }
    entries[count++] = {s, required, owner, set};
    return true;
  }
};

// The lookup key: a lowercase wire name plus its label offsets.
struct QName {
  const uint8_t* wire;  // lowercase
  uint8_t length;
  uint8_t labels;                // not counting root
  const uint8_t* label_offsets;  // label_offsets[i] = start of the i-th label; size labels + 1
};

// The zones part of a Snapshot: rebuilt only when zones, records or services change, and shared
// by the Snapshots that only differ in health.
struct ZoneSet {
  std::vector<std::unique_ptr<Zone>> zones;
  std::unordered_map<std::string_view, const Zone*, NameHash> by_origin;
};

using ServiceTable = std::vector<Service>;

class Snapshot {
 public:
  Snapshot(std::shared_ptr<const ZoneSet> zones, std::shared_ptr<const ServiceTable> services);

  // Fills `out` with the answer for (qname, qtype) class IN. `full_any` answers ANY with every
  // RRset (TCP); otherwise ANY is answered minimally with one RRset (RFC 8482).
  void lookup(const QName& q, uint16_t qtype, bool full_any, Answer& out) const;

  // The zone of longest suffix; for DS at a zone's own apex, the parent zone when we serve it
  // (RFC 4035 s3.1.4.1: DS lives on the parent side of the cut).
  const Zone* find_zone(const QName& q, uint16_t qtype = 0) const;
  size_t zone_count() const { return zones_->zones.size(); }
  const std::vector<std::unique_ptr<Zone>>& zones() const { return zones_->zones; }
  const std::shared_ptr<const ZoneSet>& zone_set() const { return zones_; }
  const ServiceTable& services() const { return *services_; }
  // Unique per Snapshot object, increasing: lets workers notice a swap (per-worker state).
  uint64_t serial() const { return serial_; }

 private:
  void answer_at_node(const Zone& z, const Node& n, const uint8_t* owner, uint16_t qtype,
                      bool full_any, Answer& out) const;
  void add_negative(const Zone& z, Answer& out) const;
  void add_referral(const Zone& z, const Node& cut, Answer& out) const;
  void add_additional(const RRset& set, Answer& out) const;

  std::shared_ptr<const ZoneSet> zones_;
  std::shared_ptr<const ServiceTable> services_;
  uint64_t serial_;
};

}  // namespace gslb
