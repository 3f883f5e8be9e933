// Runs one parsed gslbctl command: builds the API request of api/API.md, sends it and prints
// the answer on `out` (the API's JSON pretty-printed for -o json, a view for -o table), or
// "gslbctl: MESSAGE" on `err`. Thread-compatible.
#pragma once

#include <cstdint>
#include <cstdio>

namespace gslbctl {

class ApiClient;
struct Invocation;

// Exit statuses, documented in the usage text and gslbctl(1).
inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;  // the server answered with an error (its message printed)
inline constexpr int kExitUsage = 2;    // bad command line
inline constexpr int kExitUnreachable = 3;  // no answer: cannot connect, TLS failed, timed out

struct Streams {
  FILE* out;
  FILE* err;
};

// REQUIRES: `inv` came from parse_command_line() and is not a help request.
// Returns the exit status (kExit...). `now_ms` (Unix time) dates drains.
int run_command(const Invocation& inv, const ApiClient& api, const Streams& io, int64_t now_ms);

}  // namespace gslbctl
