// Verdict: the health of one probe target as seen by this agent, from its probe results.
// Up after `rise` consecutive successes, down after `fall` consecutive failures (from no verdict
// as from the opposite one), RTT smoothed as an EWMA of successful probes, the load figure and
// detail of the last result kept. Pure: time comes in as an argument, nothing is read or written.
// Thread-compatible value type.
//
// Also here, the fail-static rules over all targets (agent_isolated, down_confirmed): an agent
// whose own connectivity broke must not mark every site down from one broken vantage point.
#pragma once

#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

namespace gslb {

struct ProbeResult;

enum class Health : uint8_t { kUnknown, kUp, kDown };
const char* health_name(Health h);  // "unknown", "up", "down"

struct VerdictParams {
  uint32_t rise = 2;  // 0 counts as 1
  uint32_t fall = 3;  // 0 counts as 1
};

class Verdict {
 public:
  static constexpr double kRttAlpha = 0.3;  // weight of the newest sample in the EWMA

  explicit Verdict(VerdictParams params = {}) : params_(params) {}

  // A changed check keeps the streaks; the new thresholds apply from the next result.
  void set_params(VerdictParams params) { params_ = params; }

  // Warm start: the verdict this agent last stored serves until fresh results arrive, and the
  // next results continue counting from it (one failure does not undo a stored "up").
  void seed(bool up, std::optional<uint32_t> rtt_us, std::optional<double> load,
            std::string detail);

  // Applies one result observed at `now_ms` (any monotonic millisecond clock); returns true
  // when the verdict changed (a first verdict counts as a change).
  bool record(const ProbeResult& result, int64_t now_ms);
  bool record(bool ok, uint32_t rtt_us, std::optional<double> load, std::string detail,
              int64_t now_ms);

  // Fail-static: goes back to `h` (the verdict last written) and forgets the current failure
  // streak, so results taken while the agent was cut off count for nothing.
  void restore(Health h);

  Health health() const { return health_; }
  // EWMA of successful RTTs, rounded; nullopt before the first success (or seed).
  std::optional<uint32_t> rtt_us() const;
  const std::optional<double>& load() const { return load_; }
  const std::string& detail() const { return detail_; }
  uint32_t successes() const { return successes_; }  // current streak
  uint32_t failures() const { return failures_; }    // current streak

  // The last result, if any (seeding is not a result).
  bool has_result() const { return has_result_; }
  bool last_ok() const { return last_ok_; }
  int64_t last_at_ms() const { return last_at_ms_; }
  // When the current failure streak began (its first failure); meaningful while failures() > 0.
  int64_t failing_since_ms() const { return failing_since_ms_; }

 private:
  VerdictParams params_;
  Health health_ = Health::kUnknown;
  uint32_t successes_ = 0, failures_ = 0;
  std::optional<double> rtt_ewma_;
  std::optional<double> load_;
  std::string detail_;
  bool has_result_ = false, last_ok_ = false;
  int64_t last_at_ms_ = 0, failing_since_ms_ = 0;
};

// --- fail-static ---

// The most recent result of one target, as agent_isolated sees it.
struct LastResult {
  bool seen = false;  // false: no result yet
  bool ok = false;
  int64_t at_ms = 0;
};

// The agent is isolated when at least 2 targets exist and every target's most recent result
// came within the last `window_ms` and failed. A target with no result inside the window (new,
// or not probed yet) keeps the agent from being called isolated: only evidence counts.
// `window_ms`: the longest interval between two results of one target (max interval, plus
// jitter and timeout).
// `last(t)` gives each element's LastResult, so the checker can pass its target table as it is:
// the walk stops at the first target that is not a fresh failure (the first one, normally).
template <class Range, class Project>
bool agent_isolated(const Range& targets, Project last, int64_t now_ms, int64_t window_ms) {
  if (std::size(targets) < 2) return false;
  for (const auto& t : targets) {
    const LastResult r = last(t);
    if (!r.seen || r.ok || now_ms - r.at_ms > window_ms) return false;
  }
  return true;
}
inline bool agent_isolated(const std::vector<LastResult>& targets, int64_t now_ms,
                           int64_t window_ms) {
  return agent_isolated(
      targets, [](const LastResult& r) { return r; }, now_ms, window_ms);
}

// Whether a target's new "down" verdict may be written yet. Failures that begin when the
// agent's connectivity breaks reach `fall` on some targets before every target has failed once
// (before agent_isolated can tell), so a down is held until the agent shows it can still reach
// something: a success of any target after this target's failure streak began. It is released
// anyway once `window_ms` has passed since the streak began (by then every target has had a
// result, and isolation, if that is what it is, has been seen), or at once when fewer than 2
// targets exist (no other vantage to compare with).
// `last_success_any_ms`: the newest success of any target (INT64_MIN when none).
bool down_confirmed(int64_t failing_since_ms, int64_t last_success_any_ms, int64_t now_ms,
                    int64_t window_ms, size_t target_count);

}  // namespace gslb
