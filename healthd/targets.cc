#include "healthd/targets.h"

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>

#include <boost/asio/ip/address.hpp>

namespace gslb {

TargetSet targets_from_config(const ConfigRows& config) {
  std::unordered_map<int64_t, const CheckRow*> checks;
  for (const CheckRow& c : config.checks) checks[c.id] = &c;
  std::unordered_map<int64_t, const ServiceRow*> services;
  for (const ServiceRow& s : config.services) services[s.id] = &s;

  TargetSet out;
  std::map<TargetKey, Target> by_key;
  auto add = [&by_key](TargetKey key, const CheckRow& check, int64_t member_id) {
    auto [it, inserted] = by_key.try_emplace(key);
    if (inserted) {
      it->second.key = std::move(key);
      it->second.check = check;
    }
    it->second.member_ids.push_back(member_id);
  };
  for (const MemberRow& m : config.members) {
    if (!m.enabled) continue;
    std::optional<int64_t> check_id = m.check_id;
    if (!check_id) {
      auto s = services.find(m.service_id);
      if (s == services.end()) continue;  // a member outside any service is never answered
      check_id = s->second->check_id;
    }
    if (!check_id) continue;
    auto c = checks.find(*check_id);
    if (c == checks.end()) {
      out.problems.push_back("members row " + std::to_string(m.id) + ": check " +
                             std::to_string(*check_id) + " does not exist; not probed");
      continue;
    }
    // A CNAME target's addresses are someone else's (a CDN, a cloud load balancer) and change
    // under us: the target is its name, resolved at each attempt (name_target_probe.h).
    if (!m.target.empty()) {
      add(TargetKey{*check_id, m.target}, *c->second, m.id);
      continue;
    }
    boost::system::error_code ec;
    auto address = boost::asio::ip::make_address(m.address, ec);
    if (ec) {
      out.problems.push_back("members row " + std::to_string(m.id) + ": \"" + m.address +
                             "\" is not an IP address; not probed");
      continue;
    }
    add(TargetKey{*check_id, address.to_string()}, *c->second, m.id);
  }
  out.targets.reserve(by_key.size());
  for (auto& [key, target] : by_key) {
    std::sort(target.member_ids.begin(), target.member_ids.end());
    target.member_ids.erase(std::unique(target.member_ids.begin(), target.member_ids.end()),
                            target.member_ids.end());
    out.targets.push_back(std::move(target));
  }
  return out;
}

}  // namespace gslb
