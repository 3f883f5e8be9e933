// The gslbctl command line: global options, the command and its arguments, checked completely
// before any request is sent (a usage error exits 2 without touching the server). Every command
// and option is listed once, in cli.cc. Thread-compatible.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "tools/gslbctl/server_url.h"
#include "zones/base/result.h"

namespace gslbctl {

enum class OutputMode { kTable, kJson, kYaml };

// What gslbctl takes from its environment (passed in, never read behind the caller's back).
struct Environment {
  std::string server;      // $GSLBCTL_SERVER
  std::string token_file;  // $GSLBCTL_TOKEN_FILE
  std::string ca_file;     // $GSLBCTL_CA_FILE
};

struct Invocation {
  bool help = false;     // --help or `help`: nothing else below is checked
  bool version = false;  // --version: likewise
  ServerUrl server;
  std::string token_file;  // "": no token
  std::string ca_file;     // https: PEM CAs to trust; "": the system store
  OutputMode output = OutputMode::kTable;
  std::chrono::milliseconds timeout{10'000};

  std::string command;            // get, apply, drain, enable, disable, set-weight, explain, status
  std::vector<std::string> args;  // its positional arguments, count checked
  std::string file;               // apply -f ("-": standard input)
  bool dry_run = false;           // apply --dry-run
  std::string type = "A";         // explain --type, A or AAAA
  std::string client;             // explain --client, "" when not given
  std::string assume_down;        // explain --assume-down, "" when not given
  std::string region;             // drain/enable --region: every member of it ("" : one member)
  std::string only_service;       // with --region: --service
  bool force = false;             // drain --force
};

// A usage error's message says what is wrong; the caller prints it with usage() and exits 2.
gslb::Result<Invocation> parse_command_line(int argc, const char* const* argv,
                                            const Environment& env);

std::string usage();

}  // namespace gslbctl
