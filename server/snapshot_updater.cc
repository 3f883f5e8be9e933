#include "server/snapshot_updater.h"

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>

#include "zones/base/log.h"
#include "zones/dns/dname.h"
#include "zones/model/service_table_builder.h"
#include "zones/model/snapshot_builder.h"
#include "zones/zonefile/zone_file.h"

namespace gslb {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(100);
constexpr int64_t kHealthRefreshMs = 1000;

// What the hot path sees of health: if this did not move, a new Snapshot would change nothing.
uint64_t fingerprint(const ServiceTable& services) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](uint64_t v) { h = (h ^ v) * 1099511628211ull; };
  for (const Service& s : services)
    for (const Member& m : s.members) {
      mix(static_cast<uint64_t>(m.id));
      mix(m.weight);  // slow start moves it between config changes
      mix((m.up ? 1u : 0u) | (m.stale ? 2u : 0u) | (m.has_rtt ? 4u : 0u) | (m.has_load ? 8u : 0u));
      mix(m.rtt_us);
      mix(static_cast<uint64_t>(m.load * 1000));
      for (const Member::RegionRtt& rtt : m.region_rtt) mix(rtt.measured ? rtt.us + 1ull : 0);
    }
  return h;
}

}  // namespace

int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

SnapshotUpdater::SnapshotUpdater(std::string db_path, std::vector<ConfiguredZoneFile> zone_files)
    : db_path_(std::move(db_path)), zone_files_(std::move(zone_files)) {
  stats_.geo = &geo_files_;
}

SnapshotUpdater::~SnapshotUpdater() {
  stop();
}

Result<void> SnapshotUpdater::load_files() {
  std::vector<ZoneData> zones;
  for (const ConfiguredZoneFile& f : zone_files_) {
    auto z = load_zone_file(f.path, f.zone);
    if (!z) return z.failure();
    zones.push_back(std::move(*z));
  }
  for (const ZoneData& z : zones) {
    if (!z.origin_from_file_name || !guessed_origin_logged_.insert(z.source).second) continue;
    std::string origin = name_to_text(z.origin);
    log_info(z.source + " has no $ORIGIN and no absolute SOA owner: serving it as zone " + origin +
             ", taken from the file name (--zone " + origin + "=" + z.source + " says so)");
  }
  file_zones_ = std::move(zones);
  return {};
}

void SnapshotUpdater::report(const std::string& error) {
  if (error == last_error_) return;
  if (error.empty())
    log_info("snapshot updates resumed");
  else
    log_error(error + " (still serving the last good data)");
  last_error_ = error;
}

bool SnapshotUpdater::refresh_geo(const ConfigRows& config) {
  std::map<std::string, std::string> configured;
  for (const GeoipFileRow& g : config.geoip_files) configured[g.kind] = g.path;
  return geo_files_.refresh(configured);
}

GeoSources SnapshotUpdater::geo_sources() const {
  // A city database answers everything a country one does, and places more precisely.
  GeoSources geo;
  geo.place = geo_files_.get("city");
  if (!geo.place) geo.place = geo_files_.get("country");
  geo.network = geo_files_.get("asn");
  return geo;
}

Result<std::shared_ptr<const Snapshot>> SnapshotUpdater::full_rebuild(int64_t now_ms) {
  auto config = store_->load_config();
  if (!config) return config.failure();
  auto health = store_->load_health();
  if (!health) return health.failure();
  auto db_zones = zones_from_rows(*config);
  if (!db_zones) return db_zones.failure();
  refresh_geo(*config);
  auto services = services_from_rows(*config, *health, now_ms, geo_sources());
  if (!services) return services.failure();
  slow_start_.apply(*services, now_ms);
  std::vector<ZoneData> zones = file_zones_;
  for (ZoneData& z : *db_zones) zones.push_back(std::move(z));
  uint64_t fp = fingerprint(*services);
  auto snap = build_snapshot(zones, std::move(*services));
  if (!snap) return snap.failure();
  config_ = std::move(*config);
  have_config_ = true;
  health_fingerprint_ = fp;
  return *snap;
}

Result<std::shared_ptr<const Snapshot>> SnapshotUpdater::health_rebuild(int64_t now_ms,
                                                                        bool geo_changed) {
  auto health = store_->load_health();
  if (!health) return health.failure();
  auto services = services_from_rows(config_, *health, now_ms, geo_sources());
  if (!services) return services.failure();
  slow_start_.apply(*services, now_ms);
  uint64_t fp = fingerprint(*services);
  if (fp == health_fingerprint_ && !geo_changed) return std::shared_ptr<const Snapshot>();
  health_fingerprint_ = fp;
  return with_services(*current_, std::move(*services));
}

Result<std::shared_ptr<const Snapshot>> SnapshotUpdater::initial(int64_t now_ms) {
  if (auto r = load_files(); !r) return r.failure();
  auto files_only = build_snapshot(file_zones_);
  if (!files_only) return files_only.failure();
  current_ = *files_only;
  if (auto next = poll(now_ms)) current_ = next;
  return current_;
}

std::shared_ptr<const Snapshot> SnapshotUpdater::poll(int64_t now_ms) {
  bool files_changed = false;
  polled_reload_ = reload_files_.exchange(false);
  if (polled_reload_) {
    if (auto r = load_files(); !r) {
      log_error("zone reload failed, still serving the previous zones: " + r.error());
    } else {
      files_changed = true;
      // Logged once the new zones are published (start()): "reloaded" means serving them.
      reload_done_ = "reloaded " + std::to_string(file_zones_.size()) + " zone file(s)";
    }
  }
  if (db_path_.empty()) {
    stats_.checked_ms = now_ms;
    if (!files_changed) return nullptr;
    auto snap = build_snapshot(file_zones_);
    if (!snap) {
      report(snap.error());
      return nullptr;
    }
    report("");
    return current_ = *snap;
  }
  struct stat st;
  if (stat(db_path_.c_str(), &st) != 0) {
    if (opened_once_) {
      // An open connection would go on reading the unlinked inode and hide the loss; what is
      // served must not depend on a file nobody can see or repair.
      const int err = errno;
      store_.reset();
      ++stats_.failures;
      report(make_error(ErrorKind::io,
                        db_path_ + ": the database file is gone (" + std::strerror(err) + ")",
                        db_path_)
                 .message);
      return nullptr;
    }
    st = {};
  }
  const FileStamp stamp{static_cast<uint64_t>(st.st_ino), static_cast<uint64_t>(st.st_dev),
                        static_cast<uint64_t>(st.st_size),
                        static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
  if (opened_once_ && stamp == damaged_stamp_) {
    ++stats_.failures;  // reported when found; the file has not changed since
    return nullptr;
  }
  // A file replaced under us (a restored backup moved into place) is reopened.
  if (store_ && (stamp.inode != store_stamp_.inode || stamp.device != store_stamp_.device))
    store_.reset();
  bool check_pages = false;
  if (store_ && (stamp.size != store_stamp_.size || stamp.mtime_ns != store_stamp_.mtime_ns)) {
    auto dv = store_->data_version();
    if (dv && *dv == data_version_) {
      store_.reset();
      check_pages = true;
    }
  }
  if (!store_) {
    if (auto r = open_store(stamp); !r) {
      ++stats_.failures;
      report(r.error());
      return nullptr;
    }
  }
  if (check_pages) {
    if (auto r = store_->quick_check(); !r) {
      store_.reset();
      damaged_stamp_ = stamp;
      ++stats_.failures;
      report(r.error());
      return nullptr;
    }
  }
  Result<std::shared_ptr<const Snapshot>> next = std::shared_ptr<const Snapshot>();
  auto dv = store_->data_version();
  auto gen = dv ? store_->config_generation() : Result<int64_t>(dv.failure());
  if (!gen) {
    ++stats_.failures;
    report(gen.error());
    store_.reset();  // reopen next time: the file may have been replaced or repaired
    return nullptr;
  }
  const auto build_start = std::chrono::steady_clock::now();
  if (files_changed || !have_config_ || *gen != config_generation_) {
    next = full_rebuild(now_ms);
    if (next) config_generation_ = *gen;
  } else if (const bool geo_changed = refresh_geo(config_);
             geo_changed || *dv != data_version_ || now_ms - last_health_ms_ >= kHealthRefreshMs) {
    // A new MMDB changes only what the services point at: the zones stay.
    next = health_rebuild(now_ms, geo_changed);
    last_health_ms_ = now_ms;
  }
  if (!next) {
    ++stats_.failures;
    report(next.error());
    return nullptr;
  }
  data_version_ = *dv;
  store_stamp_ = stamp;
  damaged_stamp_ = {};
  report("");
  stats_.checked_ms = now_ms;
  if (!*next) return nullptr;
  stats_.built_ms = now_ms;
  stats_.build_us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - build_start)
                        .count();
  ++stats_.builds;
  return current_ = *next;
}

Result<void> SnapshotUpdater::open_store(const FileStamp& stamp) {
  auto s = Store::open(db_path_, !opened_once_);
  if (!s) return s.failure();
  store_ = std::move(*s);
  opened_once_ = true;
  store_stamp_ = stamp;
  data_version_ = config_generation_ = -1;
  have_config_ = false;  // a different file, or one we no longer trust: rebuild from it
  return {};
}

void SnapshotUpdater::start(SnapshotHolder& holder) {
  thread_ = std::thread([this, &holder] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      lock.unlock();
      if (auto next = poll(now_unix_ms())) holder.publish(next);
      if (!reload_done_.empty()) log_info(std::exchange(reload_done_, std::string()));
      if (polled_reload_) ++stats_.reloads;
      lock.lock();
      cv_.wait_for(lock, kPollInterval, [this] { return stopping_; });
    }
  });
}

void SnapshotUpdater::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace gslb
