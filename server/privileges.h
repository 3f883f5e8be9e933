// Dropping root: `gslbd --user NAME[:GROUP]` becomes that user right after its options are read,
// before any file or socket is opened, keeping only the two capabilities a DNS server needs
// (CAP_NET_BIND_SERVICE for port 53, CAP_NET_RAW for ICMP health checks), as NSD's `username:`
// and Knot's `user:` do. Everything else (the database, zone files, certificates, tokens) is
// then opened as that user, so a hole in a parser reaches only what that user may read.
// Call from main() before threads start.
#pragma once

#include <string>

#include "zones/base/result.h"

namespace gslb {

// REQUIRES: no other thread runs. Errors say what to fix ("--user gslbd: no such user").
Result<void> drop_privileges(const std::string& user_spec);

// Whether the user we now are may use the database at `path` (read and write it, or create it
// in its directory), said at startup rather than as a retried failure later.
Result<void> check_database_access(const std::string& path);

}  // namespace gslb
