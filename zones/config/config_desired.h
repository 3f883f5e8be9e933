// Internal to the config document (zones/config_parse.cc, zones/config_apply.cc): the
// validated document as the rows it wants, matched to the database by name.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "zones/base/result.h"
#include "zones/config/config_document.h"
#include "zones/store/store_rows.h"

namespace gslb {

class Store;

namespace config {

// Names are presentation form, lowercase, with a trailing dot. Ids are not set: they come from
// the database (existing rows keep theirs).
struct DesiredZone {
  ZoneRow row;
  std::vector<RecordRow> records;  // inline zones: NS and "records"; empty for file zones
};

struct DesiredMember {
  MemberRow row;      // drained_at_ms unset: the database's value is kept
  std::string check;  // check name, empty for none
};

struct DesiredService {
  ServiceRow row;
  std::string zone;   // name of the closest enclosing zone of the document
  std::string check;  // check name, empty for none
  std::vector<DesiredMember> members;
};

struct Desired {
  std::vector<DesiredZone> zones;
  std::vector<CheckRow> checks;
  std::vector<DesiredService> services;
  // "regions": one row per subnet (canonical "network/prefix"), by region name, then document
  // order. Each subnet appears once.
  std::vector<ClientSubnetRow> client_subnets;
  std::vector<GeoipFileRow> geoip_files;  // "geoip": one per kind
};

// Parses and validates a document; the error (kind invalid) lists every problem, one per line,
// and holds each as one of its `problems` with its field. Relative zone file paths are resolved
// against `base_dir` (empty: the current directory), or against `zone_files->dir` when given.
// `source` (a file name, or empty) prefixes a JSON syntax error: "doc.json: line 3, column 5: ...".
Result<Desired> parse_document(std::string_view json_text, const std::string& base_dir,
                               const std::string& source, ZoneFileRoot* zone_files = nullptr);

// Makes the database match `desired` and returns the change lines.
// REQUIRES: the caller holds a write transaction on `store` (Store::begin_write) and commits or
// rolls it back.
Result<std::vector<std::string>> sync_store(Store& store, const Desired& desired);

// One object of the document validated on its own (the REST API's writes), against the names
// that exist already. Errors are lines "FIELD: message" with FIELD relative to the object
// ("weight", "persistence.v4"), or ": message" for the object as a whole; each line is also one
// of the error's `problems`, its field empty for the object as a whole.
struct ObjectContext {
  std::vector<std::string> zones;   // existing zone names (presentation form, trailing dot)
  std::vector<std::string> checks;  // existing check names
  // Existing members of the service (name, address), other than the one being replaced.
  std::vector<std::pair<std::string, std::string>> members;
  // The service's pools (a member then names one of them with "pool"); empty: no pools.
  std::vector<std::string> pools;
  std::vector<std::string> regions;      // existing client region names
  std::vector<std::string> geoip_kinds;  // existing geoip files: "country", "city", "asn"
};
Result<CheckRow> parse_check_object(std::string_view json_text, const ObjectContext& context);
Result<DesiredService> parse_service_object(std::string_view json_text,
                                            const ObjectContext& context);
Result<DesiredMember> parse_member_object(std::string_view json_text, const ObjectContext& context);

// "app.example.test." -> "app.example.test" (the root stays ".").
std::string display_name(const std::string& name);

}  // namespace config
}  // namespace gslb
