#include "server/tcp_server.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <list>
#include <random>
#include <thread>

#include "server/dnstap/dnstap_capture.h"
#include "server/udp_server.h"
#include "zones/base/log.h"

namespace gslb {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// One client connection. Owned by the connection list; the session coroutine and the watchdog
// hold shared_ptrs so it outlives a close() from the shedding path.
struct Connection : std::enable_shared_from_this<Connection> {
  explicit Connection(tcp::socket s) : socket(std::move(s)), timer(socket.get_executor()) {}
  tcp::socket socket;
  asio::steady_timer timer;
  Clock::time_point deadline;
  Clock::time_point last_active;
  bool closed = false;
  bool busy = false;  // between a message's first octet and its answer written
  sockaddr_storage peer{};
  sockaddr_storage local{};    // the listen address, for dnstap
  std::vector<uint8_t> reply;  // reused across queries: no allocation once it has grown
  std::list<std::shared_ptr<Connection>>::iterator self;

  // The watchdog sleeps until the old deadline; wake it when the deadline moves earlier.
  void set_deadline(Clock::time_point t) {
    bool earlier = t < deadline;
    deadline = t;
    if (earlier) timer.cancel();
  }

  // Octets the client sent that we have not read: pipelined queries a drain must still answer
  // (closing with them unread would also reset the connection, losing answers already sent).
  bool has_input() {
    boost::system::error_code ec;
    return socket.available(ec) > 0 && !ec;
  }

  void close() {
    if (closed) return;
    closed = true;
    boost::system::error_code ec;
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
    timer.cancel();
  }
};

}  // namespace

struct TcpServer::Impl {
  Impl(const EngineConfig& c, const SnapshotHolder& s, std::vector<ListenAddress> a, TcpLimits l)
      : config(c),
        snapshots(s),
        addresses(std::move(a)),
        limits(l),
        engine(c, std::random_device{}()),
        reader(s) {
    if (c.dnstap) {
      tap = c.dnstap->attach();
      tap_decisions = tap && c.dnstap->decisions();
    }
  }

  const EngineConfig& config;
  const SnapshotHolder& snapshots;
  std::vector<ListenAddress> addresses;
  TcpLimits limits;
  asio::io_context io{1};
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::vector<HandedSocket> listeners;  // what acceptors hold, for a successor
  bool draining = false;                // stopping: finish the queries in progress, take no more
  std::list<std::shared_ptr<Connection>> connections;  // io thread only
  QueryEngine engine;                                  // io thread only
  SnapshotHolder::Reader reader;                       // io thread only
  DnstapProducer* tap = nullptr;                       // io thread only; null: dnstap off
  bool tap_decisions = false;
  std::thread thread;
  // Request and response buffers are shared by all connections: the io thread answers one
  // query at a time, and a response is copied into the connection's write before the next.
  std::vector<uint8_t> out = std::vector<uint8_t>(2 + 65535);

  awaitable<void> accept_loop(tcp::acceptor& acceptor) {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket s = co_await acceptor.async_accept(asio::redirect_error(use_awaitable, ec));
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        continue;  // e.g. EMFILE: keep serving the connections we have
      }
      if (connections.size() >= limits.max_connections) shed_idlest();
      auto c = std::make_shared<Connection>(std::move(s));
      {
        boost::system::error_code pec;
        auto ep = c->socket.remote_endpoint(pec);
        if (!pec && ep.size() <= sizeof c->peer) memcpy(&c->peer, ep.data(), ep.size());
        if (tap) {
          auto local = c->socket.local_endpoint(pec);
          if (!pec && local.size() <= sizeof c->local)
            memcpy(&c->local, local.data(), local.size());
        }
      }
      c->last_active = Clock::now();
      c->deadline = c->last_active + limits.initial_timeout;
      connections.push_front(c);
      c->self = connections.begin();
      asio::co_spawn(io, session(c), asio::detached);
      asio::co_spawn(io, watchdog(c), asio::detached);
    }
  }

  // RFC 7766 s6.2.3: under pressure, close the connection that has been idle longest.
  void shed_idlest() {
    auto idlest = connections.end();
    for (auto it = connections.begin(); it != connections.end(); ++it)
      if (idlest == connections.end() || (*it)->last_active < (*idlest)->last_active) idlest = it;
    if (idlest != connections.end()) forget(*idlest);
  }

  void forget(const std::shared_ptr<Connection>& c) {
    if (!c->closed) {
      c->close();
      connections.erase(c->self);
    }
  }

  awaitable<void> watchdog(std::shared_ptr<Connection> c) {
    while (!c->closed) {
      c->timer.expires_at(c->deadline);
      boost::system::error_code ec;
      co_await c->timer.async_wait(asio::redirect_error(use_awaitable, ec));
      if (c->closed) break;
      if (Clock::now() >= c->deadline) forget(c);
    }
  }

  awaitable<void> session(std::shared_ptr<Connection> c) {
    std::vector<uint8_t> in(512);  // grows to the largest message this client sent
    uint8_t len_buf[2];
    for (;;) {
      boost::system::error_code ec;
      if (draining && !c->has_input()) break;
      co_await asio::async_read(c->socket, asio::buffer(len_buf, 2),
                                asio::redirect_error(use_awaitable, ec));
      if (ec) break;
      c->busy = true;
      size_t len = (static_cast<size_t>(len_buf[0]) << 8) | len_buf[1];
      // A started message must be finished promptly, however long the idle timeout is.
      c->set_deadline(Clock::now() + limits.initial_timeout);
      if (in.size() < len) in.resize(len);
      co_await asio::async_read(c->socket, asio::buffer(in.data(), len),
                                asio::redirect_error(use_awaitable, ec));
      if (ec) break;
      TapExchange exchange;
      if (tap) clock_gettime(CLOCK_REALTIME, &exchange.received);
      const Snapshot& snap = reader.refresh();
      size_t n =
          engine.answer(snap, Transport::kTcp, in.data(), len, out.data() + 2, 65535, &c->peer);
      if (n > 0 && tap) {
        exchange.query = in.data();
        exchange.query_len = len;
        exchange.response = out.data() + 2;
        exchange.response_len = n;
        exchange.client = &c->peer;
        exchange.server = &c->local;
        exchange.tcp = true;
        tap_exchange(*tap, tap_decisions, exchange, engine.last_decision());
      }
      if (n > 0) {
        out[0] = static_cast<uint8_t>(n >> 8);
        out[1] = static_cast<uint8_t>(n);
        // Copy: `out` is shared, and the write may suspend.
        c->reply.assign(out.begin(), out.begin() + 2 + static_cast<long>(n));
        co_await asio::async_write(c->socket, asio::buffer(c->reply),
                                   asio::redirect_error(use_awaitable, ec));
        if (ec) break;
      }
      c->busy = false;
      c->last_active = Clock::now();
      c->set_deadline(c->last_active + limits.idle_timeout);
    }
    forget(c);
  }

  // Stopping gracefully: the idle connections go now, the others once every query they sent
  // before is answered (RFC 7766 s6.2.3: a server may close idle connections), all of them by
  // `deadline`. Idle means nothing unread either: a session about to wake for a query that has
  // arrived is not idle.
  awaitable<void> drain(Clock::time_point deadline) {
    draining = true;
    for (auto it = connections.begin(); it != connections.end();) {
      std::shared_ptr<Connection> c = *it++;
      if (!c->busy && !c->has_input()) forget(c);
    }
    asio::steady_timer tick(io);
    while (!connections.empty() && Clock::now() < deadline) {
      tick.expires_after(std::chrono::milliseconds(5));
      boost::system::error_code ec;
      co_await tick.async_wait(asio::redirect_error(use_awaitable, ec));
      for (auto it = connections.begin(); it != connections.end();) {
        std::shared_ptr<Connection> c = *it++;
        if (!c->busy && !c->has_input()) forget(c);
      }
    }
    while (!connections.empty()) forget(connections.front());
    io.stop();
  }
};

TcpServer::TcpServer(const EngineConfig& config, const SnapshotHolder& snapshots,
                     std::vector<ListenAddress> addresses, TcpLimits limits)
    : impl_(std::make_unique<Impl>(config, snapshots, std::move(addresses), limits)) {}

TcpServer::~TcpServer() {
  stop();
}

Result<void> TcpServer::start(InheritedSockets* inherited) {
  for (const ListenAddress& a : impl_->addresses) {
    const int given = inherited ? inherited->take("tcp", a.text) : -1;
    Result<int> fd = given;
    if (given < 0) fd = open_bound_socket(a, SOCK_STREAM);
    if (!fd) return prefixed("tcp ", fd.failure());
    auto proto = a.family() == AF_INET ? tcp::v4() : tcp::v6();
    auto acc = std::make_unique<tcp::acceptor>(impl_->io);
    boost::system::error_code ec;
    acc->assign(proto, *fd, ec);
    if (!ec) acc->listen(1024, ec);  // a handed-over listener keeps its queue of connections
    if (ec) return make_error("tcp " + a.text + ": " + ec.message());
    impl_->acceptors.push_back(std::move(acc));
    impl_->listeners.push_back({"tcp", a.text, *fd});
  }
  for (auto& acc : impl_->acceptors)
    asio::co_spawn(impl_->io, impl_->accept_loop(*acc), asio::detached);
  impl_->thread = std::thread([this] { impl_->io.run(); });
  return {};
}

void TcpServer::stop(std::chrono::milliseconds drain) {
  if (!impl_ || !impl_->thread.joinable()) return;
  asio::post(impl_->io, [this, drain] {
    for (auto& acc : impl_->acceptors) {
      boost::system::error_code ec;
      acc->close(ec);
    }
    asio::co_spawn(impl_->io, impl_->drain(Clock::now() + drain), asio::detached);
  });
  impl_->thread.join();
}

std::vector<HandedSocket> TcpServer::handed_sockets() const {
  return impl_->listeners;
}

}  // namespace gslb
