// TcpServer::stop(drain): a client that pipelined its queries and reads its answers slowly still
// gets every answer to a query it sent before the stop (the answers back up, so most of those
// queries are still unread in the server's socket when the drain begins).
#include "server/tcp_server.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "server/snapshot_updater.h"

#include "tests/unit/testing/packet_builder.h"

namespace gslb {
namespace {

int connect_slow_reader(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  // A small receive window: the server's answers stall in its writes, queries pile up unread.
  const int small = 4096;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Whole DNS messages read until the server closes the connection.
size_t count_answers(int fd) {
  std::vector<uint8_t> buf;
  uint8_t chunk[65536];
  size_t answers = 0;
  for (;;) {
    const ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) break;
    buf.insert(buf.end(), chunk, chunk + n);
    size_t at = 0;
    while (buf.size() - at >= 2) {
      const size_t len = (static_cast<size_t>(buf[at]) << 8) | buf[at + 1];
      if (buf.size() - at < 2 + len) break;
      ++answers;
      at += 2 + len;
    }
    buf.erase(buf.begin(), buf.begin() + static_cast<long>(at));
  }
  return answers;
}

TEST(TcpServerDrain, EveryPipelinedQuerySentBeforeTheStopIsAnswered) {
  SnapshotUpdater updater("", {{"", std::string(GSLBD_TEST_DATA) + "/example.test.zone"}});
  auto snap = updater.initial(0);
  ASSERT_TRUE(snap.ok()) << snap.error();
  SnapshotHolder holder(*snap);
  EngineConfig config;
  auto address = parse_listen_address("127.0.0.1:0");
  ASSERT_TRUE(address.ok()) << address.error();
  TcpServer server(config, holder, {*address}, TcpLimits{});
  ASSERT_TRUE(server.start().ok());
  sockaddr_in bound{};
  socklen_t bound_len = sizeof bound;
  ASSERT_EQ(getsockname(server.handed_sockets().at(0).fd, reinterpret_cast<sockaddr*>(&bound),
                        &bound_len),
            0);
  const int fd = connect_slow_reader(ntohs(bound.sin_port));
  ASSERT_GE(fd, 0);

  constexpr size_t kQueries = 2000;
  std::vector<uint8_t> burst;
  for (size_t i = 0; i < kQueries; ++i) {
    testing::QuerySpec q;
    q.qname = "big.example.test.";
    q.qtype = rrtype::TXT;
    q.id = static_cast<uint16_t>(i);
    const testing::Bytes m = testing::make_query(q);
    burst.push_back(static_cast<uint8_t>(m.size() >> 8));
    burst.push_back(static_cast<uint8_t>(m.size()));
    burst.insert(burst.end(), m.begin(), m.end());
  }
  std::thread sender([&] {
    size_t sent = 0;
    while (sent < burst.size()) {
      const ssize_t n = write(fd, burst.data() + sent, burst.size() - sent);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
  });
  sender.join();  // every query is in the server's hands before it is told to stop
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::thread stopper([&] { server.stop(std::chrono::milliseconds(5000)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the drain has begun
  const size_t answers = count_answers(fd);
  stopper.join();
  close(fd);
  EXPECT_EQ(answers, kQueries);
}

}  // namespace
}  // namespace gslb
