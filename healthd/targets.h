// Probe targets: the distinct (check, address or target name) pairs of a configuration. A target
// shared by several members (of one service or of several) is probed once per check and its verdict
// is written for each of those members. Pure functions over rows; thread-compatible values.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "zones/store/store_rows.h"

namespace gslb {

struct TargetKey {
  int64_t check_id = 0;
  // Canonical text (boost::asio::ip::address::to_string), or a CNAME-target member's name,
  // absolute (it ends with a dot, which no address does).
  std::string address;

  friend bool operator==(const TargetKey&, const TargetKey&) = default;
  friend bool operator<(const TargetKey& a, const TargetKey& b) {
    return std::tie(a.check_id, a.address) < std::tie(b.check_id, b.address);
  }
};

struct Target {
  TargetKey key;
  CheckRow check;
  std::vector<int64_t> member_ids;  // ascending, never empty
};

struct TargetSet {
  std::vector<Target> targets;        // ascending by key
  std::vector<std::string> problems;  // rows that could not become a target, one line each
};

// Which members are probed, and with what: a member's check is members.check_id, else its
// service's check_id; a member with neither is not probed. Disabled members (enabled = false)
// are not probed; drained members are (operators watch them recover before undraining).
// A member naming a missing check or holding an unparsable address is left out and named in
// `problems` (the schema should make both impossible).
TargetSet targets_from_config(const ConfigRows& config);

}  // namespace gslb
