// Every API write is one SQLite write transaction (BEGIN IMMEDIATE): the handler's body reads
// the current rows, validates and writes; any error rolls everything back, so a refused request
// changes nothing and concurrent writers serialize without losing each other's rows.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "api/api_context.h"
#include "api/api_error.h"
#include "api/config_view.h"
#include "api/json_body.h"
#include "zones/config/config_document.h"

namespace gslb::api {

template <typename F>
HttpResponse in_write_transaction(ApiContext& ctx, F&& body) {
  auto store = ctx.store();
  if (!store) return error_response(store.error());
  Store& st = **store;
  if (auto r = st.begin_write(); !r) return error_response(api_error(r.failure()));
  Outcome<HttpResponse> out = body(st);
  if (!out) {
    st.rollback();
    return error_response(out.error());
  }
  if (auto r = st.commit(); !r) {
    st.rollback();
    return error_response(api_error(r.failure()));
  }
  return *out;
}

// Makes the database match a whole document (zones/config_desired.h) inside the caller's write
// transaction: used for zone and record edits, which are checked as whole zones. A field of the
// object under `strip` ("zones[3].") is reported relative to it.
// Zone files are confined to `zone_dir` (ZoneFileRoot).
Outcome<std::vector<std::string>> sync_document(Store& store, const nlohmann::json& doc,
                                                const std::string& strip,
                                                const std::string& zone_dir);

// The zone file rule of API writes: `zone_dir`, and the files the database holds already.
Outcome<ZoneFileRoot> zone_file_root(Store& store, const std::string& zone_dir);
// The 403 for a document that named zone files outside the zone directory; `strip` as above.
ApiError zone_files_refused(const ZoneFileRoot& root, const std::string& strip = {});

// 422 unless the DNS role could serve the configuration as it is inside this transaction
// (server/servable_check.h): call after a write that can place a name (services, zones,
// records, documents) and before the commit.
Outcome<bool> servable_now(Store& store, const std::string& field = {});

// Wall clock in ms (what the store's timestamps use).
int64_t wall_ms();

}  // namespace gslb::api
