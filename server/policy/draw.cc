// The weighted draw every policy ends in, and the persistence prefix.
//
// Contract of draw_weighted / draw_weighted_if:
//   keys: member weight; service persistence, persist_v4 (default /24), persist_v6 (default /56).
//   Picks min(want, eligible) distinct members, one after another: each pick is proportional to
//   weight among the eligible members not yet picked; members of weight 0 take part only once no
//   member of positive weight remains (then uniformly). With answers = 1 that means a weight-0
//   member is never drawn while a positive weight exists; with answers > 1 weight-0 members only
//   fill the tail of the answer.
//   Without persistence (or when the client's family is unknown) the draw is random, from `rng`.
//   With persistence it is a weighted rendezvous hash (Resch, "Weighted rendezvous hashing"):
//   every member scores weight / -ln(u), u in (0,1) a hash of (client subnet, member id), and
//   the highest scores win. A client keeps its member while that member stays a candidate, a
//   member's removal moves only its own clients, and shares follow weights.
//   Nothing eligible (count 0): returns 0; the caller's fallback decides.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "server/policy/policies.h"
#include "server/policy/policy.h"

namespace gslb {
namespace {

// Members are indexed by uint16_t, so there are never this many candidates; the clamp only
// makes "the 64-bit weight sum cannot wrap" (count * UINT32_MAX < 2^64) true by construction.
constexpr size_t kMaxCandidates = size_t{1} << 31;

// splitmix64's finalizer (Stafford's Mix13): a bijection with full avalanche.
uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Hash of the client's subnet: family, persistence prefix and the address masked to it, so
// every address of one /24 (v4 default) hashes alike.
uint64_t subnet_hash(const Service& service, const Client& client) {
  const uint8_t bits = persistence_prefix(service, client);
  uint8_t masked[16] = {};
  const size_t full_bytes = bits / 8;
  std::memcpy(masked, client.address, full_bytes);
  if (bits % 8 != 0)
    masked[full_bytes] = client.address[full_bytes] & static_cast<uint8_t>(0xFF00 >> (bits % 8));
  uint64_t hi = 0, lo = 0;
  std::memcpy(&hi, masked, 8);
  std::memcpy(&lo, masked + 8, 8);
  uint64_t h = mix64(0x6A09E667F3BCC909ull ^ (uint64_t{client.family} << 8) ^ bits);
  h = mix64(h ^ hi);
  return mix64(h ^ lo);
}

// A member's rendezvous key for one client: members of positive weight rank above every member
// of weight 0; within each class the larger score wins, ties to the lower member id.
struct HashKey {
  bool positive = false;
  double score = 0;
  int64_t id = 0;

  bool beats(const HashKey& o) const {
    if (positive != o.positive) return positive;
    if (score != o.score) return score > o.score;
    return id < o.id;
  }
};

HashKey hash_key(uint64_t client_hash, const Member& m) {
  const uint64_t h =
      mix64(client_hash ^ mix64(static_cast<uint64_t>(m.id) ^ 0xBB67AE8584CAA73Bull));
  const double u = (static_cast<double>(h >> 11) + 0.5) * 0x1p-53;  // in (0, 1), never 0 or 1
  const double weight = m.weight > 0 ? static_cast<double>(m.weight) : 1.0;
  return HashKey{m.weight > 0, weight / -std::log(u), m.id};
}

size_t draw_random(const Member* const* candidates, size_t count, Rng& rng, const Member** out,
                   size_t want, const MemberFilter& take) {
  uint64_t total = 0;  // see kMaxCandidates: cannot wrap
  size_t positive = 0, zero = 0;
  for (size_t i = 0; i < count; ++i) {
    const Member& m = *candidates[i];
    if (!take(m)) continue;
    if (m.weight > 0) {
      total += m.weight;
      ++positive;
    } else {
      ++zero;
    }
  }
  const size_t n = std::min(want, positive + zero);
  TakenPositions taken(count, out);
  for (size_t got = 0; got < n; ++got) {
    const bool by_weight = positive > 0;
    uint64_t r = rng.below(by_weight ? total : zero);
    size_t pos = count;
    for (size_t i = 0; i < count; ++i) {
      const Member& m = *candidates[i];
      if ((m.weight > 0) != by_weight || !take(m) || taken.contains(i, &m)) continue;
      const uint64_t w = by_weight ? m.weight : 1;
      if (r < w) {
        pos = i;
        break;
      }
      r -= w;
    }
    // The totals above count exactly the members the scan visits, so it always lands.
    if (pos == count) return got;
    out[got] = candidates[pos];
    taken.add(pos);
    if (by_weight) {
      total -= candidates[pos]->weight;
      --positive;
    } else {
      --zero;
    }
  }
  return n;
}

size_t draw_hashed(const Service& service, const Member* const* candidates, size_t count,
                   const Client& client, const Member** out, size_t want,
                   const MemberFilter& take) {
  const uint64_t client_hash = subnet_hash(service, client);
  TakenPositions taken(count, out);
  size_t got = 0;
  for (; got < want; ++got) {
    size_t best = count;
    HashKey best_key;
    for (size_t i = 0; i < count; ++i) {
      const Member& m = *candidates[i];
      if (!take(m) || taken.contains(i, &m)) continue;
      const HashKey key = hash_key(client_hash, m);
      if (best == count || key.beats(best_key)) {
        best = i;
        best_key = key;
      }
    }
    if (best == count) break;  // no eligible member left
    out[got] = candidates[best];
    taken.add(best);
  }
  return got;
}

}  // namespace

uint8_t persistence_prefix(const Service& service, const Client& client) {
  switch (client.family) {
    case 4:
      return std::min<uint8_t>({service.persist_v4, client.prefix, uint8_t{32}});
    case 6:
      return std::min<uint8_t>({service.persist_v6, client.prefix, uint8_t{128}});
    default:
      return 0;
  }
}

size_t draw_weighted_if(const Service& service, const Member* const* candidates, size_t count,
                        const Client& client, Rng& rng, const Member** out, size_t want,
                        MemberFilter take) {
  count = std::min(count, kMaxCandidates);
  if (count == 0 || want == 0) return 0;
  const bool known_family = client.family == 4 || client.family == 6;
  if (service.persistence && known_family) {
    return draw_hashed(service, candidates, count, client, out, want, take);
  }
  return draw_random(candidates, count, rng, out, want, take);
}

size_t draw_weighted(const Service& service, const Member* const* candidates, size_t count,
                     const Client& client, Rng& rng, const Member** out, size_t want) {
  return draw_weighted_if(service, candidates, count, client, rng, out, want, MemberFilter());
}

}  // namespace gslb
