#include "server/handover.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "zones/base/log.h"

namespace gslb {
namespace {

constexpr size_t kMaxMessage = 512;
constexpr int kReadyTimeoutMs = 300000;  // a successor may load large zones before it answers

Result<sockaddr_un> unix_address(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof a.sun_path)
    return make_error(ErrorKind::invalid, "--handover: a socket path of 1 to " +
                                              std::to_string(sizeof a.sun_path - 1) +
                                              " characters, not \"" + path + "\"");
  memcpy(a.sun_path, path.data(), path.size());
  return a;
}

std::string errno_text() {
  return strerror(errno);
}

bool send_text(int fd, const std::string& text, int pass_fd = -1) {
  iovec iov{const_cast<char*>(text.data()), text.size()};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  if (pass_fd >= 0) {
    m.msg_control = control;
    m.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
  }
  ssize_t n;
  do n = sendmsg(fd, &m, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(text.size());
}

// One message, and the descriptor it carried (-1 if none). False at the end or on an error.
bool receive_text(int fd, std::string& text, int& got_fd, int timeout_ms) {
  got_fd = -1;
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return false;
  char buf[kMaxMessage];
  iovec iov{buf, sizeof buf};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  m.msg_control = control;
  m.msg_controllen = sizeof control;
  ssize_t n;
  do n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n <= 0) return false;
  for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
        c->cmsg_len == CMSG_LEN(sizeof(int)))
      memcpy(&got_fd, CMSG_DATA(c), sizeof(int));
  text.assign(buf, static_cast<size_t>(n));
  return true;
}

// Only a process of our own user (or root) may take our sockets.
bool peer_is_trusted(int conn, pid_t& pid) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return false;
  pid = cred.pid;
  return cred.uid == geteuid() || cred.uid == 0;
}

}  // namespace

InheritedSockets::~InheritedSockets() {
  for (const HandedSocket& s : sockets_) close(s.fd);
}

bool InheritedSockets::has(std::string_view kind, std::string_view address) const {
  for (const HandedSocket& s : sockets_)
    if (s.kind == kind && s.address == address) return true;
  return false;
}

int InheritedSockets::take(std::string_view kind, std::string_view address) {
  for (auto it = sockets_.begin(); it != sockets_.end(); ++it) {
    if (it->kind == kind && it->address == address) {
      const int fd = it->fd;
      sockets_.erase(it);
      return fd;
    }
  }
  return -1;
}

Result<std::unique_ptr<Takeover>> Takeover::begin(const std::string& path) {
  auto addr = unix_address(path);
  if (!addr) return addr.failure();
  const int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(ErrorKind::io, "--handover: socket: " + errno_text());
  if (connect(fd, reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) != 0) {
    const int e = errno;
    close(fd);
    if (e == ENOENT || e == ECONNREFUSED) return std::unique_ptr<Takeover>();  // nobody there
    errno = e;
    return make_error(ErrorKind::io, "--handover " + path + ": " + errno_text());
  }
  std::vector<HandedSocket> got;
  auto fail = [&](const std::string& why) -> Result<std::unique_ptr<Takeover>> {
    for (const HandedSocket& s : got) close(s.fd);
    close(fd);
    return make_error(ErrorKind::io, "--handover " + path + ": " + why);
  };
  if (!send_text(fd, "TAKEOVER " + std::to_string(getpid())))
    return fail("cannot ask the running gslbd: " + errno_text());
  for (;;) {
    std::string text;
    int passed = -1;
    if (!receive_text(fd, text, passed, 10000))
      return fail("the running gslbd stopped answering while handing over");
    if (text.rfind("END ", 0) == 0) {
      const pid_t old = static_cast<pid_t>(atol(text.c_str() + 4));
      return std::unique_ptr<Takeover>(new Takeover(fd, old, std::move(got)));
    }
    // "SOCKET KIND ADDRESS" with its descriptor.
    const size_t sp = text.find(' ', 7);
    if (text.rfind("SOCKET ", 0) != 0 || passed < 0 || sp == std::string::npos) {
      if (passed >= 0) close(passed);
      return fail("unexpected message \"" + text.substr(0, 60) + "\"");
    }
    got.push_back({text.substr(7, sp - 7), text.substr(sp + 1), passed});
  }
}

Takeover::~Takeover() {
  close(fd_);
}

Result<void> Takeover::ready() {
  if (!send_text(fd_, "READY"))
    return make_error(ErrorKind::io, "--handover: cannot tell the old gslbd: " + errno_text());
  return {};
}

Result<std::unique_ptr<HandoverListener>> HandoverListener::listen(
    const std::string& path, std::vector<HandedSocket> sockets, void (*on_handed_over)(pid_t)) {
  auto addr = unix_address(path);
  if (!addr) return addr.failure();
  const int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(ErrorKind::io, "--handover: socket: " + errno_text());
  // What is at PATH now is our predecessor's (it is going) or a stale file.
  unlink(path.c_str());
  const mode_t old_mask = umask(0077);  // only our user may connect
  const int bound = bind(fd, reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr);
  umask(old_mask);
  if (bound != 0 || ::listen(fd, 4) != 0) {
    const std::string why = errno_text();
    close(fd);
    return make_error(ErrorKind::io, "--handover " + path + ": cannot listen: " + why);
  }
  auto l = std::unique_ptr<HandoverListener>(
      new HandoverListener(path, fd, std::move(sockets), on_handed_over));
  if (pipe2(l->wake_, O_CLOEXEC) != 0)
    return make_error(ErrorKind::io, "--handover: pipe: " + errno_text());
  struct stat st;
  if (stat(path.c_str(), &st) == 0) l->inode_ = st.st_ino;
  l->thread_ = std::thread([p = l.get()] { p->run(); });
  return l;
}

HandoverListener::HandoverListener(std::string path, int fd, std::vector<HandedSocket> sockets,
                                   void (*on_handed_over)(pid_t))
    : path_(std::move(path)),
      listen_fd_(fd),
      sockets_(std::move(sockets)),
      on_handed_over_(on_handed_over) {}

HandoverListener::~HandoverListener() {
  if (wake_[1] >= 0) {
    const char c = 'x';
    ssize_t r = write(wake_[1], &c, 1);
    (void)r;
  }
  if (thread_.joinable()) thread_.join();
  struct stat st;
  if (stat(path_.c_str(), &st) == 0 && st.st_ino == inode_) unlink(path_.c_str());
  close(listen_fd_);
  for (int f : wake_)
    if (f >= 0) close(f);
}

void HandoverListener::run() {
  for (;;) {
    pollfd p[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (p[1].revents) return;
    const int conn = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) continue;
    const bool done = serve_one(conn);
    close(conn);
    if (done) return;
  }
}

// One successor: our sockets to it, then its word that it serves. True once handed over.
bool HandoverListener::serve_one(int conn) {
  pid_t pid = 0;
  if (!peer_is_trusted(conn, pid)) {
    log_warn("handover: refused a process of another user");
    return false;
  }
  std::string text;
  int stray = -1;
  if (!receive_text(conn, text, stray, 5000) || text.rfind("TAKEOVER ", 0) != 0) {
    if (stray >= 0) close(stray);
    return false;
  }
  log_info("handover: gslbd pid " + std::to_string(pid) + " is taking over");
  for (const HandedSocket& s : sockets_)
    if (!send_text(conn, "SOCKET " + s.kind + " " + s.address, s.fd)) return false;
  if (!send_text(conn, "END " + std::to_string(getpid()))) return false;
  // Wait for READY, or for the successor to give up (then we go on serving).
  pollfd p[2] = {{conn, POLLIN, 0}, {wake_[0], POLLIN, 0}};
  if (poll(p, 2, kReadyTimeoutMs) <= 0 || p[1].revents) return false;
  if (!receive_text(conn, text, stray, 0) || text != "READY") {
    if (stray >= 0) close(stray);
    log_warn("handover: gslbd pid " + std::to_string(pid) +
             " did not take over (it stopped before it was ready); still serving");
    return false;
  }
  log_info("handover: gslbd pid " + std::to_string(pid) + " serves now; stopping");
  on_handed_over_(pid);
  return true;
}

}  // namespace gslb
