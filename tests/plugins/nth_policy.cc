// Throwaway policy "nth" (a test plug-in, never built into gslbd): the candidate at position
// `nth` (modulo the candidates), then the ones after it. Deterministic, so a test can tell from
// one answer that this policy, with this key, made the pick. It is one file plus one line in
// tests/plugins/catalogue.cc, as every policy is.
#include "server/policy/policy.h"

namespace gslb {
namespace {

const KeySpec kKeys[] = {
    {.name = "nth",
     .type = KeyType::kInteger,
     .meaning = "the position among the healthy candidates to answer with",
     .fallback = int64_t{0},
     .min = 0,
     .max = 15},
};

size_t pick_nth(const Service& service, const Member* const* candidates, size_t count,
                const Client& /*client*/, Rng& /*rng*/, PolicyState& /*state*/, const Member** out,
                size_t want) {
  if (count == 0) return 0;
  const size_t nth = service.policy_options.empty()
                         ? 0
                         : static_cast<size_t>(key_integer(service.policy_options[0]));
  size_t got = 0;
  for (; got < want && got < count; ++got) out[got] = candidates[(nth + got) % count];
  return got;
}

}  // namespace

extern const PolicyType kNthPolicy{
    .name = "nth",
    .summary = "the nth healthy candidate (a test plug-in)",
    .keys = kKeys,
    .pick = pick_nth,
};

}  // namespace gslb
