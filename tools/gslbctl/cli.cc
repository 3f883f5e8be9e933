#include "tools/gslbctl/cli.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <string_view>

#include "zones/base/command_line.h"

namespace gslbctl {

namespace {

constexpr std::string_view kDefaultServer = "http://127.0.0.1:8053";

struct CommandSpec {
  std::string_view name;
  size_t min_args, max_args;
  std::string_view synopsis;  // for "expects ..." messages
};

// Every command, once. Options that belong to one command say so in kOptions.
constexpr CommandSpec kCommands[] = {
    {"get", 1, 2, "get zones|services|members SERVICE|health|agents|checks|catalogue|config"},
    {"apply", 0, 0, "apply -f FILE [--dry-run]"},
    {"drain", 0, 2, "drain SERVICE MEMBER [--force] | drain --region R [--service S] [--force]"},
    {"enable", 0, 2, "enable SERVICE MEMBER | enable --region R [--service S]"},
    {"disable", 2, 2, "disable SERVICE MEMBER"},
    {"set-weight", 3, 3, "set-weight SERVICE MEMBER N"},
    {"explain", 1, 1, "explain NAME [--type A|AAAA] [--client IP[/LEN]] [--assume-down M,...]"},
    {"status", 0, 0, "status"},
};

// What `get` lists, and whether it takes a SERVICE.
constexpr std::pair<std::string_view, bool> kGetResources[] = {
    {"zones", false},  {"services", false}, {"members", true},    {"health", false},
    {"agents", false}, {"checks", false},   {"catalogue", false}, {"config", false},
};

using gslb::OptionSpec;

constexpr OptionSpec kOptions[] = {
    {"--help", "-h", false},
    {"--version", "", false},
    {"--server", "", true},
    {"--token-file", "", true},
    {"--ca-file", "", true},
    {"--output", "-o", true},
    {"--timeout", "", true},
    {"--file", "-f", true, "apply"},
    {"--dry-run", "", false, "apply"},
    {"--type", "", true, "explain"},
    {"--client", "", true, "explain"},
    {"--assume-down", "", true, "explain"},
    // drain and enable: checked in check_command_arguments (an option belongs to one command).
    {"--force", "", false},
    {"--region", "", true},
    {"--service", "", true},
};

const OptionSpec* find_option(std::string_view name) {
  for (const OptionSpec& o : kOptions)
    if (o.name == name) return &o;
  return nullptr;
}

bool is_integer(std::string_view s) {
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

gslb::Error usage_error(std::string message) {
  return gslb::make_error(std::move(message));
}

using Given = std::map<std::string_view, std::string>;  // canonical option name -> last value

// Global options: flag, else environment, else default.
gslb::Result<void> read_global_options(Given& given, const Environment& env, Invocation& inv) {
  std::string server = given.count("--server") ? given["--server"]
                       : !env.server.empty()   ? env.server
                                               : std::string(kDefaultServer);
  auto url = parse_server_url(server);
  if (!url) return usage_error(url.error());
  inv.server = *url;
  inv.token_file = given.count("--token-file") ? given["--token-file"] : env.token_file;
  if (given.count("--token-file") && inv.token_file.empty())
    return usage_error("--token-file needs a file name");
  inv.ca_file = given.count("--ca-file") ? given["--ca-file"] : env.ca_file;
  if (given.count("--ca-file") && inv.ca_file.empty())
    return usage_error("--ca-file needs a file name");
  if (given.count("--output")) {
    const std::string& mode = given["--output"];
    if (mode == "table") {
      inv.output = OutputMode::kTable;
    } else if (mode == "json") {
      inv.output = OutputMode::kJson;
    } else if (mode == "yaml") {
      inv.output = OutputMode::kYaml;
    } else {
      return usage_error("-o \"" + mode + "\": expected table, json or yaml");
    }
  }
  if (given.count("--timeout")) {
    const std::string& text = given["--timeout"];
    char* end = nullptr;
    const double s = strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !std::isfinite(s) || s <= 0 || s > 86400)
      return usage_error("--timeout \"" + text + "\": expected seconds, more than 0");
    inv.timeout = std::chrono::milliseconds(std::max<long long>(1, std::llround(s * 1000)));
  }

  return {};
}

// The command's own arguments and options, once the command and its argument count are known.
gslb::Result<void> check_command_arguments(Given& given, Invocation& inv) {
  if (inv.command == "get") {
    const auto* res = std::find_if(std::begin(kGetResources), std::end(kGetResources),
                                   [&](const auto& r) { return r.first == inv.args[0]; });
    if (res == std::end(kGetResources))
      return usage_error("get: unknown resource \"" + inv.args[0] +
                         "\"; expected zones, services, members SERVICE, health, agents, checks "
                         "or config");
    if (res->second && inv.args.size() != 2)
      return usage_error("get " + inv.args[0] + " needs a SERVICE: gslbctl get members SERVICE");
    if (!res->second && inv.args.size() != 1)
      return usage_error("get " + inv.args[0] + " takes no further argument");
  } else if (inv.command == "apply") {
    inv.file = given.count("--file") ? given["--file"] : "";
    if (inv.file.empty()) return usage_error("apply needs -f FILE (\"-f -\" reads standard input)");
    inv.dry_run = given.count("--dry-run") > 0;
  } else if (inv.command == "drain" || inv.command == "enable") {
    const bool by_region = given.count("--region") > 0;
    if (by_region && !inv.args.empty())
      return usage_error(inv.command + ": either SERVICE MEMBER or --region R, not both");
    if (!by_region && inv.args.size() != 2)
      return usage_error(inv.command + " needs SERVICE MEMBER, or --region R");
    if (given.count("--service") && !by_region)
      return usage_error("--service goes with --region (SERVICE MEMBER names the service)");
    if (given.count("--force") && inv.command == "enable")
      return usage_error("--force is for drain: enabling never leaves a service short");
    inv.region = by_region ? given["--region"] : "";
    if (by_region && inv.region.empty()) return usage_error("--region needs a name");
    inv.only_service = given.count("--service") ? given["--service"] : "";
    inv.force = given.count("--force") > 0;
  } else if (inv.command == "set-weight") {
    if (!is_integer(inv.args[2]))
      return usage_error("set-weight: N must be an integer, not \"" + inv.args[2] + "\"");
  } else if (inv.command == "explain") {
    if (given.count("--type")) {
      std::string type = given["--type"];
      std::transform(type.begin(), type.end(), type.begin(),
                     [](unsigned char c) { return static_cast<char>(toupper(c)); });
      if (type != "A" && type != "AAAA")
        return usage_error("--type \"" + given["--type"] + "\": expected A or AAAA");
      inv.type = type;
    }
    if (given.count("--client")) {
      inv.client = given["--client"];
      if (inv.client.empty()) return usage_error("--client needs an IP[/LEN]");
    }
    if (given.count("--assume-down")) {
      inv.assume_down = given["--assume-down"];
      if (inv.assume_down.empty()) return usage_error("--assume-down needs MEMBER[,MEMBER...]");
    }
  }
  return {};
}

}  // namespace

gslb::Result<Invocation> parse_command_line(int argc, const char* const* argv,
                                            const Environment& env) {
  Invocation inv;
  auto scanned = gslb::scan_command_line(argc, argv, 1, kOptions);
  if (!scanned) return usage_error(scanned.error());
  const std::vector<std::string>& positional = scanned->positional;
  Given given;
  for (const auto& [name, value] : scanned->options) given[name] = value;
  if (given.count("--help") || (!positional.empty() && positional[0] == "help")) {
    inv.help = true;
    return inv;
  }
  if (given.count("--version")) {
    inv.version = true;
    return inv;
  }
  if (auto r = read_global_options(given, env, inv); !r) return r.failure();

  // The command and its arguments.
  if (positional.empty()) return usage_error("no command given");
  inv.command = positional[0];
  inv.args.assign(positional.begin() + 1, positional.end());
  const CommandSpec* spec = nullptr;
  for (const CommandSpec& c : kCommands)
    if (c.name == inv.command) spec = &c;
  if (spec == nullptr) return usage_error("unknown command \"" + inv.command + "\"");
  for (const auto& [name, value] : given) {
    const OptionSpec* opt = find_option(name);
    if (!opt->command.empty() && opt->command != inv.command)
      return usage_error(std::string(name) + " is an option of " + std::string(opt->command) +
                         ", not of " + inv.command);
  }
  for (const char* opt : {"--force", "--region", "--service"})
    if (given.count(opt) && inv.command != "drain" && inv.command != "enable")
      return usage_error(std::string(opt) + " is an option of drain and enable, not of " +
                         inv.command);
  if (inv.args.size() < spec->min_args || inv.args.size() > spec->max_args)
    return usage_error(std::string(inv.args.size() < spec->min_args ? "too few" : "too many") +
                       " arguments; expected: gslbctl " + std::string(spec->synopsis));

  if (auto r = check_command_arguments(given, inv); !r) return r.failure();
  for (const std::string& a : inv.args)
    if (a.empty()) return usage_error(inv.command + ": empty argument");
  return inv;
}

std::string usage() {
  return R"(usage: gslbctl [--server URL] [--token-file FILE] [--ca-file FILE] [-o table|json|yaml]
               [--timeout SECONDS] COMMAND ...
       gslbctl --version

Operates a gslbd server through its REST API.

commands:
  get zones|services|health|agents|checks   list them
  get members SERVICE                       the members of SERVICE with their state and health
  get config                                the whole declarative document (JSON)
  get catalogue                             the policies and check types the server knows,
                                            with every key, its type, default and meaning
  apply -f FILE [--dry-run]                 make the configuration match the document in FILE
                                            ("-": standard input); prints the changes, or
                                            "no changes"; --dry-run writes nothing
  drain SERVICE MEMBER [--force]            stop answering with MEMBER; it is "draining" while
                                            resolvers may still hold it (largest TTL + 5 s);
                                            refused when the service would be left with fewer
                                            answering members than min_healthy, unless --force
  drain --region R [--service S] [--force]  drain every member of region R (of service S) in
                                            one transaction: all of them, or none
  enable SERVICE MEMBER                     enable MEMBER and end its drain
  enable --region R [--service S]           the same for every member of region R
  disable SERVICE MEMBER                    stop answering with MEMBER (enabled: false)
  set-weight SERVICE MEMBER N               set MEMBER's weight (0-65535)
  explain NAME [--type A|AAAA] [--client IP[/LEN]] [--assume-down M[,M...]]
                                            the answer gslbd gives NAME now, and why: every
                                            member's state, eligibility, pick and observations;
                                            --assume-down: what clients would get if those
                                            members failed (the same engine, nothing changed)
  status                                    every member's state, health, RTT per agent and
                                            freshness; how many members of each service are up

options (anywhere on the line):
  --server URL       the API: http://HOST[:PORT] or https://HOST[:PORT] (default
                     $GSLBCTL_SERVER, else http://127.0.0.1:8053); https checks the server's
                     certificate and that it names HOST
  --token-file FILE  send the token in FILE as "Authorization: Bearer TOKEN": the first line
                     that is not empty or a comment, TOKEN or ROLE TOKEN as in the server's
                     --api-token-file (default $GSLBCTL_TOKEN_FILE)
  --ca-file FILE     https: trust the CA certificates in FILE (PEM) instead of the system
                     store (default $GSLBCTL_CA_FILE)
  -o, --output MODE  table (default): aligned columns for people; json: the API's answer,
                     pretty-printed; yaml: the same answer as YAML (for scripts, both keep
                     the API's field names and order)
  --timeout SECONDS  give up on a request after this long (default 10)
  -h, --help         this text
  --version          print "gslbctl VERSION" and exit

apply sends the document as it is. Zone file paths in it are the server's: it reads them
relative to its --zone-dir and refuses files outside it (403), so put zone files there; a path
on this machine means nothing to a server elsewhere. (`gslbd apply`, run beside the database,
reads them relative to the document instead.)

Exit status: 0 done; 1 the server refused or failed the request (its message is printed on
stderr); 2 bad usage; 3 no answer from the server (cannot connect, TLS failed, timed out).

Shell completion for bash: source tools/gslbctl/gslbctl.bash-completion (installed to
/usr/share/bash-completion/completions/gslbctl by the package).
)";
}

}  // namespace gslbctl
