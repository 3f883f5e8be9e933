// The config document's public functions (zones/config_document.h): parse and validate
// (zones/config_parse.cc), then sync the database in one write transaction
// (zones/config_apply.cc), committed, or rolled back for a dry run or on any error.
#include "zones/config/config_document.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "zones/config/config_desired.h"
#include "zones/store/store.h"

namespace gslb {
namespace {

Result<ApplyReport> apply(Store& store, std::string_view text, const std::string& base_dir,
                          bool dry_run, const std::string& source, const ConfigCheck& check,
                          ZoneFileRoot* zone_files) {
  auto desired = config::parse_document(text, base_dir, source, zone_files);
  if (!desired) return desired.failure();
  if (auto r = store.begin_write(); !r) return r.failure();
  auto changes = config::sync_store(store, *desired);
  if (!changes) {
    store.rollback();
    return changes.failure();
  }
  if (check && !changes->empty()) {
    auto rows = store.load_config();  // this transaction's own writes
    auto ok = rows ? check(*rows) : Result<void>(rows.failure());
    if (!ok) {
      store.rollback();
      return ok.failure();
    }
  }
  if (dry_run) {
    store.rollback();
  } else if (auto r = store.commit(); !r) {
    return r.failure();
  }
  return ApplyReport{std::move(*changes)};
}

}  // namespace

Result<ApplyReport> apply_document(Store& store, std::string_view json_text, bool dry_run,
                                   const ConfigCheck& check, ZoneFileRoot* zone_files) {
  return apply(store, json_text, "", dry_run, "", check, zone_files);
}

Result<ApplyReport> apply_document_file(Store& store, const std::string& path, bool dry_run,
                                        const ConfigCheck& check) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorKind::io, path + ": cannot read: " + strerror(errno), path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return make_error(ErrorKind::io, path + ": cannot read: " + strerror(errno), path);
  std::error_code ec;
  auto dir = std::filesystem::absolute(path, ec).parent_path();
  return apply(store, text.str(), dir.string(), dry_run, path, check, nullptr);
}

}  // namespace gslb
