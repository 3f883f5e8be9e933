// connect_floor: the kernel's price of a tcp health check, for `make bench` to set the agent's
// CPU beside (as reflect is for DNS). It does nothing but what any tcp checker must: N
// non-blocking connects a second to 127.1.x.y:PORT (the bench's sites), started in batches every
// 5 ms, completions from epoll, each connection reset and its socket reused (connect AF_UNSPEC,
// the cheapest teardown there is), no bookkeeping, no verdicts, no database. It prints its own
// CPU (user + system) as a share of one core.
//
// usage: connect_floor PORT MEMBERS SECONDS
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

sockaddr_in site(int i, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl((127u << 24) | (1u << 16) | (static_cast<unsigned>(i / 250) << 8) |
                            static_cast<unsigned>(i % 250 + 1));
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: connect_floor PORT MEMBERS SECONDS\n");
    return 2;
  }
  const int port = atoi(argv[1]), members = atoi(argv[2]), seconds = atoi(argv[3]);
  if (port <= 0 || port > 65535 || members <= 0 || seconds <= 0) {
    fprintf(stderr, "connect_floor: bad arguments\n");
    return 2;
  }
  using Clock = std::chrono::steady_clock;
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  std::vector<int> idle;
  std::vector<char> in_flight(1 << 20, 0);
  const int per_batch = members / 200 > 0 ? members / 200 : 1;  // every 5 ms
  long ok = 0, failed = 0;
  int next_member = 0;
  const auto start = Clock::now();
  auto batch_at = start;
  const double cpu0 = cpu_seconds();
  while (Clock::now() - start < std::chrono::seconds(seconds)) {
    for (int k = 0; k < per_batch; ++k) {
      int fd;
      if (!idle.empty()) {
        fd = idle.back();
        idle.pop_back();
      } else {
        fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0 || fd >= static_cast<int>(in_flight.size())) return 1;
        epoll_event ev{};
        ev.events = EPOLLOUT | EPOLLET;
        ev.data.fd = fd;
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
      }
      const sockaddr_in to = site(next_member++ % members, port);
      if (connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0 &&
          errno != EINPROGRESS) {
        ++failed;
        close(fd);
        continue;
      }
      in_flight[fd] = 1;
    }
    batch_at += std::chrono::milliseconds(5);
    for (;;) {
      const auto wait =
          std::chrono::duration_cast<std::chrono::milliseconds>(batch_at - Clock::now());
      epoll_event evs[256];
      const int n = epoll_wait(ep, evs, 256, wait.count() > 0 ? static_cast<int>(wait.count()) : 0);
      for (int j = 0; j < n; ++j) {
        const int fd = evs[j].data.fd;
        if (!in_flight[fd]) continue;  // the edge of a reset, not a connect
        pollfd p{fd, POLLOUT, 0};
        if (poll(&p, 1, 0) == 0) continue;  // still in SYN_SENT
        in_flight[fd] = 0;
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        err == 0 ? ++ok : ++failed;
        sockaddr unspec{};
        unspec.sa_family = AF_UNSPEC;
        connect(fd, &unspec, sizeof unspec);
        idle.push_back(fd);
      }
      if (Clock::now() >= batch_at) break;
    }
  }
  const double cpu = cpu_seconds() - cpu0;
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  printf("%.4f %ld %ld\n", cpu / wall, ok, failed);
  return 0;
}
