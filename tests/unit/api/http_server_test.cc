// HttpServer over a real loopback socket: a handler that throws still gets the client an answer
// (500, JSON) and the operator one log line, instead of a dropped connection; a client that
// stalls its header or its body gets 408 (JSON) at the deadline, not a silent close.
#include "api/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>

namespace gslb::api {
namespace {

// One request on its own connection; the whole answer (the server closes or we time out).
std::string exchange(uint16_t port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return {};
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size())) {
    char buf[4096];
    for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) {
      out.append(buf, static_cast<size_t>(n));
      if (out.find("\r\n\r\n") != std::string::npos && out.find("}\n") != std::string::npos) break;
    }
  }
  close(fd);
  return out;
}

// Sends `request`, then reads until the server closes (or 5 s); the answer and how long it took.
std::pair<std::string, double> stalled(uint16_t port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return {};
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  const auto t0 = std::chrono::steady_clock::now();
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size())) {
    char buf[4096];
    for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;)
      out.append(buf, static_cast<size_t>(n));
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - t0;
  close(fd);
  return {out, took.count()};
}

HttpResponse ok_handler(void*, const HttpRequest&) {
  HttpResponse ok;
  ok.body = "{}\n";
  return ok;
}

TEST(HttpServer, AStalledHeaderOrBodyGets408WithAJsonError) {
  HttpLimits limits;
  limits.header_timeout = std::chrono::milliseconds(300);
  limits.body_timeout = std::chrono::milliseconds(400);
  HttpServer server("127.0.0.1:0", limits, 2, nullptr, ok_handler);
  ASSERT_TRUE(server.start().ok());
  struct Case {
    const char* what;
    std::string request;
    const char* message;
    double deadline;
  } cases[] = {
      {"half a header", "GET /v1/zones HTTP/1.1\r\nHost: t\r\nX-Half: ",
       "the request header did not arrive within 300 ms", 0.3},
      {"nothing at all", "", "the request header did not arrive within 300 ms", 0.3},
      {"half a body",
       "PUT /v1/config HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
       "Content-Length: 100\r\n\r\n{\"zones\": ",
       "the request body did not arrive within 400 ms", 0.4},
  };
  for (const Case& c : cases) {
    auto [answer, took] = stalled(server.port(), c.request);
    EXPECT_EQ(answer.rfind("HTTP/1.1 408", 0), 0u) << c.what << ": " << answer;
    EXPECT_NE(answer.find("application/json"), std::string::npos) << c.what << ": " << answer;
    EXPECT_NE(answer.find("\"error\": \"request_timeout\""), std::string::npos)
        << c.what << ": " << answer;
    EXPECT_NE(answer.find(c.message), std::string::npos) << c.what << ": " << answer;
    EXPECT_NE(answer.find("Connection: close"), std::string::npos) << c.what << ": " << answer;
    EXPECT_GE(took, c.deadline - 0.05) << c.what;
    EXPECT_LT(took, c.deadline + 2.0) << c.what;
  }
  server.stop();
}

// A kept connection that goes quiet after its answer is closed without a 408: one sent then
// could cross the client's next request.
TEST(HttpServer, AnIdleKeptConnectionIsClosedWithout408) {
  HttpLimits limits;
  limits.header_timeout = std::chrono::milliseconds(300);
  HttpServer server("127.0.0.1:0", limits, 1, nullptr, ok_handler);
  ASSERT_TRUE(server.start().ok());
  auto [answer, took] = stalled(server.port(), "GET /a HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_EQ(answer.find("408"), std::string::npos) << answer;
  EXPECT_GE(took, 0.25);
  EXPECT_LT(took, 2.5);
  server.stop();
}

TEST(HttpServer, AHandlerThatThrowsAnswers500AndLogsOneLine) {
  HttpServer server("127.0.0.1:0", HttpLimits{}, 1, nullptr,
                    [](void*, const HttpRequest& r) -> HttpResponse {
                      if (r.target.rfind("/boom", 0) == 0)
                        throw std::out_of_range("number overflow");
                      HttpResponse ok;
                      ok.body = "{}\n";
                      return ok;
                    });
  auto started = server.start();
  ASSERT_TRUE(started.ok()) << started.error();
  ::testing::internal::CaptureStderr();
  const std::string boom =
      exchange(server.port(), "GET /boom?x=1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(boom.rfind("HTTP/1.1 500", 0), 0u) << boom;
  EXPECT_NE(boom.find("application/json"), std::string::npos) << boom;
  EXPECT_NE(boom.find("\"error\": \"internal\""), std::string::npos) << boom;
  EXPECT_EQ(boom.find("number overflow"), std::string::npos) << "internals stay in the log";
  EXPECT_NE(log.find("GET /boom: the handler failed: number overflow"), std::string::npos) << log;
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << log;
  // The server still serves.
  const std::string fine =
      exchange(server.port(), "GET /fine HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(fine.rfind("HTTP/1.1 200", 0), 0u) << fine;
  server.stop();
}

}  // namespace
}  // namespace gslb::api
