// ConfigView: the configuration rows read in one transaction, found by the names the API's paths
// use ("app.example.test", "web1"). Names from a path are matched case-insensitively, with or
// without the trailing dot.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "api/api_error.h"
#include "zones/store/store.h"
#include "zones/store/store_rows.h"

namespace gslb::api {

// "App.Example.TEST" -> "app.example.test." (the form the store keeps).
std::string canonical_name(std::string name);

struct ConfigView {
  ConfigRows rows;

  const ZoneRow* zone(const std::string& name) const;
  const ZoneRow* zone_by_id(int64_t id) const;
  const CheckRow* check(const std::string& name) const;
  const CheckRow* check_by_id(int64_t id) const;
  const ServiceRow* service(const std::string& name) const;
  const ServiceRow* service_by_id(int64_t id) const;
  const MemberRow* member(int64_t service_id, const std::string& name) const;
  std::vector<const MemberRow*> members_of(int64_t service_id) const;
  std::vector<const RecordRow*> records_of(int64_t zone_id) const;
  std::string check_name(const std::optional<int64_t>& id) const;  // "" for none

  // 404s naming what is missing.
  Outcome<const ServiceRow*> need_service(const std::string& name) const;
  Outcome<const MemberRow*> need_member(const ServiceRow& s, const std::string& name) const;
  Outcome<const ZoneRow*> need_zone(const std::string& name) const;
  Outcome<const CheckRow*> need_check(const std::string& name) const;
};

Outcome<ConfigView> load_view(Store& store);

}  // namespace gslb::api
