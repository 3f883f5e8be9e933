// gslbd: the binary. Parses options, loads zones, builds the first Snapshot and runs the UDP
// and TCP servers until SIGINT/SIGTERM; SIGHUP reloads the zone files.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

#include "server/listen_address.h"
#include "server/options.h"
#include "server/tcp_server.h"
#include "server/udp_server.h"
#include "zones/log.h"
#include "zones/snapshot_builder.h"
#include "zones/zone_file.h"

using namespace gslb;

namespace {

Result<std::shared_ptr<const Snapshot>> load_all(const std::vector<std::string>& files) {
  std::vector<ZoneData> zones;
  for (const std::string& f : files) {
    auto z = load_zone_file(f);
    if (!z) return Error{z.error()};
    zones.push_back(std::move(*z));
  }
  return build_snapshot(zones);
}

}  // namespace

int main(int argc, char** argv) {
  auto opts = parse_options(argc, argv);
  if (!opts) {
    fprintf(stderr, "gslbd: %s\n", opts.error().c_str());
    return 2;
  }
  if (opts->help) {
    fputs(usage().c_str(), stdout);
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
  auto snap = load_all(opts->zones);
  if (!snap) {
    fprintf(stderr, "gslbd: %s\n", snap.error().c_str());
    return 1;
  }

  // Signals are taken synchronously by the main thread; workers never see them.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);

  EngineConfig config;
  config.nsid = opts->nsid;
  config.identity = opts->identity;
  config.max_udp_payload = static_cast<uint16_t>(opts->max_udp_size);
  SnapshotHolder holder(*snap);
  unsigned threads = opts->threads ? opts->threads : std::max(1u, std::thread::hardware_concurrency());

  UdpServer udp(config, holder, addresses, threads);
  TcpLimits limits;
  limits.idle_timeout = std::chrono::milliseconds(opts->tcp_idle_timeout_ms);
  limits.initial_timeout = std::chrono::milliseconds(opts->tcp_initial_timeout_ms);
  limits.max_connections = opts->tcp_max_connections;
  TcpServer tcp(config, holder, addresses, limits);
  if (auto r = udp.start(); !r) {
    fprintf(stderr, "gslbd: %s\n", r.error().c_str());
    return 1;
  }
  if (auto r = tcp.start(); !r) {
    fprintf(stderr, "gslbd: %s\n", r.error().c_str());
    udp.stop();
    return 1;
  }
  std::string where;
  for (const ListenAddress& a : addresses) where += " " + a.text;
  log_info("serving " + std::to_string((*snap)->zone_count()) + " zone(s) on" + where +
           " (udp+tcp, " + std::to_string(threads) + " udp worker(s))");

  for (;;) {
    int sig = 0;
    sigwait(&sigs, &sig);
    if (sig == SIGHUP) {
      auto next = load_all(opts->zones);
      if (next) {
        holder.publish(*next);
        log_info("reloaded " + std::to_string((*next)->zone_count()) + " zone(s)");
      } else {
        log_error("reload failed, still serving the previous zones: " + next.error());
      }
      continue;
    }
    break;
  }
  log_info("stopping");
  tcp.stop();
  udp.stop();
  return 0;
}
