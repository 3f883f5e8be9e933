// gslbd healthd: a remote vantage point (agent mode) that probes and reports to the nodes.
#include <cstdio>
#include <cstdlib>

#include "api/tokens/token_file.h"
#include "healthd/health_checker.h"
#include "healthd/probes/name_target_probe.h"
#include "healthd/remote_backend.h"
#include "server/commands.h"
#include "server/process.h"
#include "zones/base/command_line.h"
#include "zones/base/log.h"
#include "zones/base/plain_name.h"

namespace gslb {
namespace {

const char kHealthdUsage[] =
    "usage: gslbd healthd --agent ID [--region R] --report-to URL [--report-to URL ...]\n"
    "                     [--token-file F] [--ca-file F] [--report-plain-http] [--timeout MS]\n"
    "                     [--reference TYPE:ADDRESS[:PORT]] [--resolver ADDRESS[:PORT]]\n"
    "  A remote vantage point without a database: pulls its check list from the first node\n"
    "  that answers (GET URL/v1/agents/ID/checks) and pushes observations to every node.\n"
    "  URL: https://HOST[:PORT] for a node serving HTTPS (its certificate is checked against the\n"
    "  system CA store and must name HOST), or http://HOST:PORT for a node on loopback\n"
    "  (127.0.0.0/8, ::1, localhost).\n"
    "  --report-plain-http: allow http:// nodes that are not on loopback (the token and the\n"
    "  observations cross the network in clear); without it such a URL is refused at start.\n"
    "  --token-file: the bearer token: an agent:ID token of the nodes' --api-token-file (it may\n"
    "  only report as this agent), or an agent or admin token.\n"
    "  --ca-file: PEM CA certificates to check https nodes against instead of the system store\n"
    "  (an error when no node is https://, a warning per http:// one).\n"
    "  --reference: a target this agent must always reach (tcp:ADDR:PORT, icmp:ADDR, dns:ADDR);\n"
    "  while it fails the agent's observations are withheld instead of marking sites down.\n"
    "  --resolver: the DNS server CNAME-target members' names are resolved with before each\n"
    "  probe (default: /etc/hosts, then /etc/resolv.conf).\n"
    "  --log-format text|json, --log-level debug|info|warn|error: as gslbd's.\n";

constexpr OptionSpec kHealthdOptions[] = {
    {"--help", "-h"},          {"--agent", "", true},      {"--region", "", true},
    {"--report-to", "", true}, {"--token-file", "", true}, {"--ca-file", "", true},
    {"--reference", "", true}, {"--timeout", "", true},    {"--log-format", "", true},
    {"--log-level", "", true}, {"--report-plain-http"},    {"--resolver", "", true},
};

}  // namespace

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
  if (auto v = args->value("--log-format")) {
    auto f = parse_log_format(*v);
    if (!f) {
      fprintf(stderr, "gslbd healthd: %s\n", f.error().c_str());
      return 2;
    }
    set_log_format(*f);
  }
  if (auto v = args->value("--log-level")) {
    auto l = parse_log_level(*v);
    if (!l) {
      fprintf(stderr, "gslbd healthd: %s\n", l.error().c_str());
      return 2;
    }
    set_log_level(*l);
  }
  HealthCheckerOptions ho;
  ho.agent_id = args->value("--agent").value_or("");
  ho.region = args->value("--region").value_or("");
  ho.remote.nodes = args->values("--report-to");
  ho.remote.ca_file = args->value("--ca-file").value_or("");
  ho.reference = args->value("--reference").value_or("");
  ho.resolver = args->value("--resolver").value_or("");
  if (!ho.resolver.empty()) {
    if (auto r = parse_name_resolver(ho.resolver); !r) {
      fprintf(stderr, "gslbd healthd: --resolver: %s\n", r.error().c_str());
      return 2;
    }
  }
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
  // Before anything is read or sent: a URL that would carry the token in clear never gets a
  // connection attempt.
  auto exposure = check_report_exposure(
      ho.remote.nodes, {args->has("--report-plain-http"), args->value("--ca-file").has_value()});
  if (!exposure) {
    fprintf(stderr, "gslbd healthd: %s\n", exposure.error().c_str());
    return 2;
  }
  for (const std::string& w : *exposure) fprintf(stderr, "gslbd healthd: warning: %s\n", w.c_str());
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

}  // namespace gslb
