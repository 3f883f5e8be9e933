#include "zones/model/snapshot.h"

#include <atomic>
#include <cstring>

namespace gslb {
namespace {

constexpr int kMaxCnameHops = 8;

std::string_view view(const uint8_t* p, size_t n) {
  return {reinterpret_cast<const char*>(p), n};
}

// Label offsets of a valid wire name; returns the number of labels (root excluded).
// offsets must hold kMaxLabels + 1 entries.
uint8_t index_labels(const uint8_t* wire, uint8_t* offsets) {
  uint8_t n = 0;
  size_t i = 0;
  while (wire[i] != 0) {
    offsets[n++] = static_cast<uint8_t>(i);
    i += wire[i] + 1;
  }
  offsets[n] = static_cast<uint8_t>(i);
  return n;
}

std::atomic<uint64_t> next_serial{1};

}  // namespace

Snapshot::Snapshot(std::shared_ptr<const ZoneSet> zones,
                   std::shared_ptr<const ServiceTable> services)
    : zones_(std::move(zones)),
      services_(services ? std::move(services) : std::make_shared<const ServiceTable>()),
      serial_(next_serial.fetch_add(1)) {}

const Zone* Snapshot::find_zone(const QName& q, uint16_t qtype) const {
  for (size_t i = 0; i <= q.labels; ++i) {
    size_t off = q.label_offsets[i];
    auto it = zones_->by_origin.find(view(q.wire + off, q.length - off));
    if (it == zones_->by_origin.end()) continue;
    if (i == 0 && qtype == rrtype::DS) {
      for (size_t j = 1; j <= q.labels; ++j) {
        size_t poff = q.label_offsets[j];
        auto parent = zones_->by_origin.find(view(q.wire + poff, q.length - poff));
        if (parent != zones_->by_origin.end()) return parent->second;
      }
    }
    return it->second;
  }
  return nullptr;
}

void Snapshot::add_negative(const Zone& z, Answer& out) const {
  out.add(Section::kAuthority, reinterpret_cast<const uint8_t*>(z.origin.data()), &z.negative_soa);
}

void Snapshot::add_referral(const Zone& z, const Node& cut, Answer& out) const {
  (void)z;
  const RRset* ns = cut.find(rrtype::NS);
  out.add(Section::kAuthority, reinterpret_cast<const uint8_t*>(cut.name.data()), ns);
  // RFC 9471: in-domain glue is required; a referral without it must be truncated.
  for (const RRset::Additional& a : ns->additional)
    out.add(Section::kAdditional, reinterpret_cast<const uint8_t*>(a.node->name.data()), a.rrset,
            true);
  // RFC 1034 s4.3.1: referrals are not authoritative, unless an answer was already given
  // (a CNAME chased into a delegation).
  bool has_answer = false;
  for (size_t i = 0; i < out.count; ++i) has_answer |= out.entries[i].section == Section::kAnswer;
  out.authoritative = has_answer;
}

void Snapshot::add_additional(const RRset& set, Answer& out) const {
  for (const RRset::Additional& a : set.additional)
    out.add(Section::kAdditional, reinterpret_cast<const uint8_t*>(a.node->name.data()), a.rrset,
            false);
}

void Snapshot::answer_at_node(const Zone& z, const Node& n, const uint8_t* owner, uint16_t qtype,
                              bool full_any, Answer& out) const {
  if (qtype == rrtype::ANY) {
    if (n.rrsets.empty()) return add_negative(z, out);
    for (const RRset& s : n.rrsets) {
      out.add(Section::kAnswer, owner, &s);
      if (!full_any) break;  // RFC 8482 s4.2: one RRset is a complete answer
    }
    return;
  }
  if (const RRset* s = n.find(qtype)) {
    out.add(Section::kAnswer, owner, s);
    add_additional(*s, out);
    return;
  }
  add_negative(z, out);  // NODATA: the name exists, the type does not (RFC 2308 s2.2)
}

void Snapshot::lookup(const QName& q, uint16_t qtype, bool full_any, Answer& out) const {
  out.clear();
  const Zone* z = find_zone(q, qtype);
  if (z == nullptr) {
    out.rcode = static_cast<uint8_t>(Rcode::kRefused);  // not ours: no referral to the root
    return;
  }
  out.zone = z;
  out.authoritative = true;

  // The name being resolved: first the query name, then CNAME targets inside this zone.
  const uint8_t* name = q.wire;
  size_t name_len = q.length;
  uint8_t offsets_buf[kMaxLabels + 1];
  const uint8_t* offsets = q.label_offsets;
  uint8_t labels = q.labels;
  const uint8_t* owner = nullptr;  // nullptr: the query name as asked

  for (int hop = 0;; ++hop) {
    const Node* n = z->find(view(name, name_len));
    const Node* wildcard = nullptr;
    if (n == nullptr) {
      // Closest encloser: the nearest existing ancestor. The apex always exists.
      const Node* ce = nullptr;
      for (unsigned i = 1; i + z->labels < labels && ce == nullptr; ++i)
        ce = z->find(view(name + offsets[i], name_len - offsets[i]));
      if (ce == nullptr) ce = z->apex;
      if (ce->cut != nullptr) return add_referral(*z, *ce->cut, out);
      // RFC 4592 s3.3.1: the source of synthesis is "*." + closest encloser.
      uint8_t wc[kMaxNameLength + 2];
      if (z->has_wildcards && ce->name.size() + 2 <= kMaxNameLength) {
        wc[0] = 1;
        wc[1] = '*';
        memcpy(wc + 2, ce->name.data(), ce->name.size());
        wildcard = z->find(view(wc, ce->name.size() + 2));
      }
      if (wildcard == nullptr) {
        out.rcode = static_cast<uint8_t>(Rcode::kNxDomain);  // RFC 6604: rcode of the last name
        return add_negative(*z, out);
      }
      n = wildcard;
    } else if (n->cut != nullptr && !(qtype == rrtype::DS && n->cut == n)) {
      // DS at a cut belongs to the parent side (RFC 4035 s3.1.4.1), everything else is referred.
      return add_referral(*z, *n->cut, out);
    }

    if (n->service >= 0) {
      const Service& svc = (*services_)[static_cast<size_t>(n->service)];
      uint16_t want = qtype;
      if (qtype == rrtype::ANY) want = svc.has_family[0] ? rrtype::A : rrtype::AAAA;
      if (want == rrtype::A || want == rrtype::AAAA) {
        // The engine runs the policy; a family without members becomes NODATA there.
        out.service = &svc;
        out.service_qtype = want;
        out.add(Section::kAnswer, owner, nullptr);
        return;
      }
    }
    const RRset* cname = n->find(rrtype::CNAME);
    if (cname == nullptr || qtype == rrtype::CNAME || qtype == rrtype::ANY)
      return answer_at_node(*z, *n, owner, qtype, full_any, out);

    out.add(Section::kAnswer, owner, cname);
    // Follow the CNAME while it stays inside this zone (RFC 1034 s4.3.2 step 3a).
    const auto* target = reinterpret_cast<const uint8_t*>(cname->rdatas[0].data());
    size_t target_len = cname->rdatas[0].size();
    if (hop + 1 >= kMaxCnameHops || !name_is_at_or_below(view(target, target_len), z->origin))
      return;
    // A loop within the chain would re-add the same RRset; stop at the first repeat.
    for (size_t i = 0; i + 1 < out.count; ++i)
      if (out.entries[i].rrset == cname) {
        --out.count;
        return;
      }
    name = target;
    name_len = target_len;
    labels = index_labels(target, offsets_buf);
    offsets = offsets_buf;
    owner = target;
  }
}

}  // namespace gslb
