// gslbd: the binary. Parses options, loads zones, builds the first Snapshot and runs the UDP
// and TCP servers until SIGINT/SIGTERM; SIGHUP reloads the zone files.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "api/api_server.h"
#include "healthd/health_checker.h"
#include "server/listen_address.h"
#include "server/options.h"
#include "server/servable_check.h"
#include "server/snapshot_updater.h"
#include "server/tcp_server.h"
#include "server/udp_server.h"
#include "zones/base/log.h"
#include "zones/config/config_document.h"
#include "zones/store/store.h"

using namespace gslb;

namespace {

// gslbd apply [--db PATH] FILE [--dry-run]
int run_apply(int argc, char** argv) {
  std::string db = "gslb.db", file;
  bool dry_run = false;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--dry-run") {
      dry_run = true;
    } else if (a == "--db" && i + 1 < argc) {
      db = argv[++i];
    } else if (a.rfind("--db=", 0) == 0) {
      db = a.substr(5);
    } else if (!a.empty() && a[0] != '-' && file.empty()) {
      file = a;
    } else {
      fprintf(stderr,
              "gslbd apply: unexpected argument \"%s\"\nusage: gslbd apply [--db PATH] FILE "
              "[--dry-run]\n",
              a.c_str());
      return 2;
    }
  }
  if (file.empty()) {
    fprintf(stderr, "usage: gslbd apply [--db PATH] FILE [--dry-run]\n");
    return 2;
  }
  auto store = Store::open(db);
  if (!store) {
    fprintf(stderr, "gslbd apply: %s\n", store.error().c_str());
    return 1;
  }
  auto report = apply_document_file(**store, file, dry_run, check_servable);
  if (!report) {
    fprintf(stderr, "gslbd apply: %s rejected, nothing changed:\n%s\n", file.c_str(),
            report.error().c_str());
    return 1;
  }
  for (const std::string& c : report->changes) printf("%s\n", c.c_str());
  if (report->changes.empty()) printf("no changes\n");
  if (dry_run) printf("(dry run: nothing written)\n");
  return 0;
}

// Signals are taken synchronously by the main thread (sigwait); threads started afterwards
// inherit the mask and never see them.
sigset_t block_signals() {
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return sigs;
}

// The soft descriptor limit up to the hard one (as nginx and gdnsd do): Debian's soft default of
// 1024 is less than the sockets one agent has open when 10 000 members' probes are in flight
// against slow or dead sites, and a probe that cannot open a socket counts as a failure.
void raise_open_file_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= lim.rlim_max) return;
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
}

// The bearer token of a token file: the first line that is not blank or a comment; a line
// "ROLE TOKEN" (the API's own token file format) gives its second field.
Result<std::string> read_token(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error(path + ": cannot read: " + std::string(strerror(errno)));
  std::string line;
  while (std::getline(in, line)) {
    if (size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream fields(line);
    std::string a, b;
    if (!(fields >> a)) continue;
    return fields >> b ? b : a;
  }
  return make_error(path + ": no token in it");
}

const char kHealthdUsage[] =
    "usage: gslbd healthd --agent ID [--region R] --report-to URL [--report-to URL ...]\n"
    "                     [--token-file F] [--timeout MS] [--reference TYPE:ADDRESS[:PORT]]\n"
    "  A remote vantage point without a database: pulls its check list from the first node\n"
    "  that answers (GET URL/v1/agents/ID/checks) and pushes observations to every node.\n"
    "  --token-file: the bearer token (an admin token of the nodes' --api-token-file).\n"
    "  --reference: a target this agent must always reach (tcp:ADDR:PORT, icmp:ADDR, dns:ADDR);\n"
    "  while it fails the agent's observations are withheld instead of marking sites down.\n";

// gslbd healthd: the health role as a remote agent (agent mode).
int run_healthd(int argc, char** argv) {
  HealthCheckerOptions ho;
  ho.agent_id.clear();
  std::string token_file;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      fputs(kHealthdUsage, stdout);
      return 0;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "gslbd healthd: %s needs a value\n%s", a.c_str(), kHealthdUsage);
      return 2;
    }
    std::string v = argv[++i];
    if (a == "--agent") {
      ho.agent_id = v;
    } else if (a == "--region") {
      ho.region = v;
    } else if (a == "--report-to") {
      ho.remote.nodes.push_back(v);
    } else if (a == "--token-file") {
      token_file = v;
    } else if (a == "--reference") {
      ho.reference = v;
    } else if (a == "--timeout") {
      ho.remote.timeout = std::chrono::milliseconds(atoi(v.c_str()));
      if (ho.remote.timeout.count() < 100 || ho.remote.timeout.count() > 60000) {
        fprintf(stderr, "gslbd healthd: --timeout: 100 to 60000 ms\n");
        return 2;
      }
    } else {
      fprintf(stderr, "gslbd healthd: unknown option \"%s\"\n%s", a.c_str(), kHealthdUsage);
      return 2;
    }
  }
  if (ho.agent_id.empty() || ho.agent_id.size() > 63 || ho.remote.nodes.empty()) {
    fprintf(stderr, "gslbd healthd: --agent (1 to 63 characters) and --report-to are required\n%s",
            kHealthdUsage);
    return 2;
  }
  if (ho.agent_id == "local")
    fprintf(stderr,
            "gslbd healthd: warning: agent id \"local\" is the in-process health role's; "
            "give each vantage point its own id\n");
  if (!token_file.empty()) {
    auto t = read_token(token_file);
    if (!t) {
      fprintf(stderr, "gslbd healthd: --token-file: %s\n", t.error().c_str());
      return 2;
    }
    ho.remote.token = *t;
  }
  const sigset_t sigs = block_signals();
  raise_open_file_limit();
  HealthChecker checker(ho);
  if (auto r = checker.start(); !r) {
    fprintf(stderr, "gslbd healthd: %s\n", r.error().c_str());
    return 1;
  }
  std::string nodes;
  for (const std::string& n : ho.remote.nodes) nodes += " " + n;
  log_info("agent " + ho.agent_id + (ho.region.empty() ? "" : " (region " + ho.region + ")") +
           " reporting to" + nodes);
  int sig = 0;
  do sigwait(&sigs, &sig);
  while (sig == SIGHUP);
  log_info("stopping");
  checker.stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "apply") return run_apply(argc, argv);
  if (argc > 1 && std::string(argv[1]) == "healthd") return run_healthd(argc, argv);
  auto opts = parse_options(argc, argv);
  if (!opts) {
    fprintf(stderr, "gslbd: %s\n", opts.error().c_str());
    return 2;
  }
  if (opts->help) {
    fputs(usage().c_str(), stdout);
    return 0;
  }
  if (opts->db.empty() && (opts->role_health || opts->role_api)) {
    if (!opts->role_dns) {
      fprintf(stderr, "gslbd: the health and api roles need a database (--db PATH)\n");
      return 2;
    }
    opts->role_health = opts->role_api = false;  // zone files only: nothing to check or manage
  }
  const sigset_t sigs = block_signals();
  raise_open_file_limit();
  auto start_health = [&]() -> std::unique_ptr<HealthChecker> {
    HealthCheckerOptions ho;
    ho.db_path = opts->db;
    ho.agent_id = opts->agent;
    ho.reference = opts->health_reference;
    auto h = std::make_unique<HealthChecker>(ho);
    if (auto r = h->start(); !r) {
      fprintf(stderr, "gslbd: health: %s\n", r.error().c_str());
      return nullptr;
    }
    return h;
  };
  if (!opts->role_dns && !opts->role_api) {
    auto health = start_health();
    if (!health) return 1;
    log_info("health role running as agent " + opts->agent + ", database " + opts->db);
    int sig = 0;
    do sigwait(&sigs, &sig);
    while (sig == SIGHUP);
    log_info("stopping");
    health->stop();
    return 0;
  }

  std::vector<ListenAddress> addresses;
  for (const std::string& l : opts->listen) {
    auto a = parse_listen_address(l);
    if (!a) {
      fprintf(stderr, "gslbd: %s\n", a.error().c_str());
      return 2;
    }
    addresses.push_back(*a);
  }
  SnapshotUpdater updater(opts->db, opts->zones);
  auto snap = updater.initial(now_unix_ms());
  if (!snap) {
    fprintf(stderr, "gslbd: %s\n", snap.error().c_str());
    return 1;
  }

  // After the first snapshot: the database exists and is migrated before the checker opens it.
  std::unique_ptr<HealthChecker> health;
  if (opts->role_health) {
    health = start_health();
    if (!health) return 1;
  }

  QueryStatsRegistry query_stats;  // outlives the servers below, which count into it
  EngineConfig config;
  config.stats = &query_stats;
  config.nsid = opts->nsid;
  config.identity = opts->identity;
  config.max_udp_payload = static_cast<uint16_t>(opts->max_udp_size);
  config.count_stats = true;
  SnapshotHolder holder(*snap);
  unsigned threads =
      opts->threads ? opts->threads : std::max(1u, std::thread::hardware_concurrency());

  // The api role reads the snapshot the DNS role serves (explain, readiness); without the dns
  // role it keeps one of its own, updated the same way.
  std::unique_ptr<api::ApiServer> api_server;
  if (opts->role_api) {
    api::ApiOptions ao;
    ao.listen = opts->api;
    ao.token_file = opts->api_token_file;
    ao.db_path = opts->db;
    ao.zone_dir = opts->zone_dir;
    ao.insecure_loopback = opts->api_insecure_loopback;
    api_server = std::make_unique<api::ApiServer>(ao, &holder, &updater.stats(), config);
    if (auto r = api_server->start(); !r) {
      fprintf(stderr, "gslbd: %s\n", r.error().c_str());
      return 1;
    }
  }
  std::unique_ptr<UdpServer> udp;
  std::unique_ptr<TcpServer> tcp;
  std::string where;
  if (opts->role_dns) {
    udp = std::make_unique<UdpServer>(config, holder, addresses, threads);
    TcpLimits limits;
    limits.idle_timeout = std::chrono::milliseconds(opts->tcp_idle_timeout_ms);
    limits.initial_timeout = std::chrono::milliseconds(opts->tcp_initial_timeout_ms);
    limits.max_connections = opts->tcp_max_connections;
    tcp = std::make_unique<TcpServer>(config, holder, addresses, limits);
    if (auto r = udp->start(); !r) {
      fprintf(stderr, "gslbd: %s\n", r.error().c_str());
      return 1;
    }
    if (auto r = tcp->start(); !r) {
      fprintf(stderr, "gslbd: %s\n", r.error().c_str());
      udp->stop();
      return 1;
    }
    for (const ListenAddress& a : addresses) where += " " + a.text;
  }
  updater.start(holder);
  log_info((opts->role_dns ? "serving " + std::to_string((*snap)->zone_count()) + " zone(s) and " +
                                 std::to_string((*snap)->services().size()) + " service(s) on" +
                                 where + " (udp+tcp, " + std::to_string(threads) + " udp worker(s))"
                           : std::string("dns role off")) +
           (opts->db.empty() ? std::string(", no database") : ", database " + opts->db) +
           (health ? ", health checks as agent " + opts->agent : std::string()) +
           (api_server ? ", api on " + opts->api : std::string()));

  for (;;) {
    int sig = 0;
    sigwait(&sigs, &sig);
    if (sig == SIGHUP) {
      updater.request_reload();
      continue;
    }
    break;
  }
  log_info("stopping");
  if (api_server) api_server->stop();
  if (health) health->stop();
  updater.stop();
  if (tcp) tcp->stop();
  if (udp) udp->stop();
  return 0;
}
