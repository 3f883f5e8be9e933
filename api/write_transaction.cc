#include "api/write_transaction.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "api/config_view.h"
#include "server/servable_check.h"
#include "zones/config/config_desired.h"

namespace gslb::api {

Outcome<std::vector<std::string>> sync_document(Store& store, const nlohmann::json& doc,
                                                const std::string& strip,
                                                const std::string& zone_dir) {
  auto root = zone_file_root(store, zone_dir);
  if (!root) return root.error();
  auto desired = config::parse_document(doc.dump(), "", "", &*root);
  if (!root->refused.empty()) return zone_files_refused(*root, strip);
  if (!desired) {
    // Fields inside the edited object are reported relative to it, as its own route names them.
    Error e = desired.failure();
    for (Error& p : e.problems)
      if (!strip.empty() && p.field.rfind(strip, 0) == 0) p.field = p.field.substr(strip.size());
    return api_error(e);
  }
  auto changes = config::sync_store(store, *desired);
  if (!changes) return api_error(changes.failure());
  if (auto servable = servable_now(store); !servable) return servable.error();
  return *changes;
}

Outcome<ZoneFileRoot> zone_file_root(Store& store, const std::string& zone_dir) {
  auto rows = store.load_config();
  if (!rows) return api_error(rows.failure());
  ZoneFileRoot root;
  root.dir = zone_dir;
  for (const ZoneRow& z : rows->zones)
    if (!z.file.empty()) root.stored.emplace(z.name, z.file);
  return root;
}

ApiError zone_files_refused(const ZoneFileRoot& root, const std::string& strip) {
  ApiError e;
  e.status = 403;
  e.code = "forbidden";
  for (auto [field, message] : root.refused) {
    if (!strip.empty() && field.rfind(strip, 0) == 0) field = field.substr(strip.size());
    if (e.errors.empty()) {
      e.field = field;
      e.message = field + ": " + message;
    }
    e.errors.emplace_back(field, message);
  }
  return e;
}

Outcome<bool> servable_now(Store& store, const std::string& field) {
  auto rows = store.load_config();  // this transaction's own writes
  if (!rows) return api_error(rows.failure());
  if (auto r = check_servable(*rows); !r) return invalid(r.error(), field);
  return true;
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace gslb::api
