// Fuzz target: any packet through QueryEngine::answer over UDP and TCP (parse, lookup, policy,
// render), against a small zone with every answer shape (referral, CNAME chain, wildcard, empty
// non-terminal, truncation of large TXT and of name-bearing RRsets) and GSLB services of every
// policy, with members up, down and drained, persistence and the sorry fallback.
// Any response must be accepted by ldns (the independent parser), be a response (QR=1) with the
// request's ID, echo the question it parsed, and fit its transport's limit; otherwise abort()
// so the driver reports it.
// Output buffers are reused across inputs, as a worker reuses its own.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "server/policy/policy.h"
#include "server/query_engine.h"
#include "server/wire/query.h"
#include "zones/model/service_table_builder.h"
#include "zones/model/snapshot_builder.h"
#include "zones/zonefile/ldns_record.h"

// Last: ldns/common.h defines bool/false macros that break C++ headers included after it.
#include <ldns/ldns.h>

namespace {

gslb::Record record(const char* text) {
  ldns_rr* rr = nullptr;
  if (ldns_rr_new_frm_str(&rr, text, 3600, nullptr, nullptr) != LDNS_STATUS_OK) {
    fprintf(stderr, "fuzz_query: bad record %s\n", text);
    abort();
  }
  gslb::Record r = gslb::record_from_ldns(rr, "fuzz");
  ldns_rr_free(rr);
  return r;
}

// One service per policy, three members each (IPv4 and IPv6), one of them down by its only
// agent's observation and one drained; the priority service falls back to a sorry member.
gslb::ServiceTable services() {
  gslb::ConfigRows rows;
  gslb::HealthRows health;
  int64_t member_id = 0, service_id = 0;
  for (gslb::PolicyType const* type : gslb::policy_types()) {
    if (std::string(type->name) == "rtt") continue;  // needs client regions; covered by its tests
    gslb::ServiceRow s;
    s.id = ++service_id;
    s.name = std::string(type->name) + ".gslb.example.test.";
    s.policy = type->name;
    s.answers = service_id % 2 ? 1 : 2;
    s.persistence = service_id % 3 == 0;
    s.fallback = std::string(type->name) == "priority" ? "sorry" : "all";
    rows.services.push_back(s);
    const char* addresses[] = {"192.0.2.1", "2001:db8::2", "192.0.2.3", "2001:db8::4"};
    for (int i = 0; i < 4; ++i) {
      gslb::MemberRow m;
      m.id = ++member_id;
      m.service_id = s.id;
      m.name = "m" + std::to_string(i);
      m.address = addresses[i];
      m.weight = 1 + i;
      m.priority = 1 + i / 2;
      m.sorry = i == 3;
      if (i == 2) m.drained_at_ms = 1;
      rows.members.push_back(m);
      if (i == 0) health.observations.push_back({"local", m.id, false, 100, 0.5, 1, "down"});
    }
  }
  auto table = gslb::services_from_rows(rows, health, 2);
  if (!table) {
    fprintf(stderr, "fuzz_query: %s\n", table.error().c_str());
    abort();
  }
  return std::move(*table);
}

std::shared_ptr<const gslb::Snapshot> make_snapshot() {
  gslb::ZoneData z;
  z.origin = std::string(
      "\x07"
      "example\x04test\x00",
      14);
  z.source = "fuzz";
  const std::vector<std::string> lines = {
      "example.test. 3600 IN SOA ns1.example.test. hostmaster.example.test. 1 7200 3600 1209600 "
      "300",
      "example.test. IN NS ns1.example.test.",
      "example.test. IN NS ns2.example.net.",
      "example.test. IN MX 10 mail.example.test.",
      "ns1.example.test. IN A 192.0.2.53",
      "www.example.test. IN A 192.0.2.1",
      "www.example.test. IN AAAA 2001:db8::1",
      "mail.example.test. IN A 192.0.2.25",
      "alias.example.test. IN CNAME chain.example.test.",
      "chain.example.test. IN CNAME www.example.test.",
      "loop.example.test. IN CNAME loop.example.test.",
      "away.example.test. IN CNAME www.example.net.",
      "*.wild.example.test. IN A 192.0.2.99",
      "x.y.wild.example.test. IN TXT \"ent\"",
      "deleg.example.test. IN NS ns.deleg.example.test.",
      "deleg.example.test. IN DS 12345 13 2 "
      "3490a6806d47f17a34c29e2ce80e8a999ffbe4bee0d3cc51a8b02b30e7f8e8ac",
      "ns.deleg.example.test. IN A 192.0.2.200",
      "srv.example.test. IN SRV 0 5 443 www.example.test.",
      "opaque.example.test. IN TYPE65280 \\# 2 abcd",
  };
  for (const std::string& l : lines) z.records.push_back(record(l.c_str()));
  // Distinct two-label MX targets (nothing to compress): truncation falls inside names.
  for (int i = 10; i < 40; ++i)
    z.records.push_back(
        record(("mx.example.test. IN MX 10 m" + std::to_string(i) + ".t" + std::to_string(i) + ".")
                   .c_str()));
  for (char c = 'a'; c <= 'l'; ++c)
    z.records.push_back(
        record(("big.example.test. IN TXT \"" + std::string(200, c) + "\"").c_str()));
  auto snap = gslb::build_snapshot({z}, services());
  if (!snap) {
    fprintf(stderr, "fuzz_query: %s\n", snap.error().c_str());
    abort();
  }
  return *snap;
}

void check(const uint8_t* request, size_t length, const uint8_t* out, size_t n, size_t limit,
           const char* transport) {
  if (n == 0) return;
  if (n > limit || n < 12) {
    fprintf(stderr, "fuzz_query: %s response of %zu octets, limit %zu\n", transport, n, limit);
    abort();
  }
  if ((out[2] & 0x80) == 0) {
    fprintf(stderr, "fuzz_query: %s response without QR\n", transport);
    abort();
  }
  if (length >= 2 && (out[0] != request[0] || out[1] != request[1])) {
    fprintf(stderr, "fuzz_query: %s response with another ID\n", transport);
    abort();
  }
  ldns_pkt* pkt = nullptr;
  ldns_status s = ldns_wire2pkt(&pkt, out, n);
  if (s != LDNS_STATUS_OK) {
    fprintf(stderr, "fuzz_query: ldns rejects the %s response: %s\n", transport,
            ldns_get_errorstr_by_id(s));
    abort();
  }
  ldns_pkt_free(pkt);
  // The question it answered is the one it parsed (the name lowercased), echoed as asked.
  gslb::Query q;
  if (gslb::parse_query(request, length, q) == gslb::ParseOutcome::kOk && q.has_question) {
    const size_t qlen = q.question_end - 12;
    if ((out[4] << 8 | out[5]) != 1 || n < 12 + qlen || memcmp(out + 12, request + 12, qlen) != 0) {
      fprintf(stderr, "fuzz_query: %s response does not echo the question\n", transport);
      abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::shared_ptr<const gslb::Snapshot> snap = make_snapshot();
  static const gslb::EngineConfig config{"fuzz-nsid", "fuzz.example", 1232};
  static gslb::QueryEngine engine(config);
  static std::vector<uint8_t> udp(1232), tcp(65535);

  size_t n = engine.answer(*snap, gslb::Transport::kUdp, data, size, udp.data(), udp.size());
  check(data, size, udp.data(), n, udp.size(), "UDP");
  n = engine.answer(*snap, gslb::Transport::kTcp, data, size, tcp.data(), tcp.size());
  check(data, size, tcp.data(), n, tcp.size(), "TCP");
  return 0;
}
