// Probe: one kind of health check (icmp, tcp, http, https, dns, ...), run asynchronously on the
// health role's single Asio io_context. Each kind is one file in healthd/probes/ defining its
// ProbeType (type, port rule, option keys, factory) plus one line in probe_registry.cc. A probe
// object runs one attempt at a time; the scheduler keeps one per target and calls run() again for
// the next attempt. Thread-compatible: io thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

#include "zones/base/keys.h"

namespace gslb {

// What to probe: a check definition applied to one address.
struct ProbeType;

struct ProbeSpec {
  std::string type;                       // a ProbeType::type
  const ProbeType* probe_type = nullptr;  // set by probe_spec_from_check
  boost::asio::ip::address address;
  // A CNAME-target member's name (absolute): the address is looked up at each attempt
  // (name_target_probe.h); empty for every other member.
  std::string target_name;
  uint16_t port = 0;  // 0: the type's default (80, 443, 53)
  std::string path = "/";
  std::string host;                     // HTTP Host header and TLS SNI; empty: the address
  std::vector<unsigned> expect_status;  // http(s): accepted statuses; empty: 200-399
  std::string expect_body;              // http(s): substring the body must contain
  bool verify_tls = true;               // https: certificate verification (against `host`)
  std::string load_header;              // http(s): response header holding a load figure
  std::string load_json_field;          // http(s): top-level JSON field holding a load figure
  std::string dns_qname;                // dns: name to ask (default: "." SOA)
  std::string dns_qtype = "SOA";        // dns: type to ask
  std::string dns_expect_rcode = "NOERROR";
  std::string dns_expect_answer;  // dns: an address or text the answer must contain
  bool dns_recurse = false;       // dns: set RD (off: ask the target as an authority)
  std::chrono::milliseconds timeout{1000};
  // The check's options resolved against its ProbeType::options (defaults filled), in that
  // order. The built-in probes read the typed fields above, which their ProbeType::configure
  // fills; a probe without configure reads these by index.
  std::vector<KeyValue> options;
};

struct ProbeResult {
  bool ok = false;
  uint32_t rtt_us = 0;         // time to the verdict, for ok results
  std::optional<double> load;  // http(s) load figure when configured and present
  std::string detail;          // why it failed ("connection refused", "status 500", ...)
};

class Probe {
 public:
  virtual ~Probe() = default;
  // Starts one attempt; `done` is called exactly once on the io thread, at the latest at
  // spec.timeout (then with ok=false, detail "timeout after N ms"). REQUIRES: no attempt running.
  virtual void run(const ProbeSpec& spec, std::function<void(ProbeResult)> done) = 0;
};

using ProbeFactory = std::unique_ptr<Probe> (*)(boost::asio::io_context& io);

// How a probe type uses the check's port.
enum class PortUse : uint8_t {
  kNone,      // no port (icmp): the check's port is ignored
  kOptional,  // 0 means default_port
  kRequired,  // 1 to 65535 must be given (tcp)
};

// A probe type as its file declares it: `extern const ProbeType kNameProbe{...}` in the probe's
// file (extern: probe_registry.cc names it).
struct ProbeType {
  std::string_view type = {};     // as the document says it: "https"
  std::string_view summary = {};  // one line for help, OpenAPI and explain
  PortUse port = PortUse::kOptional;
  uint16_t default_port = 0;              // PortUse::kOptional
  bool speaks_http = false;               // the check's path, expect_status and expect_body apply
  std::span<const KeySpec> options = {};  // the check's "options" keys for this type
  // Copies resolved options (in `options` order) into the typed ProbeSpec fields the probe
  // reads; null when the probe reads ProbeSpec::options itself.
  void (*configure)(const std::vector<KeyValue>& options, ProbeSpec& spec) = nullptr;
  ProbeFactory make = nullptr;
};

// The probe types this binary knows: probe_registry.cc's built-in list, unless the executable
// links a catalogue of its own (tests/plugins/). Read-only after static initialisation.
std::span<const ProbeType* const> probe_types();
std::span<const ProbeType* const> builtin_probes();
// nullptr for an unknown type.
const ProbeType* find_probe_type(std::string_view type);
// The factory of a type; nullptr for an unknown type.
ProbeFactory find_probe(std::string_view type);

}  // namespace gslb
