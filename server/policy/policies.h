// The built-in selection policies, one file each (weighted.cc, round_robin.cc, priority.cc,
// rtt.cc, least_load.cc), and the filtered draw they share. Internal to server/policy/: the rest
// of the server reaches policies through find_policy() (policy.h) and Service::policy.
// Every pick follows the PolicyFn contract of zones/model/service.h: picks up to `want`
// distinct members out of `candidates`, returns how many it wrote to `out`, and never
// allocates, locks or throws. Thread-safety: the only mutable state is the caller's per-worker
// PolicyState and Rng.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "server/policy/policy.h"

namespace gslb {

// The built-in picks, each in its own file beside its PolicyType (declared here for their
// tests; the registry reaches them through the PolicyType).
size_t pick_weighted(const Service& service, const Member* const* candidates, size_t count,
                     const Client& client, Rng& rng, PolicyState& state, const Member** out,
                     size_t want);
size_t pick_round_robin(const Service& service, const Member* const* candidates, size_t count,
                        const Client& client, Rng& rng, PolicyState& state, const Member** out,
                        size_t want);
size_t pick_priority(const Service& service, const Member* const* candidates, size_t count,
                     const Client& client, Rng& rng, PolicyState& state, const Member** out,
                     size_t want);
size_t pick_rtt(const Service& service, const Member* const* candidates, size_t count,
                const Client& client, Rng& rng, PolicyState& state, const Member** out,
                size_t want);
size_t pick_least_load(const Service& service, const Member* const* candidates, size_t count,
                       const Client& client, Rng& rng, PolicyState& state, const Member** out,
                       size_t want);

// A non-owning predicate over members: which candidates a draw may take. Holds a pointer to the
// callable, so the callable must outlive the MemberFilter (pass a named lambda, or a temporary
// within the same full expression). Default-constructed, it accepts every member.
class MemberFilter {
 public:
  MemberFilter() = default;
  template <class F>
  MemberFilter(const F& f)  // NOLINT(google-explicit-constructor): used like a lambda argument
      : ctx_(&f),
        fn_([](const void* ctx, const Member& m) { return (*static_cast<const F*>(ctx))(m); }) {}

  bool operator()(const Member& m) const { return fn_ == nullptr || fn_(ctx_, m); }

 private:
  const void* ctx_ = nullptr;
  bool (*fn_)(const void*, const Member&) = nullptr;
};

// draw_weighted (policy.h) restricted to the candidates `take` accepts: up to `want` distinct
// members among them, appended to `out`. Returns how many it wrote.
size_t draw_weighted_if(const Service& service, const Member* const* candidates, size_t count,
                        const Client& client, Rng& rng, const Member** out, size_t want,
                        MemberFilter take);

// Which candidate positions a pick has already taken, so want > 1 yields distinct members
// without allocating: a stack bitmap for the first kBitmapPositions positions, and a scan of the
// picks so far beyond that (candidate lists that long are not expected).
class TakenPositions {
 public:
  // `picks` is the caller's output array; add(pos) follows each write to it.
  TakenPositions(size_t count, const Member* const* picks) : picks_(picks) {
    std::fill_n(bits_, std::min(kWords, (count + 63) / 64), uint64_t{0});
  }
  // REQUIRES: pos < the count given to the constructor; m == candidates[pos].
  bool contains(size_t pos, const Member* m) const {
    if (pos < kBitmapPositions) return (bits_[pos / 64] >> (pos % 64)) & 1;
    return std::find(picks_, picks_ + picked_, m) != picks_ + picked_;
  }
  // REQUIRES: the picks array already holds the member at `pos` as its next entry.
  void add(size_t pos) {
    if (pos < kBitmapPositions) bits_[pos / 64] |= uint64_t{1} << (pos % 64);
    ++picked_;
  }

 private:
  static constexpr size_t kBitmapPositions = 1024;
  static constexpr size_t kWords = kBitmapPositions / 64;
  uint64_t bits_[kWords];
  const Member* const* picks_;
  size_t picked_ = 0;
};

}  // namespace gslb
