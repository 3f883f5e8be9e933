// Command-line options of the gslbd binary and their parser. The option names are a stable
// interface: scripts and tests outside the repo rely on them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "zones/base/log.h"
#include "zones/base/result.h"
#include "zones/zonefile/zone_file.h"

namespace gslb {

struct Options {
  std::vector<std::string> listen;
  std::vector<ConfiguredZoneFile> zones;
  std::string db = "gslb.db";  // "" (--db none): zone files only
  unsigned threads = 0;        // 0: one per core
  std::string nsid;
  std::string identity;
  unsigned max_udp_size = 1232;
  unsigned tcp_idle_timeout_ms = 10000;
  unsigned tcp_initial_timeout_ms = 3000;
  unsigned tcp_max_connections = 1024;
  bool role_dns = true;
  bool role_health = true;  // needs a database
  bool role_api = true;     // needs a database
  std::string api = "127.0.0.1:8053";
  std::string api_token_file;
  bool api_insecure_loopback = false;     // writes without a token file, from loopback
  std::string api_tls_cert, api_tls_key;  // both or neither: the API speaks HTTPS only
  bool api_plain_http = false;            // plain HTTP off loopback, asked for by name
  std::string zone_dir;                   // empty: the directory of `db`
  unsigned rrl = 0;                       // --rrl responses a second per network and class; 0: off
  unsigned rrl_slip = 2;                  // --rrl-slip
  unsigned rrl_window = 1;                // --rrl-window seconds
  std::string cookie_secret_file;         // --cookie-secret-file; empty: a random secret
  std::string handover;  // --handover PATH: take the sockets of the gslbd there, then offer ours
  LogFormat log_format = LogFormat::kText;     // --log-format
  LogLevel log_level = LogLevel::kInfo;        // --log-level
  std::string dnstap;                          // --dnstap FILE or unix:PATH; empty: off
  std::optional<std::string> dnstap_identity;  // unset: the host name; "": none sent
  bool dnstap_decisions = true;                // --dnstap-decisions on|off
  std::string user;  // NAME[:GROUP] to run as (drop_privileges); empty: stay
  std::string agent = "local";
  std::string health_reference;  // HealthCheckerOptions::reference
  std::string health_resolver;   // HealthCheckerOptions::resolver
  bool help = false;
  bool version = false;
};

Result<Options> parse_options(int argc, const char* const* argv);
// One --zone value: "NAME=FILE" or "FILE" (a "/" before the first "=" makes it all a path).
Result<ConfiguredZoneFile> parse_zone_option(const std::string& value);
std::string usage();

}  // namespace gslb
