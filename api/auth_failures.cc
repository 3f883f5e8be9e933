#include "api/auth_failures.h"

namespace gslb::api {

int64_t AuthFailures::retry_after_s(const std::string& peer, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_peer_.find(peer);
  if (it == by_peer_.end() || it->second.count < kFreeTries) return 0;
  const int64_t left_ms = it->second.start_ms + kWindowMs - now_ms;
  if (left_ms <= 0) {
    by_peer_.erase(it);
    return 0;
  }
  ++refused_;
  return (left_ms + 999) / 1000;
}

void AuthFailures::failed(const std::string& peer, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  ++failures_;
  auto it = by_peer_.find(peer);
  if (it == by_peer_.end()) {
    if (by_peer_.size() >= kMaxAddresses) {
      // Forget windows that are over; if all are live, one at random: a flood of addresses
      // then costs each of them its count, never memory.
      for (auto i = by_peer_.begin(); i != by_peer_.end();)
        i = now_ms - i->second.start_ms >= kWindowMs ? by_peer_.erase(i) : std::next(i);
      if (by_peer_.size() >= kMaxAddresses) by_peer_.erase(by_peer_.begin());
    }
    it = by_peer_.emplace(peer, Window{now_ms, 0}).first;
  }
  if (now_ms - it->second.start_ms >= kWindowMs) it->second = Window{now_ms, 0};
  ++it->second.count;
}

uint64_t AuthFailures::failures() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failures_;
}

uint64_t AuthFailures::refused() const {
  std::lock_guard<std::mutex> lock(mu_);
  return refused_;
}

}  // namespace gslb::api
