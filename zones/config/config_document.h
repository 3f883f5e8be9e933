// The declarative config document: one JSON text holding the complete desired configuration
// (zones, checks, services and their members, client regions). Applying it makes the database
// match it, like a sync: rows it names are created or updated in place (ids kept, so
// observations survive), rows it does not name are deleted, unchanged rows are not written at
// all (applying the same document twice changes nothing, config_generation included). One
// transaction; an invalid document writes nothing. Used by `gslbctl apply -f` through the API
// and by tests.
//
// Shape (every key but those marked * is optional; defaults are those of zones/store_rows.h):
//   { "zones": [ {"name"*: "example.test", "file"*: "zones/example.test.zone"},
//                {"name"*: "gslb.test", "ttl": 300,
//                 "soa"*: {"mname"*, "rname"*, "serial", "refresh", "retry", "expire", "minimum"},
//                 "ns"*: ["ns1.gslb.test."],
//                 "records": [{"name"*: "ns1", "type"*: "A", "ttl": 300, "data"*: "127.0.0.1"}]} ],
//     "checks": [ {"name"*, "type"*: icmp|tcp|http|https|dns, "port", "path", "host",
//                  "expect_status": [200], "expect_body", "interval_ms", "timeout_ms", "rise",
//                  "fall", "options": {}} ],
//     "services": [ {"name"*, "policy": "weighted", "ttl", "ttl_degraded", "answers", "fallback",
//                    "persistence": false | true | {"v4": 24, "v6": 56}, "quorum",
//                    "rtt_tolerance_pct", "rtt_tolerance_us", "min_healthy", "slow_start_s",
//                    "check": "web",
//                    "members": [ {"name"*, "address"*, "weight", "priority", "region",
//                                  "enabled", "sorry", "check"} ]} ],
//     "regions": {"eu-west": ["198.51.100.0/24", "2001:db8:1::/48"], "us-east": [...]} }
// A zone has either "file" or "soa" + "ns" (+ "records"). The file is read as the zone "name"
// names, as NSD and BIND read theirs ("@" and relative owners are relative to it; a $ORIGIN or
// SOA owner naming another zone is an error). Record names are relative to the zone unless they
// end in a dot; record data is presentation form, checked with ldns and stored as given. A
// service lies inside one of the document's zones (the closest enclosing one).
// "regions" maps client subnets to region names (1 to 63 of letters, digits, ".", "_", "-"), the
// names health agents report (`gslbd healthd --region`): the rtt policy ranks members by the RTT
// measured from the client's region, the longest matching subnet deciding. Subnets are IPv4 or
// IPv6 prefixes with the host bits zero, each in one region only.
//
// Errors list every problem, one per line, each naming its JSON path (and hold each as one of
// their `problems`, with the path as its field):
//   services[2].members[0].address: not an IP address
//   checks[0].timeout_ms: must be less than interval_ms (200)
// Change lines, one per change:
//   + zone gslb.test     ~ service app.example.test: ttl 30 -> 20     - check old
//   + region eu-west 198.51.100.0/24   (a subnet moving between regions: "-" then "+")
//
// Thread-compatible: call with a Store the calling thread owns.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "zones/base/result.h"
#include "zones/store/store_rows.h"

namespace gslb {

class Store;

// A check of the whole configuration as it would be after the change (inside the transaction,
// before the commit): the DNS role passes one that builds the snapshot, so a document it could
// not serve (a service at a CNAME or below a delegation) is refused instead of leaving the
// server on its last good data. Returns an error line to refuse.
using ConfigCheck = std::function<Result<void>(const ConfigRows& rows)>;

// Where the zone files of a document from a remote writer (the REST API) may lie: a document
// may otherwise make the daemon read, and quote in its errors, any file it can read. Relative
// paths resolve against `dir`; a path that resolves (symlinks followed) outside it is refused
// before anything is read, except a zone's file left as the database already has it (put there
// by the local operator with `gslbd apply`).
struct ZoneFileRoot {
  std::string dir;                            // absolute
  std::map<std::string, std::string> stored;  // zone name (trailing dot) -> its stored file
  std::vector<std::pair<std::string, std::string>> refused;  // out: (field, message)
};

struct ApplyReport {
  std::vector<std::string> changes;  // empty: the database already matched the document
};

// Validates `json_text` and makes the database match it. With `dry_run` the same changes are
// computed (and checked by the schema) and then rolled back. Relative zone file paths are
// resolved against the current directory and stored absolute, or confined to `zone_files`.
Result<ApplyReport> apply_document(Store& store, std::string_view json_text, bool dry_run,
                                   const ConfigCheck& check = nullptr,
                                   ZoneFileRoot* zone_files = nullptr);

// The same for a document in a file; relative zone file paths are resolved against the
// document's directory.
Result<ApplyReport> apply_document_file(Store& store, const std::string& path, bool dry_run,
                                        const ConfigCheck& check = nullptr);

}  // namespace gslb
