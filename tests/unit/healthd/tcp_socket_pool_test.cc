// TcpSocketPool: a connected socket handed back is reset (the peer sees RST, not FIN), kept and
// handed out again; a kept socket connects afresh with no error left over from the reset; the
// pool is bounded per family; and the tcp probe goes through it.
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "healthd/probes/probe.h"
#include "healthd/probes/tcp_socket_pool.h"
#include "tests/unit/healthd/probe_testing.h"

namespace gslb {
namespace {

using boost::asio::ip::tcp;
using testing::closed_tcp_port;
using testing::loopback_spec;
using testing::run_probe;
using namespace std::chrono_literals;

tcp::endpoint loopback(uint16_t port) {
  return tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port);
}

// What the site sees of a connection: how its first read ends.
boost::system::error_code first_read(tcp::socket& server_side) {
  char byte;
  boost::system::error_code ec;
  server_side.read_some(boost::asio::buffer(&byte, 1), ec);
  return ec;
}

// Connects asynchronously (as the probe does, through the reactor) and returns the outcome.
boost::system::error_code async_connect(boost::asio::io_context& io, tcp::socket& s,
                                        const tcp::endpoint& to) {
  boost::system::error_code result = boost::asio::error::would_block;
  s.async_connect(to, [&](const boost::system::error_code& ec) { result = ec; });
  io.restart();
  io.run_for(2s);
  return result;
}

TEST(TcpSocketPool, ConnectedSocketIsResetKeptAndReused) {
  boost::asio::io_context io;
  tcp::acceptor listener(io, loopback(0));
  auto& pool = boost::asio::use_service<TcpSocketPool>(io);
  boost::system::error_code ec;

  tcp::socket s = pool.take(tcp::v4(), ec);
  ASSERT_FALSE(ec) << ec.message();
  const auto handle = s.native_handle();
  ASSERT_FALSE(async_connect(io, s, listener.local_endpoint()));
  tcp::socket first = listener.accept();
  pool.give_back(std::move(s), tcp::v4());
  EXPECT_EQ(pool.idle(), 1u);
  EXPECT_EQ(first_read(first), boost::asio::error::connection_reset);

  tcp::socket again = pool.take(tcp::v4(), ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(again.native_handle(), handle);
  EXPECT_EQ(pool.idle(), 0u);
  // No error left over from the reset: the next connect succeeds, as a new connection.
  ASSERT_FALSE(async_connect(io, again, listener.local_endpoint()));
  tcp::socket second = listener.accept();
  pool.give_back(std::move(again), tcp::v4());
  EXPECT_EQ(first_read(second), boost::asio::error::connection_reset);
}

TEST(TcpSocketPool, KeptSocketReportsTheNextConnectsOwnError) {
  boost::asio::io_context io;
  tcp::acceptor listener(io, loopback(0));
  auto& pool = boost::asio::use_service<TcpSocketPool>(io);
  boost::system::error_code ec;
  tcp::socket s = pool.take(tcp::v4(), ec);
  ASSERT_FALSE(async_connect(io, s, listener.local_endpoint()));
  pool.give_back(std::move(s), tcp::v4());
  tcp::socket kept = pool.take(tcp::v4(), ec);
  EXPECT_EQ(async_connect(io, kept, loopback(closed_tcp_port())),
            boost::asio::error::connection_refused);
}

TEST(TcpSocketPool, UnconnectedOrSurplusSocketsAreClosedNotKept) {
  boost::asio::io_context io;
  tcp::acceptor listener(io, loopback(0));
  listener.listen(4096);
  auto& pool = boost::asio::use_service<TcpSocketPool>(io);
  boost::system::error_code ec;

  pool.give_back(tcp::socket(io), tcp::v4());  // never opened
  tcp::socket never_connected = pool.take(tcp::v4(), ec);
  ASSERT_FALSE(ec);
  pool.give_back(std::move(never_connected), tcp::v4());  // disconnecting it is harmless
  const size_t after_unconnected = pool.idle();
  EXPECT_LE(after_unconnected, 1u);

  const size_t n = pool.capacity() + 3;
  std::vector<tcp::socket> sockets;
  for (size_t i = 0; i < n; ++i) {
    sockets.push_back(pool.take(tcp::v4(), ec));
    ASSERT_FALSE(ec) << i << ": " << ec.message();
    sockets.back().connect(listener.local_endpoint(), ec);
    ASSERT_FALSE(ec) << i << ": " << ec.message();
  }
  std::set<int> handles;
  for (auto& s : sockets) {
    handles.insert(s.native_handle());
    pool.give_back(std::move(s), tcp::v4());
  }
  EXPECT_EQ(handles.size(), n);
  EXPECT_EQ(pool.idle(), pool.capacity());
}

TEST(TcpSocketPool, FamiliesAreKeptApart) {
  boost::asio::io_context io;
  auto& pool = boost::asio::use_service<TcpSocketPool>(io);
  boost::system::error_code ec;
  tcp::socket v6 = pool.take(tcp::v6(), ec);
  ASSERT_FALSE(ec) << ec.message();
  const auto handle = v6.native_handle();
  pool.give_back(std::move(v6), tcp::v6());  // unconnected: the reset is a no-op, it is kept
  ASSERT_EQ(pool.idle(), 1u);
  tcp::socket v4 = pool.take(tcp::v4(), ec);
  ASSERT_FALSE(ec);
  EXPECT_NE(v4.native_handle(), handle);
  EXPECT_EQ(v4.local_endpoint().protocol(), tcp::v4());
  tcp::socket again = pool.take(tcp::v6(), ec);
  EXPECT_EQ(again.native_handle(), handle);
  EXPECT_EQ(again.local_endpoint().protocol(), tcp::v6());
}

// The probe end to end: every connection a site sees is reset, and sequential probes share one
// socket.
TEST(TcpSocketPool, TcpProbeResetsEachConnectionAndReusesOneSocket) {
  boost::asio::io_context io;
  tcp::acceptor listener(io, loopback(0));
  auto probe = find_probe("tcp")(io);
  for (int i = 0; i < 5; ++i) {
    const auto run = run_probe(io, *probe, loopback_spec("tcp", listener.local_endpoint().port()));
    ASSERT_TRUE(run.result.ok) << run.result.detail;
    tcp::socket seen = listener.accept();
    EXPECT_EQ(first_read(seen), boost::asio::error::connection_reset) << i;
  }
  EXPECT_EQ(boost::asio::use_service<TcpSocketPool>(io).idle(), 1u);
  // A refused probe takes the kept socket and closes it: a failed socket is never kept.
  EXPECT_FALSE(run_probe(io, *probe, loopback_spec("tcp", closed_tcp_port())).result.ok);
  EXPECT_EQ(boost::asio::use_service<TcpSocketPool>(io).idle(), 0u);
}

}  // namespace
}  // namespace gslb
