// Schedule: when each probe target is due. Every target is probed once per interval, each turn
// stretched or shrunk by a random jitter (default +-10 %) so targets added together drift apart
// instead of bursting at every interval. A batch of new targets (the first round after a start
// or a restart, or the targets a config change added) is spread over a window: the first round
// runs at once, not after one interval, and never as one burst. A target whose probe is still
// running when its turn comes is not started twice: the turn waits for the result.
// Time comes in as an argument (steady clock); randomness from a seed. Thread-compatible.
// Storage is a hash table of targets and a binary heap of turns with lazy deletion: at 10 000
// probes a second, tree nodes cost a cache miss per level on every take and finish.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <unordered_map>
#include <utility>
#include <vector>

namespace gslb {

class Schedule {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;
  using Duration = Clock::duration;

  struct NewTarget {
    uint64_t id = 0;
    std::chrono::milliseconds interval{1000};
  };

  // `jitter`: each turn lasts interval * (1 + u), u uniform in [-jitter, +jitter].
  explicit Schedule(uint64_t seed, double jitter = 0.1);

  // Adds targets (ids not yet present), the k-th of n due at now + window_k * k / n, where
  // window_k = min(interval_k, max_window): spread evenly, no two at the same instant, the
  // first at once. An id already present is left as it is.
  void add(const std::vector<NewTarget>& targets, TimePoint now, Duration max_window);
  // Forgets a target (running or not); its result, if one comes, must be ignored by the caller.
  void remove(uint64_t id);
  // A changed interval: a turn further away than one new interval is brought forward.
  void set_interval(uint64_t id, std::chrono::milliseconds interval, TimePoint now);

  // The targets due at `now` that are not running, in due order; marks them running and plans
  // their next turn one (jittered) interval after this one.
  std::vector<uint64_t> take_due(TimePoint now);
  // The probe of `id` finished: it may run again at its next turn (at once if that has passed).
  // False, and nothing changes, when `id` is unknown or was not running (a stale result).
  bool finished(uint64_t id, TimePoint now);

  // The earliest turn of a target that is not running; nullopt when none is waiting.
  std::optional<TimePoint> next_due();

  bool contains(uint64_t id) const { return entries_.count(id) != 0; }
  bool running(uint64_t id) const;
  // The planned turn of `id` (for tests); nullopt for an unknown id.
  std::optional<TimePoint> due(uint64_t id) const;
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::chrono::milliseconds interval{1000};
    TimePoint due{};
    bool running = false;
  };
  using Turn = std::pair<TimePoint, uint64_t>;  // (due, id)

  Duration jittered(std::chrono::milliseconds interval);
  void push(TimePoint due, uint64_t id);
  // Whether a turn in the heap is still the target's planned, waiting turn. Turns of removed or
  // running targets and turns since moved stay in the heap until they reach its top.
  bool current(const Turn& turn) const;
  void drop_stale_top();
  void pop_turn();

  std::unordered_map<uint64_t, Entry> entries_;
  std::vector<Turn> turns_;  // min-heap on (due, id); may hold stale turns (current() false)
  std::mt19937_64 rng_;
  double jitter_;
};

}  // namespace gslb
