#include "healthd/verdict.h"

#include <cmath>
#include <limits>

#include "healthd/probes/probe.h"

namespace gslb {

const char* health_name(Health h) {
  switch (h) {
    case Health::kUp:
      return "up";
    case Health::kDown:
      return "down";
    case Health::kUnknown:
      break;
  }
  return "unknown";
}

void Verdict::seed(bool up, std::optional<uint32_t> rtt_us, std::optional<double> load,
                   std::string detail) {
  health_ = up ? Health::kUp : Health::kDown;
  successes_ = failures_ = 0;
  if (rtt_us) rtt_ewma_ = static_cast<double>(*rtt_us);
  load_ = load;
  detail_ = std::move(detail);
}

bool Verdict::record(const ProbeResult& result, int64_t now_ms) {
  return record(result.ok, result.rtt_us, result.load, result.detail, now_ms);
}

bool Verdict::record(bool ok, uint32_t rtt_us, std::optional<double> load, std::string detail,
                     int64_t now_ms) {
  const Health before = health_;
  const uint32_t rise = params_.rise == 0 ? 1 : params_.rise;
  const uint32_t fall = params_.fall == 0 ? 1 : params_.fall;
  if (ok) {
    failures_ = 0;
    if (successes_ < std::numeric_limits<uint32_t>::max()) ++successes_;
    const double sample = static_cast<double>(rtt_us);
    rtt_ewma_ = rtt_ewma_ ? kRttAlpha * sample + (1 - kRttAlpha) * *rtt_ewma_ : sample;
    load_ = load;
    if (successes_ >= rise) health_ = Health::kUp;
  } else {
    if (failures_ == 0) failing_since_ms_ = now_ms;
    successes_ = 0;
    if (failures_ < std::numeric_limits<uint32_t>::max()) ++failures_;
    if (failures_ >= fall) health_ = Health::kDown;
  }
  detail_ = std::move(detail);
  has_result_ = true;
  last_ok_ = ok;
  last_at_ms_ = now_ms;
  return health_ != before;
}

void Verdict::restore(Health h) {
  health_ = h;
  failures_ = 0;
}

std::optional<uint32_t> Verdict::rtt_us() const {
  if (!rtt_ewma_) return std::nullopt;
  const double r = std::round(*rtt_ewma_);
  if (r >= static_cast<double>(std::numeric_limits<uint32_t>::max()))
    return std::numeric_limits<uint32_t>::max();
  return static_cast<uint32_t>(r < 0 ? 0 : r);
}

bool down_confirmed(int64_t failing_since_ms, int64_t last_success_any_ms, int64_t now_ms,
                    int64_t window_ms, size_t target_count) {
  if (target_count < 2) return true;
  if (last_success_any_ms > failing_since_ms) return true;
  return now_ms - failing_since_ms >= window_ms;
}

}  // namespace gslb
