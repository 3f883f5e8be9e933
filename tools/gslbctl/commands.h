// Runs one parsed gslbctl command: builds the API request of api/API.md, sends it and prints
// the answer on `out` (the API's JSON pretty-printed for -o json, a view for -o table), or
// "gslbctl: MESSAGE" on `err`. Thread-compatible.
#pragma once

#include <cstdint>
#include <cstdio>

namespace gslbctl {

class ApiClient;
struct Invocation;

struct Streams {
  FILE* out;
  FILE* err;
};

// REQUIRES: `inv` came from parse_command_line() and is not a help request.
// Returns the exit status: 0 done, 1 the request failed. `now_ms` (Unix time) dates drains.
int run_command(const Invocation& inv, const ApiClient& api, const Streams& io, int64_t now_ms);

}  // namespace gslbctl
