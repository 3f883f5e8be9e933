#include "healthd/probes/tcp_socket_pool.h"

#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <utility>

namespace gslb {

using boost::asio::ip::tcp;

boost::asio::execution_context::id TcpSocketPool::id;

namespace {

// A quarter of the descriptor limit at most: the pool must never be why a probe or the API
// runs out of descriptors.
size_t pool_capacity() {
  constexpr size_t kMax = 1024;
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) return kMax;
  return std::min<size_t>(kMax, static_cast<size_t>(lim.rlim_cur) / 4);
}

}  // namespace

TcpSocketPool::TcpSocketPool(boost::asio::io_context& io)
    : boost::asio::execution_context::service(io), io_(io), capacity_(pool_capacity()) {}

tcp::socket TcpSocketPool::take(const tcp& protocol, boost::system::error_code& ec) {
  ec.clear();
  auto& kept = protocol == tcp::v6() ? v6_ : v4_;
  if (!kept.empty()) {
    tcp::socket s = std::move(kept.back());
    kept.pop_back();
    return s;
  }
  tcp::socket s(io_);
  s.open(protocol, ec);
  return s;
}

void TcpSocketPool::give_back(tcp::socket socket, const tcp& protocol) {
  auto& kept = protocol == tcp::v6() ? v6_ : v4_;
  sockaddr unspec{};
  unspec.sa_family = AF_UNSPEC;
  boost::system::error_code ec;
  if (!socket.is_open() || kept.size() >= capacity_ ||
      ::connect(socket.native_handle(), &unspec, sizeof unspec) != 0) {
    // Closed, not kept: reset the connection all the same (no FIN exchange, no TIME_WAIT).
    socket.set_option(boost::asio::socket_base::linger(true, 0), ec);
    socket.close(ec);
    return;
  }
  kept.push_back(std::move(socket));
}

void TcpSocketPool::shutdown() {
  // Before the reactor goes: the sockets deregister from it as they close.
  v4_.clear();
  v6_.clear();
}

}  // namespace gslb
