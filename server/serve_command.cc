// gslbd (serving): the DNS, health and API roles in one process until SIGINT/SIGTERM; SIGHUP
// reloads the zone files and the API's TLS pair.
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api/api_server.h"
#include "healthd/health_checker.h"
#include "server/commands.h"
#include "server/dnstap/dnstap_tap.h"
#include "server/dnstap/dnstap_writer.h"
#include "server/handover.h"
#include "server/listen_address.h"
#include "server/privileges.h"
#include "server/process.h"
#include "server/response_rate_limit.h"
#include "server/snapshot_updater.h"
#include "server/systemd_notify.h"
#include "server/tcp_server.h"
#include "server/udp_server.h"
#include "server/wire/dns_cookie.h"
#include "zones/base/log.h"
#include "zones/base/version.h"

namespace gslb {
namespace {

// The roles that run, stopped in the reverse order of their start.
struct Roles {
  // First, so that it is destroyed last: the DNS workers and the api's engine point into it.
  std::unique_ptr<DnstapTap> dnstap_tap;
  std::unique_ptr<DnstapWriter> dnstap;
  std::unique_ptr<HealthChecker> health;
  std::unique_ptr<api::ApiServer> api;
  std::unique_ptr<UdpServer> udp;
  std::unique_ptr<TcpServer> tcp;
  unsigned udp_threads = 0;
};

// Before anything is opened: signals, descriptors, then the user we run as, so every file
// below is opened with that user's rights.
Result<void> prepare_process(const Options& o) {
  raise_open_file_limit();
  if (!o.user.empty()) {
    if (auto r = drop_privileges(o.user); !r) return r;
  }
  if (!o.db.empty()) return check_database_access(o.db);
  return {};
}

Result<std::unique_ptr<HealthChecker>> start_health(const Options& o) {
  HealthCheckerOptions ho;
  ho.db_path = o.db;
  ho.agent_id = o.agent;
  ho.reference = o.health_reference;
  ho.resolver = o.health_resolver;
  auto h = std::make_unique<HealthChecker>(ho);
  if (auto r = h->start(); !r) return prefixed("health: ", r.failure());
  return h;
}

EngineConfig engine_config(const Options& o, QueryStatsRegistry* stats) {
  EngineConfig config;
  config.stats = stats;
  config.nsid = o.nsid;
  config.identity = o.identity;
  config.max_udp_payload = static_cast<uint16_t>(o.max_udp_size);
  config.count_stats = true;
  return config;
}

// The api role reads the snapshot the DNS role serves (explain, readiness).
Result<std::unique_ptr<api::ApiServer>> start_api(const Options& o, const SnapshotHolder& holder,
                                                  const UpdaterStats& stats,
                                                  const EngineConfig& config,
                                                  InheritedSockets* inherited) {
  api::ApiOptions ao;
  ao.listen = o.api;
  ao.token_file = o.api_token_file;
  ao.db_path = o.db;
  ao.zone_dir = o.zone_dir;
  ao.insecure_loopback = o.api_insecure_loopback;
  ao.tls_cert = o.api_tls_cert;
  ao.tls_key = o.api_tls_key;
  ao.plain_http = o.api_plain_http;
  if (inherited) ao.listen_fd = inherited->take("api", o.api);
  auto server = std::make_unique<api::ApiServer>(ao, &holder, &stats, config);
  if (auto r = server->start(); !r) return r.failure();
  return server;
}

unsigned udp_threads(const Options& o) {
  return o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
}

// --dnstap: the output is opened here, before any worker runs, so a bad path fails the start.
// One ring per UDP worker and one for the TCP thread.
Result<void> start_dnstap(const Options& o, Roles& roles) {
  constexpr size_t kRingRecords = 2048;  // ~6 MB a worker; the writer looks every 1 ms
  auto output = DnstapOutput::open(o.dnstap);
  if (!output) return output.failure();
  DnstapIdentity id;
  if (o.dnstap_identity) {
    id.identity = *o.dnstap_identity;
  } else {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) == 0) id.identity = host;
  }
  id.version = std::string("gslbd ") + kVersion;
  roles.dnstap_tap =
      std::make_unique<DnstapTap>(udp_threads(o) + 1, kRingRecords, o.dnstap_decisions);
  roles.dnstap =
      std::make_unique<DnstapWriter>(*roles.dnstap_tap, std::move(*output), std::move(id));
  roles.dnstap->start();
  return {};
}

Result<void> start_dns(const Options& o, const std::vector<ListenAddress>& addresses,
                       const EngineConfig& config, SnapshotHolder& holder, Roles& roles,
                       InheritedSockets* inherited) {
  roles.udp_threads = udp_threads(o);
  roles.udp = std::make_unique<UdpServer>(config, holder, addresses, roles.udp_threads);
  TcpLimits limits;
  limits.idle_timeout = std::chrono::milliseconds(o.tcp_idle_timeout_ms);
  limits.initial_timeout = std::chrono::milliseconds(o.tcp_initial_timeout_ms);
  limits.max_connections = o.tcp_max_connections;
  roles.tcp = std::make_unique<TcpServer>(config, holder, addresses, limits);
  if (auto r = roles.udp->start(inherited); !r) return r;
  if (auto r = roles.tcp->start(inherited); !r) {
    roles.udp->stop();
    return r;
  }
  return {};
}

std::string startup_line(const Options& o, const Roles& roles, const Snapshot& snap,
                         const std::vector<ListenAddress>& addresses) {
  std::string line;
  if (roles.udp) {
    line = "serving " + std::to_string(snap.zone_count()) + " zone(s) and " +
           std::to_string(snap.services().size()) + " service(s) on";
    for (const ListenAddress& a : addresses) line += " " + a.text;
    line += " (udp+tcp, " + std::to_string(roles.udp_threads) + " udp worker(s))";
    if (o.rrl)
      line += ", rrl " + std::to_string(o.rrl) + "/s slip " + std::to_string(o.rrl_slip) +
              " window " + std::to_string(o.rrl_window) + " s";
    if (roles.dnstap)
      line += ", dnstap to " + o.dnstap + (o.dnstap_decisions ? " with decisions" : "");
  } else {
    line = "dns role off";
  }
  line += o.db.empty() ? std::string(", no database") : ", database " + o.db;
  if (roles.health) line += ", health checks as agent " + o.agent;
  if (roles.api) line += ", api on " + o.api + (roles.api->tls() ? " (https)" : " (http)");
  return line;
}

// A SIGHUP: the zone files and the API's TLS pair read again. Returns once the updater has
// carried the reload out (published or logged its failure), so READY=1 after RELOADING=1 means
// the new zones are served.
void reload(const Options& o, SnapshotUpdater* updater, const Roles& roles) {
  if (updater) {
    const uint64_t before = updater->stats().reloads.load();
    updater->request_reload();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (updater->stats().reloads.load() == before && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (roles.api && roles.api->tls()) {
    if (auto r = roles.api->reload_tls(); r)
      log_info("api: TLS certificate and key reloaded from " + o.api_tls_cert + " and " +
               o.api_tls_key);
    else
      log_error("api: SIGHUP: " + r.error() + "; the previous certificate stays in use");
  }
}

// Until SIGINT or SIGTERM, telling systemd (when it started us) each state and feeding its
// watchdog from this thread: a main loop that stops turning is what the watchdog is for.
void serve_until_stopped(const sigset_t& sigs, const Options& o, SnapshotUpdater* updater,
                         const Roles& roles, const SystemdNotifier& systemd) {
  const auto watchdog = systemd.watchdog_interval();
  if (watchdog.count() > 0) systemd.send("WATCHDOG=1");
  for (;;) {
    int sig = 0;
    if (watchdog.count() > 0) {
      const long long half_us = watchdog.count() / 2;
      const timespec wait{static_cast<time_t>(half_us / 1000000),
                          static_cast<long>(half_us % 1000000) * 1000};
      sig = sigtimedwait(&sigs, nullptr, &wait);
      if (sig < 0) {
        systemd.send("WATCHDOG=1");
        continue;
      }
    } else {
      sigwait(&sigs, &sig);
    }
    if (sig != SIGHUP) break;
    systemd.reloading();
    reload(o, updater, roles);
    systemd.send("READY=1");
  }
  systemd.send("STOPPING=1");
}

// The process that took our sockets over (--handover), once it said it serves; 0 until then.
std::atomic<pid_t> g_successor{0};

void on_handed_over(pid_t successor) {
  g_successor.store(successor);
  kill(getpid(), SIGTERM);  // the main thread's sigwait: stop as on SIGTERM
}

// Every socket we serve on, for a successor.
std::vector<HandedSocket> sockets_to_hand_over(const Options& o, const Roles& roles) {
  std::vector<HandedSocket> all;
  if (roles.udp) all = roles.udp->handed_sockets();
  if (roles.tcp)
    for (HandedSocket& s : roles.tcp->handed_sockets()) all.push_back(std::move(s));
  if (roles.api && roles.api->listen_fd() >= 0)
    all.push_back({"api", o.api, roles.api->listen_fd()});
  return all;
}

void stop(Roles& roles, SnapshotUpdater* updater,
          std::chrono::milliseconds tcp_drain = std::chrono::milliseconds(0)) {
  if (const pid_t s = g_successor.load())
    log_info("stopping: gslbd pid " + std::to_string(s) + " serves on our sockets");
  else
    log_info("stopping");
  if (roles.api) roles.api->stop();
  if (roles.health) roles.health->stop();
  if (updater) updater->stop();
  // UDP first: its sockets may be a successor's now, and TCP's last queries are still answered.
  if (roles.udp) roles.udp->stop();
  if (roles.tcp) roles.tcp->stop(tcp_drain);
  if (roles.dnstap) roles.dnstap->stop();  // after the workers: what they logged is written
}

int failed(const std::string& message, int status = 1) {
  fprintf(stderr, "gslbd: %s\n", message.c_str());
  return status;
}

}  // namespace

int run_server(Options& o) {
  if (!o.dnstap.empty() && !o.role_dns)
    return failed("--dnstap logs DNS responses: it needs the dns role (--roles dns,...)", 2);
  if (o.db.empty() && (o.role_health || o.role_api)) {
    if (!o.role_dns) return failed("the health and api roles need a database (--db PATH)", 2);
    o.role_health = o.role_api = false;  // zone files only: nothing to check or manage
  }
  set_log_format(o.log_format);
  set_log_level(o.log_level);
  const sigset_t sigs = block_signals();
  const SystemdNotifier systemd = SystemdNotifier::from_environment();
  if (auto r = prepare_process(o); !r)
    return failed(r.error(), r.failure().kind == ErrorKind::invalid ? 2 : 1);
  Roles roles;
  if (!o.role_dns && !o.role_api) {  // a health role alone: no snapshot to serve
    auto health = start_health(o);
    if (!health) return failed(health.error());
    roles.health = std::move(*health);
    const std::string line = "health role running as agent " + o.agent + ", database " + o.db;
    log_info(line);
    systemd.send("READY=1\nSTATUS=" + line);
    serve_until_stopped(sigs, o, nullptr, roles, systemd);
    stop(roles, nullptr);
    return 0;
  }

  std::vector<ListenAddress> addresses;
  for (const std::string& l : o.listen) {
    auto a = parse_listen_address(l);
    if (!a) return failed(a.error(), 2);
    addresses.push_back(*a);
  }
  SnapshotUpdater updater(o.db, o.zones);
  auto snap = updater.initial(now_unix_ms());
  if (!snap) return failed(snap.error());
  // After the first snapshot: the database exists and is migrated before the checker opens it.
  if (o.role_health) {
    auto health = start_health(o);
    if (!health) return failed(health.error());
    roles.health = std::move(*health);
  }
  QueryStatsRegistry query_stats;  // outlives the servers below, which count into it
  EngineConfig config = engine_config(o, &query_stats);
  CookieSecrets cookies = random_cookie_secret();
  if (!o.cookie_secret_file.empty()) {
    auto loaded = load_cookie_secrets(o.cookie_secret_file);
    if (!loaded) return failed("--cookie-secret-file: " + loaded.error(), 2);
    cookies = *loaded;
  }
  config.cookies = &cookies;
  std::unique_ptr<ResponseRateLimiter> rrl;
  if (o.rrl) {
    auto made = ResponseRateLimiter::create({o.rrl, o.rrl_slip, o.rrl_window});
    if (!made) return failed(made.error(), 2);
    rrl = std::move(*made);
    config.rrl = rrl.get();
  }
  if (o.role_dns && !o.dnstap.empty()) {
    if (auto r = start_dnstap(o, roles); !r) {
      if (roles.health) roles.health->stop();
      return failed(r.error(), r.failure().kind == ErrorKind::invalid ? 2 : 1);
    }
    config.dnstap = roles.dnstap_tap.get();
  }
  // A running gslbd at --handover PATH gives us its sockets (nobody there: we bind).
  std::unique_ptr<Takeover> takeover;
  if (!o.handover.empty()) {
    auto t = Takeover::begin(o.handover);
    if (!t) return failed(t.error());
    takeover = std::move(*t);
    if (takeover)
      log_info("handover: taking over " + std::to_string(takeover->sockets().size()) +
               " socket(s) from gslbd pid " + std::to_string(takeover->old_pid()));
  }
  InheritedSockets* inherited = takeover ? &takeover->sockets() : nullptr;
  SnapshotHolder holder(*snap);
  if (o.role_api) {
    auto api = start_api(o, holder, updater.stats(), config, inherited);
    if (!api) {
      stop(roles, nullptr);
      return failed(api.error());
    }
    roles.api = std::move(*api);
  }
  if (o.role_dns) {
    if (auto r = start_dns(o, addresses, config, holder, roles, inherited); !r) {
      roles.udp.reset();
      roles.tcp.reset();
      stop(roles, nullptr);
      return failed(r.error());
    }
  }
  updater.start(holder);
  const std::string line = startup_line(o, roles, **snap, addresses);
  log_info(line);
  if (takeover) {
    if (auto r = takeover->ready(); !r) log_warn(r.error());
    takeover.reset();
  }
  std::unique_ptr<HandoverListener> handover;
  if (!o.handover.empty()) {
    auto l = HandoverListener::listen(o.handover, sockets_to_hand_over(o, roles), on_handed_over);
    if (l)
      handover = std::move(*l);
    else
      log_warn(l.error() + "; a successor will bind its own sockets");
  }
  systemd.send("READY=1\nSTATUS=" + line);
  serve_until_stopped(sigs, o, &updater, roles, systemd);
  // A query over TCP that has begun is answered before we go (a successor serves the rest).
  stop(roles, &updater, std::chrono::milliseconds(std::min(o.tcp_initial_timeout_ms, 2000u)));
  handover.reset();
  return 0;
}

}  // namespace gslb
