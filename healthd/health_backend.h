// HealthBackend: where the health role gets the members to probe and delivers its observations.
// StoreBackend is the local database (the in-process role); RemoteBackend is the REST API of one
// or more gslbd nodes (a remote vantage point, `gslbd healthd`). The checker calls open() from
// its control thread and everything else from its backend thread, except cancel().
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "zones/base/result.h"
#include "zones/store/store_rows.h"

namespace gslb {

class HealthBackend {
 public:
  virtual ~HealthBackend() = default;

  // Reaches the source once, so a bad path or URL is the caller's error, not a log line.
  virtual Result<void> open() = 0;

  // The configuration when it changed since the last call (nullopt: unchanged, or unreachable —
  // the backend logs that). On the first configuration, `warm` may receive this agent's last
  // stored observations (warm start).
  virtual std::optional<ConfigRows> poll_config(
      std::optional<std::vector<ObservationRow>>& warm) = 0;

  // Delivers rows (the newest per member). False: nothing was taken; the checker keeps them and
  // retries. A backend with several destinations keeps per-destination retries itself.
  virtual bool deliver(const std::vector<ObservationRow>& rows) = 0;

  // Called about every 50 ms on the backend thread: retries of a backend's own.
  virtual void idle() {}

  // From stop(), any thread: waits in progress give up.
  virtual void cancel() {}
};

}  // namespace gslb
