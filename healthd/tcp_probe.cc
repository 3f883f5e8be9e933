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

#include "healthd/probe_attempt.h"
#include "healthd/probes.h"

namespace gslb {
namespace {

using boost::asio::ip::tcp;

class TcpAttempt final : public Attempt {
 public:
  using Attempt::Attempt;

  void start() {
    arm_deadline();
    if (spec().port == 0) return fail("tcp check needs a port");
    socket_.async_connect(tcp::endpoint(spec().address, spec().port),
                          [self = self<TcpAttempt>()](const boost::system::error_code& ec) {
                            if (self->finished()) return;
                            if (ec) return self->fail(describe_error(ec));
                            // Close with RST, not FIN: no teardown exchange and no TIME_WAIT
                            // socket per probe (10 000 a second otherwise); the site sees an
                            // aborted connection, as from HAProxy's or F5's TCP monitors.
                            boost::system::error_code ignored;
                            self->socket_.set_option(boost::asio::socket_base::linger(true, 0),
                                                     ignored);
                            self->succeed();
                          });
  }

 private:
  void stop() override {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  tcp::socket socket_{io()};
};


}  // namespace

std::unique_ptr<Probe> make_tcp_probe(boost::asio::io_context& io) {
  return std::make_unique<AttemptProbe<TcpAttempt>>(io);
}

}  // namespace gslb
