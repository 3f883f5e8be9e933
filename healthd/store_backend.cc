#include "healthd/store_backend.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <chrono>
#include <thread>

#include "zones/base/log.h"

namespace gslb {
namespace {

constexpr int kBusyTimeoutMs = 5000;  // as the Store's own, but it gives up on stop()
constexpr int kBusySleepMs = 10;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Waits for a lock like sqlite3_busy_timeout, but gives up at once when the role is stopping,
// so stop() stays prompt while another process holds the write lock.
int busy_wait(void* stopping, int count) {
  if (static_cast<std::atomic<bool>*>(stopping)->load(std::memory_order_relaxed)) return 0;
  if (count * kBusySleepMs >= kBusyTimeoutMs) return 0;
  std::this_thread::sleep_for(std::chrono::milliseconds(kBusySleepMs));
  return 1;
}

}  // namespace

void StoreBackend::Trouble::report(const std::string& e) {
  if (!e.empty()) {
    if (error.empty()) log_warn(std::string("healthd: ") + what + ": " + e + " (retrying)");
    if (error.empty()) error = e;
    return;
  }
  if (!error.empty()) log_info(std::string("healthd: ") + what + " works again");
  error.clear();
}

StoreBackend::StoreBackend(std::string db_path, std::string agent_id, std::string region)
    : db_path_(std::move(db_path)), agent_id_(std::move(agent_id)), region_(std::move(region)) {}

Result<void> StoreBackend::open() {
  auto s = Store::open(db_path_, true);
  if (!s) return make_error("healthd: " + s.error());
  adopt_store(std::move(*s));
  return {};
}

bool StoreBackend::ensure_store() {
  // A database file replaced under us (a restored backup moved into place) is reopened.
  struct stat st;
  if (store_ && stat(db_path_.c_str(), &st) == 0 &&
      (static_cast<uint64_t>(st.st_ino) != store_inode_ ||
       static_cast<uint64_t>(st.st_dev) != store_device_)) {
    store_.reset();
    config_generation_ = -1;
  }
  if (!store_) {
    // After the first open a missing file is an error, never a new empty database.
    auto s = Store::open(db_path_, false);
    if (!s) {
      read_trouble_.report(s.error());
      return false;
    }
    adopt_store(std::move(*s));
  }
  if (!agent_registered_) {
    // The agent's region; write_observations would create the row, but without it.
    if (auto r = store_->upsert_agent(AgentRow{agent_id_, region_, wall_ms()}); r)
      agent_registered_ = true;
    else
      write_trouble_.report(r.error());
  }
  return true;
}

void StoreBackend::adopt_store(std::unique_ptr<Store> s) {
  store_ = std::move(s);
  agent_registered_ = false;
  sqlite3_busy_handler(store_->handle(), busy_wait, &stop_flag_);
  struct stat st;
  if (stat(db_path_.c_str(), &st) == 0) {
    store_inode_ = static_cast<uint64_t>(st.st_ino);
    store_device_ = static_cast<uint64_t>(st.st_dev);
  }
}

std::optional<ConfigRows> StoreBackend::poll_config(
    std::optional<std::vector<ObservationRow>>& warm) {
  if (!ensure_store()) return std::nullopt;
  auto gen = store_->config_generation();
  if (!gen) {
    read_trouble_.report(gen.error());
    store_.reset();  // reopen next time: the file may have been replaced or repaired
    return std::nullopt;
  }
  if (*gen == config_generation_) {
    read_trouble_.report("");
    return std::nullopt;
  }
  auto config = store_->load_config();
  if (!config) {
    read_trouble_.report(config.error());
    return std::nullopt;
  }
  if (!warm_loaded_) {
    auto health = store_->load_health();
    if (!health) {
      read_trouble_.report(health.error());
      return std::nullopt;
    }
    warm = std::move(health->observations);
  }
  read_trouble_.report("");
  warm_loaded_ = true;
  config_generation_ = *gen;
  return std::move(*config);
}

bool StoreBackend::deliver(const std::vector<ObservationRow>& rows) {
  if (!ensure_store()) return false;
  auto r = store_->write_observations(rows);
  if (r) {
    write_trouble_.report("");
    return true;
  }
  // A wait for the lock cut short by stop() is no trouble worth a line.
  if (!stop_flag_.load(std::memory_order_relaxed)) write_trouble_.report(r.error());
  return false;
}

}  // namespace gslb
