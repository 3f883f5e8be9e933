// Probe: one kind of health check (icmp, tcp, http, https, dns), run asynchronously on the
// health role's single Asio io_context. Each kind is one file in healthd/ plus one line in
// probe_registry.cc. A probe object runs one attempt at a time; the scheduler keeps one per
// target and calls run() again for the next attempt. Thread-compatible: io thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

namespace gslb {

// What to probe: a check definition applied to one address.
struct ProbeSpec {
  std::string type;  // icmp, tcp, http, https, dns
  boost::asio::ip::address address;
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

// nullptr for an unknown type. Types: icmp, tcp, http, https, dns.
ProbeFactory find_probe(std::string_view type);

}  // namespace gslb
