// ApiMetrics: the API's own counters (requests by route, method and status) for /metrics. Off
// the DNS hot path, so a mutex is fine.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace gslb::api {

class ApiMetrics {
 public:
  void count_request(const std::string& route, const std::string& method, int status) {
    std::lock_guard<std::mutex> lock(mu_);
    ++requests_[{route, method, status}];
  }
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;  // guarded by mu_
};

}  // namespace gslb::api
