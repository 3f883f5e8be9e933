#include "healthd/schedule.h"

#include <algorithm>
#include <functional>
#include <set>
#include <tuple>

namespace gslb {

Schedule::Schedule(uint64_t seed, double jitter)
    : rng_(seed), jitter_(std::clamp(jitter, 0.0, 0.5)) {}

Schedule::Duration Schedule::jittered(std::chrono::milliseconds interval) {
  const auto base =
      std::chrono::duration_cast<Duration>(std::max(interval, std::chrono::milliseconds(1)));
  if (jitter_ <= 0) return base;
  std::uniform_real_distribution<double> u(-jitter_, jitter_);
  const double factor = 1.0 + u(rng_);
  return std::chrono::duration_cast<Duration>(
      std::chrono::duration<double, Duration::period>(static_cast<double>(base.count()) * factor));
}

void Schedule::add(const std::vector<NewTarget>& targets, TimePoint now, Duration max_window) {
  std::vector<NewTarget> fresh;
  std::set<uint64_t> seen;
  for (const NewTarget& t : targets)
    if (!entries_.count(t.id) && seen.insert(t.id).second) fresh.push_back(t);
  const auto n = static_cast<int64_t>(fresh.size());
  // Slots first, then make them distinct: targets of different intervals may land on the same
  // instant, and the next free tick after it is as good a slot.
  struct Slot {
    TimePoint due;
    uint64_t id;
    std::chrono::milliseconds interval;
  };
  std::vector<Slot> slots;
  slots.reserve(fresh.size());
  for (int64_t k = 0; k < n; ++k) {
    const NewTarget& t = fresh[static_cast<size_t>(k)];
    const Duration window =
        std::min<Duration>(std::chrono::duration_cast<Duration>(t.interval), max_window);
    slots.push_back(Slot{now + window * k / n, t.id, t.interval});
  }
  std::sort(slots.begin(), slots.end(), [](const Slot& a, const Slot& b) {
    return std::tie(a.due, a.id) < std::tie(b.due, b.id);
  });
  for (size_t i = 1; i < slots.size(); ++i)
    if (slots[i].due <= slots[i - 1].due) slots[i].due = slots[i - 1].due + Duration(1);
  for (const Slot& s : slots) {
    Entry e;
    e.interval = s.interval;
    e.due = s.due;
    entries_.emplace(s.id, e);
    push(s.due, s.id);
  }
}

void Schedule::push(TimePoint due, uint64_t id) {
  // Stale turns are dropped as they surface; a heap mostly stale (intervals shortened, targets
  // removed) is rebuilt from the table so it never grows without bound.
  if (turns_.size() > 2 * entries_.size() + 64) {
    turns_.clear();
    for (const auto& [eid, e] : entries_)
      if (!e.running && eid != id) turns_.emplace_back(e.due, eid);
    std::make_heap(turns_.begin(), turns_.end(), std::greater<Turn>());
  }
  turns_.emplace_back(due, id);
  std::push_heap(turns_.begin(), turns_.end(), std::greater<Turn>());
}

bool Schedule::current(const Turn& turn) const {
  auto it = entries_.find(turn.second);
  return it != entries_.end() && !it->second.running && it->second.due == turn.first;
}

void Schedule::drop_stale_top() {
  while (!turns_.empty() && !current(turns_.front())) pop_turn();
}

void Schedule::remove(uint64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  entries_.erase(it);  // its turn in the heap is stale from now on
}

void Schedule::set_interval(uint64_t id, std::chrono::milliseconds interval, TimePoint now) {
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.interval == interval) return;
  Entry& e = it->second;
  e.interval = interval;
  const TimePoint sooner = now + jittered(interval);
  if (e.due <= sooner) return;
  e.due = sooner;  // the turn at the old time is stale from now on
  if (!e.running) push(e.due, id);
}

void Schedule::pop_turn() {
  std::pop_heap(turns_.begin(), turns_.end(), std::greater<Turn>());
  turns_.pop_back();
}

std::vector<uint64_t> Schedule::take_due(TimePoint now) {
  std::vector<uint64_t> out;
  while (!turns_.empty() && turns_.front().first <= now) {
    const auto [due, id] = turns_.front();
    pop_turn();
    auto it = entries_.find(id);
    if (it == entries_.end() || it->second.running || it->second.due != due) continue;  // stale
    Entry& e = it->second;
    e.running = true;
    // The next turn keeps the cadence of this one; after a stall (a turn already missed) it
    // restarts from now rather than catching up in a burst.
    TimePoint next = e.due + jittered(e.interval);
    if (next <= now) next = now + jittered(e.interval);
    e.due = next;
    out.push_back(id);
  }
  return out;
}

bool Schedule::finished(uint64_t id, TimePoint now) {
  auto it = entries_.find(id);
  if (it == entries_.end() || !it->second.running) return false;
  Entry& e = it->second;
  e.running = false;
  // A probe that outlived its next turn runs again at once: the turn was late, not doubled.
  if (e.due < now) e.due = now;
  push(e.due, id);
  return true;
}

std::optional<Schedule::TimePoint> Schedule::next_due() {
  drop_stale_top();
  if (turns_.empty()) return std::nullopt;
  return turns_.front().first;
}

bool Schedule::running(uint64_t id) const {
  auto it = entries_.find(id);
  return it != entries_.end() && it->second.running;
}

std::optional<Schedule::TimePoint> Schedule::due(uint64_t id) const {
  auto it = entries_.find(id);
  if (it == entries_.end()) return std::nullopt;
  return it->second.due;
}

}  // namespace gslb
