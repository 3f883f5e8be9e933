#include "server/dnstap/dnstap_capture.h"

#include <netinet/in.h>

#include <algorithm>
#include <cstring>

namespace gslb {
namespace {

void copy_address(const sockaddr_storage* ss, uint8_t* address, uint16_t& port, uint8_t& family) {
  if (ss == nullptr) return;
  if (ss->ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(ss);
    memcpy(address, &in->sin_addr, 4);
    port = ntohs(in->sin_port);
    family = 4;
  } else if (ss->ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(ss);
    memcpy(address, &in6->sin6_addr, 16);
    port = ntohs(in6->sin6_port);
    family = 6;
  }
}

// decision_json.cc names the candidate sets by these values.
static_assert(static_cast<int>(Decision::Candidates::kHealthy) == 0 &&
              static_cast<int>(Decision::Candidates::kFallbackAll) == 1 &&
              static_cast<int>(Decision::Candidates::kFallbackSorry) == 2 &&
              static_cast<int>(Decision::Candidates::kNone) == 3);

// Only what the writer prints is copied: names bounded by their caps, no pointer kept.
void copy_decision(const Decision& d, DnstapDecision& out) {
  out.present = d.service != nullptr;
  if (!out.present) return;
  const Service& s = *d.service;
  out.candidates = static_cast<uint8_t>(d.candidates);
  out.degraded = d.degraded;
  out.ttl = d.ttl;
  out.ecs_scope = d.ecs_scope;
  out.service_len = static_cast<uint8_t>(std::min<size_t>(s.name.size(), sizeof out.service));
  memcpy(out.service, s.name.data(), out.service_len);
  out.policy_len = static_cast<uint8_t>(std::min(s.policy_name.size(), DnstapDecision::kPolicyCap));
  memcpy(out.policy, s.policy_name.data(), out.policy_len);
  const size_t picks = std::min(d.pick_count, DnstapDecision::kMaxPicks);
  out.pick_count = static_cast<uint8_t>(picks);
  for (size_t i = 0; i < picks; ++i) {
    const Member& m = *d.picks[i];
    DnstapDecision::Pick& p = out.picks[i];
    p.tier = m.priority;
    p.name_len = static_cast<uint8_t>(std::min(m.name.size(), DnstapDecision::kNameCap));
    memcpy(p.name, m.name.data(), p.name_len);
  }
}

}  // namespace

void tap_exchange(DnstapProducer& producer, bool decisions, const TapExchange& x,
                  const Decision& decision) {
  DnstapRecord* r = producer.ring.claim();
  if (r == nullptr) {
    producer.count_drop();
    return;
  }
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);  // vDSO: no system call
  r->query_sec = static_cast<uint64_t>(x.received.tv_sec);
  r->query_nsec = static_cast<uint32_t>(x.received.tv_nsec);
  r->response_sec = static_cast<uint64_t>(now.tv_sec);
  r->response_nsec = static_cast<uint32_t>(now.tv_nsec);
  r->tcp = x.tcp;
  r->family = 4;
  copy_address(x.client, r->client_address, r->client_port, r->family);
  uint8_t server_family = r->family;
  copy_address(x.server, r->server_address, r->server_port, server_family);
  r->query_len = x.query_len <= DnstapRecord::kQueryCap ? static_cast<uint16_t>(x.query_len) : 0;
  memcpy(r->query, x.query, r->query_len);
  r->response_len =
      x.response_len <= DnstapRecord::kResponseCap ? static_cast<uint16_t>(x.response_len) : 0;
  memcpy(r->response, x.response, r->response_len);
  r->decision.present = false;
  if (decisions) copy_decision(decision, r->decision);
  producer.ring.publish();
}

}  // namespace gslb
