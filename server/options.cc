#include "server/options.h"

#include "zones/base/command_line.h"
#include "zones/base/plain_name.h"

#include <cstdlib>
#include <cstring>

#include "zones/dns/dname.h"

namespace gslb {

std::string usage() {
  return R"(gslbd - authoritative GSLB DNS server

Usage:
  gslbd --listen ADDR:PORT ... [--zone [NAME=]FILE ...] [--db PATH] [options]
  gslbd apply [--db PATH] FILE [--dry-run]
  gslbd healthd --agent ID [--region R] --report-to URL ... [--token-file F] [--ca-file F]
                [--report-plain-http]
  gslbd check [--zone [NAME=]FILE ...] [--db PATH] [DOCUMENT]
  gslbd --version

Options:
  --listen ADDR:PORT     Serve DNS on UDP and TCP at this address. Repeatable. IPv4 as
                         127.0.0.1:5353, IPv6 as [::1]:5353. Default 127.0.0.1:53.
  --zone [NAME=]FILE     Serve an RFC 1035 zone file. Repeatable. With NAME the file is read
                         as zone NAME ("@" and relative names are relative to it; a $ORIGIN or
                         SOA owner naming another zone is an error), as NSD and BIND read
                         theirs. Without, the origin is the file's $ORIGIN, else its SOA owner,
                         else the file name (logged). A FILE with "=" in it: ./a=b.zone.
  --db PATH              The gslbd database (SQLite): GSLB services, members, checks, health
                         and zones kept there. Created when missing. Default ./gslb.db;
                         "none" serves zone files only. Changes are picked up within 500 ms.
  --roles LIST           Comma-separated roles this process runs: dns, health, api. Default
                         "dns,health,api": the DNS server, the in-process health checker
                         (probes every member, writes observations to the database) and the
                         REST API.
  --api ADDR:PORT        Serve the REST API (role api) here. Default 127.0.0.1:8053. Off
                         loopback it needs --api-token-file and HTTPS (or --api-plain-http).
  --api-token-file FILE  Bearer tokens of the API, one "ROLE TOKEN" per line (ROLE admin,
                         read, agent or agent:ID; TOKEN may be sha256:HEX, api/API.md).
                         Without one the API only listens on loopback addresses and
                         refuses every write (401), unless --api-insecure-loopback.
  --api-insecure-loopback
                         Without --api-token-file, let any local user write through the API
                         on its loopback address. For development only.
  --api-tls-cert FILE, --api-tls-key FILE
                         Serve the API over HTTPS only (TLS 1.2 or newer) with this PEM
                         certificate chain and private key (unencrypted); both or neither.
                         SIGHUP reads them again: new connections get the new pair, open ones
                         keep theirs, a pair that does not load keeps the old one (logged).
  --api-plain-http       Allow plain HTTP on an --api address that is not loopback (behind a
                         TLS proxy, say). Without TLS or this, gslbd refuses such an address;
                         on 127.0.0.0/8 and ::1 plain HTTP is the default.
  --zone-dir DIR         Zone files named through the API (PUT /v1/config, /v1/zones) must lie
                         in DIR, symlinks followed; relative names there are relative to it.
                         Default: the directory of the --db file. `gslbd apply` is not confined.
  --user NAME[:GROUP]    Started as root, become NAME (its groups, or GROUP) before opening
                         anything, keeping only CAP_NET_BIND_SERVICE and CAP_NET_RAW: the
                         database, its directory and --zone-dir must be NAME's to write.
  --agent ID             Agent id of the in-process health checker. Default "local".
  --health-reference TYPE:ADDRESS[:PORT]
                         A target the health checker must always reach (tcp:ADDR:PORT,
                         icmp:ADDR, dns:ADDR[:PORT]). While it fails, this agent's
                         observations are withheld instead of marking every site down.
  --health-resolver ADDRESS[:PORT]
                         The DNS server that CNAME-target members' names are resolved with
                         before each probe. Default: /etc/hosts, then /etc/resolv.conf.
  --rrl N                Response rate limiting (off by default): at most N UDP responses a
                         second per client network (/24, /56), response class (answer,
                         NXDOMAIN, error) and name; over it responses are dropped, and every
                         --rrl-slip'th (default 2; 0 never, 1 always) sent truncated (TC=1) so
                         real resolvers retry over TCP. --rrl-window S (default 1): a flood
                         stays limited for S seconds after it stops. Counted in /metrics.
                         A client returning a valid server cookie is never limited.
  --cookie-secret-file F DNS cookies (RFC 7873, RFC 9018 server cookies) are answered with a
                         secret of 32 hex digits from F (a second line: the previous secret,
                         still accepted while it is rolled over), shared by every NS node so
                         each accepts the others' cookies. Default: a random secret per start.
  --dnstap FILE|unix:PATH
                         Log every response sent, with its query, as dnstap (AUTH_RESPONSE
                         messages in Frame Streams; off by default) to FILE (created, or
                         truncated, at start; complete once gslbd stops) or to the Unix socket
                         of a collector such as fstrm_capture (reconnected once a second when
                         it goes away). The workers never wait for it: a record the writer
                         cannot keep up with is dropped, and counted in /metrics.
  --dnstap-identity TEXT The dnstap identity field. Default: the host name; "" sends none.
  --dnstap-decisions on|off
                         Put the GSLB decision behind each service answer (service, policy,
                         candidate set, picked members, tier, TTL, ECS scope) as JSON in
                         dnstap's extra field. Default on; off leaves extra empty.
  --threads N            UDP worker threads, each with its own SO_REUSEPORT socket per listen
                         address. Default: one per core.
  --handover PATH        Restart without losing a query: a gslbd started with the same PATH
                         (a Unix socket, e.g. /run/gslbd/handover) takes over the running
                         one's sockets with what is queued in them, serves, and then the old
                         one finishes its TCP queries and exits. The first start just binds.
  --log-format text|json One line per event on stderr: text (default) or one JSON object a line
                         ({"time", "level", "message"}). Under systemd lines carry their
                         syslog priority for the journal. Queries are never logged here.
  --log-level LEVEL      debug, info (default), warn or error: the least that is logged.
  --nsid TEXT            Answer EDNS NSID (RFC 5001) requests with TEXT.
  --identity TEXT        Answer CHAOS TXT id.server, hostname.bind and version.bind with TEXT.
                         Unset: those queries get REFUSED.
  --max-udp-size N       Largest UDP response in octets, 512..4096. Default 1232.
  --tcp-idle-timeout MS  Close a TCP connection idle this long between queries. Default 10000.
  --tcp-initial-timeout MS
                         Deadline for a connection's first query and for the rest of a started
                         message. Default 3000.
  --tcp-max-connections N
                         TCP connection cap; at the cap the idlest connection is closed to make
                         room. Default 1024.
  -h, --help             Show this help.
  --version              Print "gslbd VERSION" and exit.

apply FILE: applies a declarative JSON document (zones, checks, services, members) to the
database in one transaction, printing each change; --dry-run prints them and writes nothing.
An invalid document is rejected whole, with one line per problem naming its JSON path.

check: validates zone files, the database and a document without serving or changing anything,
one line per problem; exit 1 if there is any (gslbd check --help).

Signals: SIGHUP reloads the zone files (a bad file keeps the old data serving) and the API's
certificate and key; SIGINT and SIGTERM stop the server.
)";
}

namespace {

Result<unsigned> parse_uint(const std::string& opt, const char* v, unsigned lo, unsigned hi) {
  char* end = nullptr;
  errno = 0;
  unsigned long n = strtoul(v, &end, 10);
  if (*v == '\0' || *end != '\0' || errno != 0 || n < lo || n > hi || v[0] == '-')
    return make_error(opt + ": expected a number from " + std::to_string(lo) + " to " +
                      std::to_string(hi) + ", got \"" + v + "\"");
  return static_cast<unsigned>(n);
}

}  // namespace

// Every option of the server, once (zones/base/command_line.h says how they are written).
constexpr OptionSpec kServerOptions[] = {
    {"--help", "-h"},
    {"--version"},
    {"--api-insecure-loopback"},
    {"--api-plain-http"},
    {"--listen", "", true},
    {"--zone", "", true},
    {"--db", "", true},
    {"--roles", "", true},
    {"--api", "", true},
    {"--api-token-file", "", true},
    {"--api-tls-cert", "", true},
    {"--api-tls-key", "", true},
    {"--zone-dir", "", true},
    {"--user", "", true},
    {"--health-reference", "", true},
    {"--health-resolver", "", true},
    {"--agent", "", true},
    {"--threads", "", true},
    {"--nsid", "", true},
    {"--identity", "", true},
    {"--max-udp-size", "", true},
    {"--tcp-idle-timeout", "", true},
    {"--tcp-initial-timeout", "", true},
    {"--tcp-max-connections", "", true},
    {"--rrl", "", true},
    {"--rrl-slip", "", true},
    {"--rrl-window", "", true},
    {"--cookie-secret-file", "", true},
    {"--handover", "", true},
    {"--log-format", "", true},
    {"--log-level", "", true},
    {"--dnstap", "", true},
    {"--dnstap-identity", "", true},
    {"--dnstap-decisions", "", true},
};

// "NAME=FILE" or "FILE". A "/" before the first "=" makes it all a path, so every file can be
// named ("./a=b.zone") and a domain name never holds one.
Result<ConfiguredZoneFile> parse_zone_option(const std::string& value) {
  const size_t eq = value.find('=');
  if (eq == std::string::npos || value.find('/') < eq) return ConfiguredZoneFile{"", value};
  ConfiguredZoneFile z{value.substr(0, eq), value.substr(eq + 1)};
  if (z.zone.empty() || z.path.empty())
    return make_error("--zone: expected NAME=FILE or FILE, got \"" + value + "\"");
  auto name = name_from_text(z.zone.back() == '.' ? z.zone : z.zone + ".");
  if (!name)
    return make_error("--zone " + value + ": \"" + z.zone +
                      "\" is not a zone name: " + name.error());
  return z;
}

Result<Options> parse_options(int argc, const char* const* argv) {
  Options o;
  auto scanned = scan_command_line(argc, argv, 1, kServerOptions);
  if (!scanned) return make_error(scanned.error() + " (see gslbd --help)");
  if (!scanned->positional.empty())
    return make_error("unexpected argument \"" + scanned->positional[0] + "\" (see gslbd --help)");
  for (const auto& [name, value] : scanned->options) {
    const std::string a(name);
    if (a == "--help") {
      o.help = true;
      continue;
    }
    if (a == "--version") {
      o.version = true;
      continue;
    }
    if (a == "--api-insecure-loopback") {
      o.api_insecure_loopback = true;
      continue;
    }
    if (a == "--api-plain-http") {
      o.api_plain_http = true;
      continue;
    }
    const char* v = value.c_str();
    if (a == "--listen") {
      o.listen.push_back(value);
    } else if (a == "--zone") {
      auto zone = parse_zone_option(value);
      if (!zone) return zone.failure();
      o.zones.push_back(std::move(*zone));
    } else if (a == "--roles") {
      o.role_dns = o.role_health = o.role_api = false;
      size_t start = 0;
      while (start <= value.size()) {
        size_t comma = value.find(',', start);
        std::string role = value.substr(start, comma == std::string::npos ? comma : comma - start);
        if (role == "dns")
          o.role_dns = true;
        else if (role == "health")
          o.role_health = true;
        else if (role == "api")
          o.role_api = true;
        else
          return make_error("--roles: unknown role \"" + role + "\" (dns, health, api)");
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else if (a == "--api") {
      o.api = value;
    } else if (a == "--health-reference") {
      o.health_reference = value;
    } else if (a == "--health-resolver") {
      o.health_resolver = value;
    } else if (a == "--api-token-file") {
      o.api_token_file = value;
    } else if (a == "--api-tls-cert" || a == "--api-tls-key") {
      if (value.empty()) return make_error(a + ": empty path");
      (a == "--api-tls-cert" ? o.api_tls_cert : o.api_tls_key) = value;
    } else if (a == "--user") {
      if (value.empty()) return make_error("--user: empty name");
      o.user = value;
    } else if (a == "--log-format") {
      auto f = parse_log_format(value);
      if (!f) return f.failure();
      o.log_format = *f;
    } else if (a == "--log-level") {
      auto l = parse_log_level(value);
      if (!l) return l.failure();
      o.log_level = *l;
    } else if (a == "--handover") {
      if (value.empty()) return make_error("--handover: empty path");
      o.handover = value;
    } else if (a == "--cookie-secret-file") {
      if (value.empty()) return make_error("--cookie-secret-file: empty path");
      o.cookie_secret_file = value;
    } else if (a == "--dnstap") {
      if (value.empty() || value == "unix:")
        return make_error("--dnstap: expected FILE or unix:PATH, got an empty path");
      o.dnstap = value;
    } else if (a == "--dnstap-identity") {
      if (value.size() > 1024) return make_error("--dnstap-identity: at most 1024 octets");
      o.dnstap_identity = value;
    } else if (a == "--dnstap-decisions") {
      if (value != "on" && value != "off")
        return make_error("--dnstap-decisions: expected on or off, got \"" + value + "\"");
      o.dnstap_decisions = value == "on";
    } else if (a == "--zone-dir") {
      if (value.empty()) return make_error("--zone-dir: empty path");
      o.zone_dir = value;
    } else if (a == "--agent") {
      if (!is_plain_name(value)) return make_error(std::string("--agent: ") + kPlainNameRule);
      o.agent = value;
    } else if (a == "--db") {
      if (value.empty()) return make_error("--db: empty path (use \"none\" for no database)");
      o.db = value == "none" ? "" : value;
    } else if (a == "--nsid") {
      if (value.size() > 512) return make_error("--nsid: at most 512 octets");
      o.nsid = value;
    } else if (a == "--identity") {
      if (value.size() > 1024) return make_error("--identity: at most 1024 octets");
      o.identity = value;
    } else {
      Result<unsigned> n = a == "--threads"               ? parse_uint(a, v, 1, 256)
                           : a == "--rrl"                 ? parse_uint(a, v, 1, 100000)
                           : a == "--rrl-slip"            ? parse_uint(a, v, 0, 100)
                           : a == "--rrl-window"          ? parse_uint(a, v, 1, 3600)
                           : a == "--max-udp-size"        ? parse_uint(a, v, 512, 4096)
                           : a == "--tcp-max-connections" ? parse_uint(a, v, 1, 1000000)
                                                          : parse_uint(a, v, 1, 3600000);
      if (!n) return n.failure();
      if (a == "--threads") o.threads = *n;
      if (a == "--rrl") o.rrl = *n;
      if (a == "--rrl-slip") o.rrl_slip = *n;
      if (a == "--rrl-window") o.rrl_window = *n;
      if (a == "--max-udp-size") o.max_udp_size = *n;
      if (a == "--tcp-max-connections") o.tcp_max_connections = *n;
      if (a == "--tcp-idle-timeout") o.tcp_idle_timeout_ms = *n;
      if (a == "--tcp-initial-timeout") o.tcp_initial_timeout_ms = *n;
    }
  }
  if (o.listen.empty()) o.listen.push_back("127.0.0.1:53");
  if (o.api_tls_cert.empty() != o.api_tls_key.empty())
    return make_error(o.api_tls_cert.empty() ? "--api-tls-key needs --api-tls-cert FILE too"
                                             : "--api-tls-cert needs --api-tls-key FILE too");
  if (o.api_plain_http && !o.api_tls_cert.empty())
    return make_error(
        "--api-plain-http contradicts --api-tls-cert/--api-tls-key (the API speaks one of them)");
  return o;
}

}  // namespace gslb
