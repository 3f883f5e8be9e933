#include "server/response_rate_limit.h"

#include <netinet/in.h>

#include <cstring>

namespace gslb {
namespace {

// One bucket: | keytag 16 | time 16 | slip count 8 | credit 24 (signed) |.
struct Bucket {
  uint16_t tag;
  uint16_t time;
  uint8_t slips;
  int32_t credit;
};

uint64_t pack(const Bucket& b) {
  return (uint64_t{b.tag} << 48) | (uint64_t{b.time} << 32) | (uint64_t{b.slips} << 24) |
         (static_cast<uint32_t>(b.credit) & 0xFFFFFFu);
}

Bucket unpack(uint64_t v) {
  Bucket b;
  b.tag = static_cast<uint16_t>(v >> 48);
  b.time = static_cast<uint16_t>(v >> 32);
  b.slips = static_cast<uint8_t>(v >> 24);
  int32_t c = static_cast<int32_t>(v & 0xFFFFFFu);
  if (c & 0x800000) c -= 0x1000000;  // sign-extend 24 bits
  b.credit = c;
  return b;
}

uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

// The client's network: /24 for IPv4, /56 for IPv6 (RFC 6177's smallest end-site prefix).
uint64_t network_of(const sockaddr_storage& client) {
  if (client.ss_family == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in&>(client);
    uint32_t ip;
    memcpy(&ip, &a.sin_addr, 4);
    return 0x400000000ull | (ntohl(ip) & 0xFFFFFF00u);
  }
  if (client.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(client);
    uint64_t hi = 0;
    for (int i = 0; i < 7; ++i) hi = (hi << 8) | a.sin6_addr.s6_addr[i];
    return mix(hi ^ 0x6000000000000000ull);
  }
  return 0;
}

}  // namespace

Result<std::unique_ptr<ResponseRateLimiter>> ResponseRateLimiter::create(const RrlConfig& c) {
  if (c.rate < 1 || c.rate > 100000)
    return make_error("--rrl: 1 to 100000 responses a second, not " + std::to_string(c.rate));
  if (c.slip > 100) return make_error("--rrl-slip: 0 to 100, not " + std::to_string(c.slip));
  if (c.window < 1 || c.window > 3600)
    return make_error("--rrl-window: 1 to 3600 seconds, not " + std::to_string(c.window));
  if (uint64_t{c.rate} * c.window > 8'000'000)
    return make_error("--rrl × --rrl-window: at most 8000000 responses of debt");
  return std::unique_ptr<ResponseRateLimiter>(new ResponseRateLimiter(c));
}

ResponseRateLimiter::ResponseRateLimiter(const RrlConfig& config)
    : config_(config), buckets_(new std::atomic<uint64_t>[kBuckets]) {
  for (size_t i = 0; i < kBuckets; ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

RrlVerdict ResponseRateLimiter::account(const sockaddr_storage& client, RrlClass cls,
                                        uint64_t qname_hash, uint32_t now_s) {
  const uint64_t key = mix(network_of(client) * 31 + static_cast<uint64_t>(cls) * 7 + qname_hash);
  std::atomic<uint64_t>& slot = buckets_[key & (kBuckets - 1)];
  const uint16_t tag = static_cast<uint16_t>((key >> 48) | 1);  // never 0: 0 is an empty bucket
  const uint16_t now = static_cast<uint16_t>(now_s);
  const int32_t rate = static_cast<int32_t>(config_.rate);
  const int32_t floor = -rate * static_cast<int32_t>(config_.window - 1);
  uint64_t old = slot.load(std::memory_order_relaxed);
  for (;;) {
    Bucket b = unpack(old);
    if (b.tag != tag) b = Bucket{tag, now, 0, rate};  // a new account (or a collision's)
    const uint16_t elapsed = static_cast<uint16_t>(now - b.time);
    if (elapsed > 0) {
      const int64_t refilled = int64_t{b.credit} + int64_t{elapsed} * rate;
      b.credit = static_cast<int32_t>(refilled > rate ? rate : refilled);
      b.time = now;
    }
    RrlVerdict verdict = RrlVerdict::kSend;
    if (b.credit >= 1) {
      --b.credit;
    } else {
      if (b.credit > floor) --b.credit;
      verdict = RrlVerdict::kDrop;
      if (config_.slip != 0 && ++b.slips >= config_.slip) {
        verdict = RrlVerdict::kSlip;
        b.slips = 0;
      }
    }
    if (slot.compare_exchange_weak(old, pack(b), std::memory_order_relaxed)) {
      if (verdict == RrlVerdict::kDrop)
        dropped_[static_cast<size_t>(cls)].fetch_add(1, std::memory_order_relaxed);
      if (verdict == RrlVerdict::kSlip)
        slipped_[static_cast<size_t>(cls)].fetch_add(1, std::memory_order_relaxed);
      return verdict;
    }
  }
}

RrlClass rrl_class_of(const uint8_t* response) {
  switch (response[3] & 0x0F) {
    case 0:
      return RrlClass::kAnswer;
    case 3:
      return RrlClass::kNxdomain;
    default:
      return RrlClass::kError;
  }
}

namespace {

// The end of the question name starting at offset 12, or 0.
size_t question_name_end(const uint8_t* p, size_t length) {
  if (length < 12 || (p[4] == 0 && p[5] == 0)) return 0;
  size_t pos = 12;
  while (pos < length) {
    const uint8_t n = p[pos];
    if (n == 0) return pos + 1;
    if (n > 63) return 0;  // our own responses never compress the question
    pos += 1 + n;
  }
  return 0;
}

// FNV-1a over the name at `pos`, lowercased, following compression pointers (bounded: a
// pointer must point backwards). 0 when the name is malformed.
uint64_t name_hash(const uint8_t* p, size_t length, size_t pos) {
  uint64_t h = 1469598103934665603ull;
  for (int hops = 0; pos < length;) {
    const uint8_t n = p[pos];
    if (n == 0) return h;
    if ((n & 0xC0) == 0xC0) {
      if (pos + 1 >= length || ++hops > 16) return 0;
      const size_t target = (size_t{n & 0x3Fu} << 8) | p[pos + 1];
      if (target >= pos) return 0;
      pos = target;
      continue;
    }
    if (n > 63 || pos + 1 + n > length) return 0;
    for (size_t i = pos; i <= pos + n; ++i) {
      uint8_t c = p[i];
      if (c >= 'A' && c <= 'Z') c += 32;  // a length octet is at most 63
      h = (h ^ c) * 1099511628211ull;
    }
    pos += 1 + n;
  }
  return 0;
}

uint16_t u16(const uint8_t* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}

}  // namespace

uint64_t rrl_qname_hash(const uint8_t* response, size_t length) {
  const size_t end = question_name_end(response, length);
  return end ? name_hash(response, length, 12) : 0;
}

uint64_t rrl_account_hash(const uint8_t* response, size_t length) {
  switch (rrl_class_of(response)) {
    case RrlClass::kAnswer:
      return rrl_qname_hash(response, length);
    case RrlClass::kError:
      return 0;
    case RrlClass::kNxdomain:
      break;
  }
  // Every NXDOMAIN of a zone is one account, keyed by the SOA owner in the authority section:
  // keyed by the query name, a flood of random names would find a fresh bucket each time.
  const size_t end = question_name_end(response, length);
  if (end == 0 || end + 4 > length || u16(response + 6) != 0 || u16(response + 8) == 0) return 0;
  return name_hash(response, length, end + 4);
}

size_t rrl_truncate(uint8_t* response, size_t length) {
  const size_t end = question_name_end(response, length);
  if (end == 0 || end + 4 > length) {
    if (length < 12) return 0;
    response[2] |= 0x02;
    memset(response + 4, 0, 8);
    return 12;
  }
  response[2] |= 0x02;         // TC
  memset(response + 6, 0, 6);  // ANCOUNT, NSCOUNT, ARCOUNT
  return end + 4;
}

}  // namespace gslb
