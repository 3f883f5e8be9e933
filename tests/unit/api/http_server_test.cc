// HttpServer over a real loopback socket: a handler that throws still gets the client an answer
// (500, JSON) and the operator one log line, instead of a dropped connection.
#include "api/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
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
