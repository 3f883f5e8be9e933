#include "server/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace gslb {

SystemdNotifier SystemdNotifier::from_environment() {
  SystemdNotifier n;
  if (const char* path = getenv("NOTIFY_SOCKET"); path && *path) n.socket_path_ = path;
  const char* usec = getenv("WATCHDOG_USEC");
  const char* pid = getenv("WATCHDOG_PID");
  if (usec && (!pid || strtol(pid, nullptr, 10) == getpid())) {
    const long long v = strtoll(usec, nullptr, 10);
    if (v > 0) n.watchdog_ = std::chrono::microseconds(v);
  }
  return n;
}

void SystemdNotifier::send(std::string_view state) const {
  if (socket_path_.empty()) return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path_.size() >= sizeof addr.sun_path) return;
  memcpy(addr.sun_path, socket_path_.data(), socket_path_.size());
  socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_path_.size());
  if (addr.sun_path[0] == '@')
    addr.sun_path[0] = '\0';  // abstract namespace
  else
    ++len;  // and the path's NUL
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  // Best effort, as sd_notify is: a service manager that went away must not stop the server.
  (void)sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr),
               len);
  close(fd);
}

void SystemdNotifier::reloading() const {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  const long long usec = static_cast<long long>(now.tv_sec) * 1000000 + now.tv_nsec / 1000;
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

}  // namespace gslb
