// ApiServer: the api role. Serves the REST API (api/API.md) on one address with the routes of
// api/routes.cc, each io thread with its own database connection; over HTTPS when given a
// certificate and key. Thread-safety: start() and stop() from one thread; reload_tls() may run
// on another while the server serves.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "api/http_server.h"
#include "server/query_engine.h"
#include "server/snapshot_updater.h"
#include "zones/base/result.h"
#include "zones/model/snapshot_holder.h"

namespace gslb::api {

struct ApiOptions {
  std::string listen = "127.0.0.1:8053";
  std::string token_file;  // empty: no authentication, loopback only, reads only unless:
  bool insecure_loopback = false;
  std::string tls_cert, tls_key;  // both or neither; set: HTTPS only
  bool plain_http = false;        // plain HTTP allowed off loopback (exposure.h)
  std::string db_path;
  std::string zone_dir;  // empty: the database's directory
  unsigned threads = 4;  // handlers wait on SQLite; a few threads keep reads flowing meanwhile
  int listen_fd = -1;    // a listening socket handed over by a predecessor; -1: bind `listen`
  HttpLimits limits;
};

class ApiServer {
 public:
  // `snapshots` and `updater` (nullable) are the DNS role's, for explain, readiness and metrics.
  ApiServer(ApiOptions options, const SnapshotHolder* snapshots, const UpdaterStats* updater,
            EngineConfig engine);
  ~ApiServer();

  // Errors say what to fix: a bad token file, a non-loopback address without one or in plain
  // HTTP, a certificate or key that does not load, a busy port.
  Result<void> start();
  void stop();
  // Reads the certificate and key again (SIGHUP): new connections get the new pair, those open
  // keep theirs. On an error the previous pair stays in use. Without TLS: nothing to do.
  Result<void> reload_tls();
  bool tls() const;
  uint16_t port() const;
  int listen_fd() const;  // for a successor (--handover)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gslb::api
