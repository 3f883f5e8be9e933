// ApiShared and ApiContext: what route handlers work with. ApiShared is built once by the
// ApiServer and read by every thread; each io thread owns one ApiContext with its own database
// connection (an SQLite connection is not shared) and its own QueryEngine for /v1/explain.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "api/api_error.h"
#include "api/api_metrics.h"
#include "api/token_file.h"
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
};

class ApiContext {
 public:
  explicit ApiContext(const ApiShared& shared) : shared_(shared), engine_(shared.engine) {}

  const ApiShared& shared() const { return shared_; }
  // This thread's connection, opened on first use (never creating the file: it is the DNS
  // role's, or `gslbd apply`'s, to create).
  Outcome<Store*> store() {
    if (!store_) {
      auto s = Store::open(shared_.db_path, false);
      if (!s) return api_error(prefixed("database: ", s.failure()));
      store_ = std::move(*s);
    }
    return store_.get();
  }
  QueryEngine& engine() { return engine_; }

 private:
  const ApiShared& shared_;
  std::unique_ptr<Store> store_;
  QueryEngine engine_;
};

}  // namespace gslb::api
