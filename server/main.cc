// gslbd: the binary. Parses options, loads zones, builds the first Snapshot and runs the UDP
// and TCP servers until SIGINT/SIGTERM; SIGHUP reloads the zone files and the API's TLS pair.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include "api/api_server.h"
#include "api/tokens/token_file.h"
#include "healthd/health_checker.h"
#include "server/listen_address.h"
#include "server/options.h"
#include "server/privileges.h"
#include "server/servable_check.h"
#include "server/snapshot_updater.h"
#include "server/tcp_server.h"
#include "server/udp_server.h"
#include "zones/base/command_line.h"
#include "zones/base/log.h"
#include "zones/base/plain_name.h"
#include "zones/config/config_document.h"
#include "zones/store/store.h"

using namespace gslb;

namespace {

// gslbd apply [--db PATH] FILE [--dry-run]
constexpr OptionSpec kApplyOptions[] = {{"--db", "", true}, {"--dry-run"}};
constexpr const char* kApplyUsage = "usage: gslbd apply [--db PATH] FILE [--dry-run]\n";

int run_apply(int argc, char** argv) {
  auto args = scan_command_line(argc, argv, 2, kApplyOptions);
  if (!args || args->positional.size() != 1) {
    fprintf(stderr, "gslbd apply: %s\n%s",
            !args ? args.error().c_str()
            : args->positional.empty()
                ? "no document given"
                : ("unexpected argument \"" + args->positional[1] + "\"").c_str(),
            kApplyUsage);
    return 2;
  }
  const std::string db = args->value("--db").value_or("gslb.db");
  const std::string file = args->positional[0];
  const bool dry_run = args->has("--dry-run");
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

const char kHealthdUsage[] =
    "usage: gslbd healthd --agent ID [--region R] --report-to URL [--report-to URL ...]\n"
    "                     [--token-file F] [--ca-file F] [--timeout MS]\n"
    "                     [--reference TYPE:ADDRESS[:PORT]]\n"
    "  A remote vantage point without a database: pulls its check list from the first node\n"
    "  that answers (GET URL/v1/agents/ID/checks) and pushes observations to every node.\n"
    "  URL: http://HOST:PORT, or https://HOST[:PORT] for a node serving HTTPS (its certificate\n"
    "  is checked against the system CA store and must name HOST).\n"
    "  --token-file: the bearer token (an admin token of the nodes' --api-token-file).\n"
    "  --ca-file: PEM CA certificates to check https nodes against instead of the system store.\n"
    "  --reference: a target this agent must always reach (tcp:ADDR:PORT, icmp:ADDR, dns:ADDR);\n"
    "  while it fails the agent's observations are withheld instead of marking sites down.\n";

constexpr OptionSpec kHealthdOptions[] = {
    {"--help", "-h"},          {"--agent", "", true},      {"--region", "", true},
    {"--report-to", "", true}, {"--token-file", "", true}, {"--ca-file", "", true},
    {"--reference", "", true}, {"--timeout", "", true},
};

// gslbd healthd: the health role as a remote agent (agent mode).
int run_healthd(int argc, char** argv) {
  auto args = scan_command_line(argc, argv, 2, kHealthdOptions);
  if (!args) {
    fprintf(stderr, "gslbd healthd: %s\n%s", args.error().c_str(), kHealthdUsage);
    return 2;
  }
  if (args->has("--help")) {
    fputs(kHealthdUsage, stdout);
    return 0;
  }
  if (!args->positional.empty()) {
    fprintf(stderr, "gslbd healthd: unexpected argument \"%s\"\n%s", args->positional[0].c_str(),
            kHealthdUsage);
    return 2;
  }
  HealthCheckerOptions ho;
  ho.agent_id = args->value("--agent").value_or("");
  ho.region = args->value("--region").value_or("");
  ho.remote.nodes = args->values("--report-to");
  ho.remote.ca_file = args->value("--ca-file").value_or("");
  ho.reference = args->value("--reference").value_or("");
  const std::string token_file = args->value("--token-file").value_or("");
  if (auto t = args->value("--timeout")) {
    char* end = nullptr;
    const long ms = strtol(t->c_str(), &end, 10);
    if (t->empty() || *end != '\0' || ms < 100 || ms > 60000) {
      fprintf(stderr, "gslbd healthd: --timeout: 100 to 60000 ms, not \"%s\"\n", t->c_str());
      return 2;
    }
    ho.remote.timeout = std::chrono::milliseconds(ms);
  }
  if (ho.agent_id.empty() || ho.remote.nodes.empty()) {
    fprintf(stderr, "gslbd healthd: --agent and --report-to are required\n%s", kHealthdUsage);
    return 2;
  }
  if (!is_plain_name(ho.agent_id)) {
    fprintf(stderr, "gslbd healthd: --agent: %s, not \"%s\"\n", kPlainNameRule,
            ho.agent_id.c_str());
    return 2;
  }
  if (ho.agent_id == "local")
    fprintf(stderr,
            "gslbd healthd: warning: agent id \"local\" is the in-process health role's; "
            "give each vantage point its own id\n");
  if (!token_file.empty()) {
    auto t = api::client_token(token_file);
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
  if (!opts->user.empty()) {
    if (auto r = drop_privileges(opts->user); !r) {
      fprintf(stderr, "gslbd: %s\n", r.error().c_str());
      return 2;
    }
  }
  if (!opts->db.empty()) {
    if (auto r = check_database_access(opts->db); !r) {
      fprintf(stderr, "gslbd: %s\n", r.error().c_str());
      return 1;
    }
  }
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

  EngineConfig config;
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
    ao.tls_cert = opts->api_tls_cert;
    ao.tls_key = opts->api_tls_key;
    ao.plain_http = opts->api_plain_http;
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
           (api_server ? ", api on " + opts->api + (api_server->tls() ? " (https)" : " (http)")
                       : std::string()));

  for (;;) {
    int sig = 0;
    sigwait(&sigs, &sig);
    if (sig == SIGHUP) {
      updater.request_reload();
      if (api_server && api_server->tls()) {
        if (auto r = api_server->reload_tls(); r)
          log_info("api: TLS certificate and key reloaded from " + opts->api_tls_cert + " and " +
                   opts->api_tls_key);
        else
          log_error("api: SIGHUP: " + r.error() + "; the previous certificate stays in use");
      }
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
