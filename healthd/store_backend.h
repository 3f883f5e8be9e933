// StoreBackend: the health role inside a gslbd with the database. Polls config_generation,
// loads the configuration when it moved (with this agent's stored observations the first time,
// for the warm start) and writes observations in one transaction per batch. A database file
// replaced under it is reopened; a missing one is an error, never a new empty database.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "healthd/health_backend.h"
#include "zones/store/store.h"

namespace gslb {

class StoreBackend : public HealthBackend {
 public:
  StoreBackend(std::string db_path, std::string agent_id, std::string region);
  Result<void> open() override;
  std::optional<ConfigRows> poll_config(std::optional<std::vector<ObservationRow>>& warm) override;
  bool deliver(const std::vector<ObservationRow>& rows) override;
  void cancel() override { stop_flag_ = true; }

 private:
  // A failure is logged when it starts and when it ends, not at every retry; reads (config)
  // and writes (observations) apart, since a lock can stop one and not the other.
  struct Trouble {
    const char* what;
    std::string error;  // empty: all is well
    void report(const std::string& e);
  };
  bool ensure_store();
  void adopt_store(std::unique_ptr<Store> s);

  const std::string db_path_, agent_id_, region_;
  std::unique_ptr<Store> store_;
  uint64_t store_inode_ = 0, store_device_ = 0;
  int64_t config_generation_ = -1;
  bool warm_loaded_ = false;
  bool agent_registered_ = false;       // upsert_agent done on this connection
  std::atomic<bool> stop_flag_{false};  // for the busy handler
  Trouble read_trouble_{"reading the configuration", {}};
  Trouble write_trouble_{"writing observations", {}};
};

}  // namespace gslb
