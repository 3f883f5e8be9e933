// Probe "tcp": a TCP connect to address:port.
//
// Contract:
//   keys: address, port (required: there is no default port), timeout.
//   ok: the three-way handshake completed; the connection is closed at once (no data sent).
//   failure details: "connection refused" (RST), "network unreachable", "host unreachable",
//   "tcp check needs a port", "timeout after N ms" (no answer to the SYN: a filtered port, a
//   dead host, or a listener whose accept queue is full).
#include <memory>
#include <utility>

#include <boost/asio/ip/tcp.hpp>

#include "healthd/probes/probe_attempt.h"
#include "healthd/probes/probes.h"
#include "healthd/probes/tcp_socket_pool.h"

namespace gslb {
namespace {

using boost::asio::ip::tcp;

class TcpAttempt final : public Attempt {
 public:
  using Attempt::Attempt;

  void start() {
    arm_deadline();
    if (spec().port == 0) return fail("tcp check needs a port");
    const tcp::endpoint target(spec().address, spec().port);
    boost::system::error_code ec;
    socket_ = pool_.take(target.protocol(), ec);
    if (ec) return fail(describe_error(ec));
    socket_.async_connect(target, [self = self<TcpAttempt>()](const boost::system::error_code& ec) {
      if (self->finished()) return;
      if (ec) return self->fail(describe_error(ec));
      // The pool resets the connection (RST, not FIN: no teardown exchange and no TIME_WAIT
      // socket per probe; the site sees an aborted connection, as from HAProxy's or F5's TCP
      // monitors) and keeps the socket for a later probe.
      self->pool_.give_back(std::move(self->socket_),
                            tcp::endpoint(self->spec().address, 0).protocol());
      self->succeed();
    });
  }

 private:
  void stop() override {
    // Failures and timeouts close (a socket in SYN_SENT or with a pending error is not kept).
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  TcpSocketPool& pool_ = boost::asio::use_service<TcpSocketPool>(io());
  tcp::socket socket_{io()};
};

}  // namespace

std::unique_ptr<Probe> make_tcp_probe(boost::asio::io_context& io) {
  return std::make_unique<AttemptProbe<TcpAttempt>>(io);
}

extern const ProbeType kTcpProbe{
    .type = "tcp",
    .summary = "a TCP connection to address:port; up when the handshake completes",
    .port = PortUse::kRequired,
    .make = make_tcp_probe,
};

}  // namespace gslb
