// The built-in probes, one file each (icmp_probe.cc, tcp_probe.cc, http_probe.cc for http and
// https, dns_probe.cc), listed once in probe_registry.cc. Internal to healthd/: the scheduler
// reaches probes through find_probe() (probe.h).
//
// Shared contract of every factory here (see Probe in probe.h): the probe runs on `io` only,
// starts no threads, never throws out of run(), calls `done` exactly once per run() (posted,
// never from inside run() itself), at the latest at spec.timeout with detail
// "timeout after N ms", and cancels everything it started when it reaches a verdict.
// Destroying a probe while an attempt runs abandons the attempt: its `done` is not called.
#pragma once

#include <memory>

#include "healthd/probes/probe.h"

namespace gslb {

std::unique_ptr<Probe> make_icmp_probe(boost::asio::io_context& io);
std::unique_ptr<Probe> make_tcp_probe(boost::asio::io_context& io);
std::unique_ptr<Probe> make_http_probe(boost::asio::io_context& io);
std::unique_ptr<Probe> make_https_probe(boost::asio::io_context& io);
std::unique_ptr<Probe> make_dns_probe(boost::asio::io_context& io);

}  // namespace gslb
