// ApiShared and ApiContext: what route handlers work with. ApiShared is built once by the
// ApiServer and read by every thread; each io thread owns one ApiContext with its own database
// connection (an SQLite connection is not shared) and its own QueryEngine for /v1/explain.
#pragma once

#include <sys/stat.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "api/api_error.h"
#include "api/api_metrics.h"
#include "api/auth_failures.h"
#include "api/tokens/token_file.h"
#include "server/query_engine.h"
#include "server/snapshot_updater.h"
#include "zones/model/snapshot_holder.h"
#include "zones/store/store.h"

namespace gslb::api {

struct ApiShared {
  std::string db_path;
  std::string zone_dir;  // absolute: where zone files named through the API must lie
  // As the DNS role answers (NSID, payload size) for explain; its `stats` are the DNS role's
  // counters for /metrics.
  EngineConfig engine;
  // The snapshot the DNS role serves (the same holder in the all-in-one process).
  const SnapshotHolder* snapshots = nullptr;
  // The DNS role's snapshot updater (freshness for /readyz, rebuild figures for /metrics).
  const UpdaterStats* updater = nullptr;
  std::optional<TokenFile> tokens;
  // Without tokens: whether writes are allowed (any local user can reach a loopback port).
  bool insecure_loopback = false;
  ApiMetrics* metrics = nullptr;
  AuthFailures* auth_failures = nullptr;  // unknown tokens by address (slows guessing)
};

class ApiContext {
 public:
  explicit ApiContext(const ApiShared& shared) : shared_(shared), engine_(shared.engine) {}

  const ApiShared& shared() const { return shared_; }
  // This thread's connection, opened on first use (never creating the file: it is the DNS
  // role's, or `gslbd apply`'s, to create).
  // The connection is dropped when the file it has open is no longer the one at the path
  // (deleted, or replaced by a restore): a write to an unlinked file would be acknowledged and
  // lost with it.
  Outcome<Store*> store() {
    struct stat st;
    const bool present = stat(shared_.db_path.c_str(), &st) == 0;
    if (store_ && (!present || st.st_ino != store_inode_ || st.st_dev != store_device_))
      store_.reset();
    if (!store_) {
      auto s = Store::open(shared_.db_path, false);
      if (!s) return api_error(prefixed("database: ", s.failure()));
      store_ = std::move(*s);
      if (stat(shared_.db_path.c_str(), &st) == 0) {
        store_inode_ = st.st_ino;
        store_device_ = st.st_dev;
      }
    }
    return store_.get();
  }
  QueryEngine& engine() { return engine_; }

 private:
  const ApiShared& shared_;
  std::unique_ptr<Store> store_;
  ino_t store_inode_ = 0;
  dev_t store_device_ = 0;
  QueryEngine engine_;
};

}  // namespace gslb::api
