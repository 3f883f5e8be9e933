// The probe of a CNAME-target member ("target": "lb.cdn.example.net."): its addresses are
// someone else's and change under us, so every attempt first resolves the name (c-ares
// getaddrinfo: /etc/hosts, then the resolver) and then runs the check's own probe on the first
// IPv4 address, else the first IPv6 one. The HTTP Host header and TLS SNI default to the name.
// One deadline, the check's timeout, covers both steps. Failure details name the step:
// "lb.cdn.example.net. does not resolve: ...", or the probe's detail followed by
// "(lb.cdn.example.net. at 192.0.2.7)". Thread-compatible: io thread only, like every probe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

#include "healthd/probes/probe.h"
#include "zones/base/result.h"

namespace gslb {

// Where target names are resolved: one DNS server, or (none) the system's resolv.conf.
struct NameResolver {
  std::optional<boost::asio::ip::address> server;
  uint16_t port = 53;
};

// "ADDRESS", "ADDRESS:PORT", "[V6]:PORT". Errors name the text and the expected form.
Result<NameResolver> parse_name_resolver(std::string_view text);

// Runs `inner` (the check's probe type) on the address ProbeSpec::target_name resolves to.
std::unique_ptr<Probe> make_name_target_probe(boost::asio::io_context& io,
                                              std::unique_ptr<Probe> inner, NameResolver resolver);

}  // namespace gslb
