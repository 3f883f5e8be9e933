// ResponseRateLimiter: response rate limiting (RRL) as NSD, Knot and BIND ship it, off by
// default (--rrl). Responses are accounted per client network (/24 for IPv4, /56 for IPv6),
// response class (answer, NXDOMAIN, error) and name (see rrl_account_hash), in a fixed table of
// buckets shared by every UDP worker. Each bucket holds a credit that grows by `rate` a second up
// to `rate` and shrinks by one per response; below one the response is over the limit: every
// `slip`th such response is sent truncated (TC=1, no records) so a real resolver behind a spoofed
// address retries over TCP, the rest are dropped. The credit may fall to -(rate × (window − 1)), so
// a flood keeps its network limited for up to `window` seconds after it stops.
//
// account() allocates nothing and takes no lock: each bucket is one 64-bit word updated with
// compare-and-swap. Two keys in one bucket share it (the newer takes it over), as in Knot: a
// collision can only reset an account, never merge two into a larger allowance. TCP is never
// limited (a TCP client cannot spoof its address). Thread-safe.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include <sys/socket.h>

#include "zones/base/result.h"

namespace gslb {

struct RrlConfig {
  uint32_t rate = 0;    // responses a second per network and class; 0: off
  uint32_t slip = 2;    // every Nth over-limit response sent truncated; 0: none, 1: all
  uint32_t window = 1;  // seconds a flood stays accounted after it stops
};

// What to do with one response.
enum class RrlVerdict : uint8_t { kSend, kSlip, kDrop };
// The response classes accounted apart (a flood of NXDOMAIN does not limit answers).
enum class RrlClass : uint8_t { kAnswer, kNxdomain, kError };
inline constexpr size_t kRrlClasses = 3;

class ResponseRateLimiter {
 public:
  // Errors name the option ("--rrl: 1 to 100000 responses a second").
  static Result<std::unique_ptr<ResponseRateLimiter>> create(const RrlConfig& config);

  // `qname_hash` distinguishes names inside one network (any stable hash of the query name);
  // `now_s` a monotonic second count.
  RrlVerdict account(const sockaddr_storage& client, RrlClass cls, uint64_t qname_hash,
                     uint32_t now_s);

  // Over-limit responses dropped and slipped, by class (summed over workers for /metrics).
  uint64_t dropped(RrlClass c) const { return dropped_[static_cast<size_t>(c)].load(); }
  uint64_t slipped(RrlClass c) const { return slipped_[static_cast<size_t>(c)].load(); }
  const RrlConfig& config() const { return config_; }

 private:
  explicit ResponseRateLimiter(const RrlConfig& config);

  static constexpr size_t kBuckets = 1 << 16;
  RrlConfig config_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  // Over-limit responses only: during a flood they are the rare path next to the table update.
  std::atomic<uint64_t> dropped_[kRrlClasses] = {};
  std::atomic<uint64_t> slipped_[kRrlClasses] = {};
};

// The class of a rendered response, by its RCODE.
RrlClass rrl_class_of(const uint8_t* response);
// A stable hash of the response's question name, lowercased (0 when it has none).
uint64_t rrl_qname_hash(const uint8_t* response, size_t length);
// The name a response is accounted under, as BIND keys it: an answer by its question name, an
// NXDOMAIN by its zone (the authority SOA's owner) so random names share one account, an error
// by nothing but the client's network.
uint64_t rrl_account_hash(const uint8_t* response, size_t length);
// Cuts a rendered response down to its header and question with TC=1; returns the new length
// (0 when it cannot: then drop it).
size_t rrl_truncate(uint8_t* response, size_t length);

}  // namespace gslb
