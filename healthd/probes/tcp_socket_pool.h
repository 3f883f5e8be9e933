// TcpSocketPool: TCP sockets kept between tcp probes. A probe that connected hands its socket
// back; the pool resets the connection with a disconnecting connect() (AF_UNSPEC: the kernel
// sends RST, as a close with SO_LINGER 0 would) and keeps the now unconnected socket for the next
// probe of that family. At 10 000 probes a second that saves, per probe, the socket() and close()
// (socket allocation and teardown in the kernel), the reactor's epoll registration, the
// non-blocking ioctl and the linger setsockopt: a fifth of the agent's CPU on loopback sites.
// One pool per io_context (an Asio service: use_service<TcpSocketPool>(io)); io thread only.
#pragma once

#include <cstddef>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

namespace gslb {

class TcpSocketPool final : public boost::asio::execution_context::service {
 public:
  static boost::asio::execution_context::id id;

  explicit TcpSocketPool(boost::asio::io_context& io);

  // An open, unconnected socket of `protocol`'s family: a kept one, else a new one.
  boost::asio::ip::tcp::socket take(const boost::asio::ip::tcp& protocol,
                                    boost::system::error_code& ec);
  // A socket of `protocol` whose connect succeeded: the connection is reset and the socket
  // kept, or closed when the pool of its family is full or the reset fails.
  void give_back(boost::asio::ip::tcp::socket socket, const boost::asio::ip::tcp& protocol);

  size_t idle() const { return v4_.size() + v6_.size(); }
  // Most idle sockets kept per family: enough for the probes in flight at 10 000 a second with
  // wide-area round trips, small beside the descriptor limit.
  size_t capacity() const { return capacity_; }

 private:
  void shutdown() override;

  boost::asio::io_context& io_;
  size_t capacity_;
  std::vector<boost::asio::ip::tcp::socket> v4_, v6_;
};

}  // namespace gslb
