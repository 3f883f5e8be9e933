// Policy "closest": the member nearest the client (great-circle distance from the client's
// location in the place MMDB to the member's "location"), near-equal members sharing; gdnsd's
// auto_dc_coords and PowerDNS's pickclosest answer this question.
//
// Contract:
//   keys: member location (latitude/longitude, radians in the snapshot), weight; service
//   answers, persistence, and this policy's own key distance_tolerance_km (default 100);
//   client location (has_location, from the document's "geoip" city or country file).
//   Band: every candidate at most nearest + distance_tolerance_km away shares the pick by
//   draw_weighted (weights and persistence apply); when want exceeds the band, the next band
//   fills the answer, and so on. Candidates without a location come last (by weight), and a
//   client of unknown location gets every candidate by weight, as the default rule would.
//   Nothing healthy: the caller passes the fallback set (or none); no candidates → returns 0.
#include <cmath>
#include <cstdint>

#include "server/policy/policies.h"

namespace gslb {
namespace {

const KeySpec kKeys[] = {
    {.name = "distance_tolerance_km",
     .type = KeyType::kInteger,
     .meaning = "members within this many kilometres of the nearest one share the answers",
     .fallback = int64_t{100},
     .min = 0,
     .max = 20040},
};

constexpr double kEarthRadiusKm = 6371.0;

double tolerance_km(const Service& service) {
  if (!service.policy_options.empty())
    return static_cast<double>(key_integer(service.policy_options[0]));
  return static_cast<double>(std::get<int64_t>(kKeys[0].fallback));
}

// Haversine: well-conditioned for the short distances that decide between sites.
double distance_km(const Client& c, const Member& m) {
  const double dlat = m.lat_rad - c.lat_rad, dlon = m.lon_rad - c.lon_rad;
  const double h =
      std::sin(dlat / 2) * std::sin(dlat / 2) +
      std::cos(c.lat_rad) * std::cos(m.lat_rad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusKm * std::asin(std::sqrt(std::fmin(1.0, h)));
}

// The smallest distance above `above` (< 0: any) among located candidates; < 0 when none.
double nearest(const Member* const* candidates, size_t count, const Client& client, double above) {
  double best = -1;
  for (size_t i = 0; i < count; ++i) {
    if (!candidates[i]->has_location) continue;
    const double d = distance_km(client, *candidates[i]);
    if (d > above && (best < 0 || d < best)) best = d;
  }
  return best;
}

}  // namespace

size_t pick_closest(const Service& service, const Member* const* candidates, size_t count,
                    const Client& client, Rng& rng, PolicyState& /*state*/, const Member** out,
                    size_t want) {
  if (count == 0 || want == 0) return 0;
  if (!client.has_location)
    return draw_weighted(service, candidates, count, client, rng, out, want);
  size_t got = 0;
  const double tolerance = tolerance_km(service);
  // Bands are disjoint distance ranges (floor, ceiling], so successive draws stay distinct.
  double floor = -1;
  for (double min = nearest(candidates, count, client, floor); min >= 0 && got < want;
       min = nearest(candidates, count, client, floor)) {
    const double ceiling = min + tolerance;
    auto in_band = [&](const Member& m) {
      if (!m.has_location) return false;
      const double d = distance_km(client, m);
      return d > floor && d <= ceiling;
    };
    got +=
        draw_weighted_if(service, candidates, count, client, rng, out + got, want - got, in_band);
    floor = ceiling;
  }
  if (got < want) {
    auto unlocated = [](const Member& m) { return !m.has_location; };
    got +=
        draw_weighted_if(service, candidates, count, client, rng, out + got, want - got, unlocated);
  }
  return got;
}

extern const PolicyType kClosestPolicy{
    .name = "closest",
    .summary = "the member nearest the client's location (geoip), near-equal distances sharing",
    .keys = kKeys,
    .client_input = ClientInput::kLocation,
    .pick = pick_closest,
};

}  // namespace gslb
