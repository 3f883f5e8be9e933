// AuthFailures: failed authentications by client address. After a few wrong tokens an address
// must wait out the rest of a minute before its next try is even checked, so guessing a token
// runs at a few tries a minute per address while every other client is unaffected. Bounded in
// memory. Thread-safe (a mutex: the API's path, never the DNS one).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace gslb::api {

class AuthFailures {
 public:
  static constexpr int kFreeTries = 5;
  static constexpr int64_t kWindowMs = 60'000;
  static constexpr size_t kMaxAddresses = 4096;

  // Seconds `peer` must wait before a token from it is checked again; 0: check it now.
  int64_t retry_after_s(const std::string& peer, int64_t now_ms);
  void failed(const std::string& peer, int64_t now_ms);

  uint64_t failures() const;
  uint64_t refused() const;  // tries not checked because the address was waiting

 private:
  struct Window {
    int64_t start_ms = 0;
    int count = 0;
  };
  mutable std::mutex mu_;
  std::unordered_map<std::string, Window> by_peer_;  // guarded by mu_
  uint64_t failures_ = 0, refused_ = 0;              // guarded by mu_
};

}  // namespace gslb::api
