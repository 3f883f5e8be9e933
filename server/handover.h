// Socket handover (--handover PATH): a new gslbd takes over the listening sockets of the
// running one, so a restart or an upgrade loses no query.
//
// The running gslbd listens on the Unix socket PATH. A new one started with the same PATH
// connects there first and receives every DNS socket (each UDP worker's, each TCP listener)
// and the API's listener over SCM_RIGHTS: the very sockets, with the datagrams already queued
// in them. It serves on them (binding only what it did not receive), and once it answers it
// says so; the old one then stops its UDP workers and accepting, lets TCP connections finish
// the query they are in, and exits. Both read the same sockets for that overlap, so nothing
// queued is dropped, which an SO_REUSEPORT overlap alone cannot promise: the kernel discards
// the queue of every socket the old process closes.
//
// If nothing listens at PATH (the first start, a stale file) the new gslbd binds as usual. If
// the new one fails before it is ready, the old one keeps serving.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "zones/base/result.h"

namespace gslb {

// One listening socket and what it is: kind "udp", "tcp" or "api" and the listen address text.
struct HandedSocket {
  std::string kind;
  std::string address;
  int fd = -1;
};

// The sockets a new process received, taken as its servers open theirs. Owns the descriptors
// nobody took (closed on destruction).
class InheritedSockets {
 public:
  InheritedSockets() = default;
  explicit InheritedSockets(std::vector<HandedSocket> sockets) : sockets_(std::move(sockets)) {}
  ~InheritedSockets();
  InheritedSockets(const InheritedSockets&) = delete;
  InheritedSockets& operator=(const InheritedSockets&) = delete;

  // The first socket of `kind` for `address`, now the caller's; -1 when none is left.
  int take(std::string_view kind, std::string_view address);
  bool has(std::string_view kind, std::string_view address) const;
  size_t size() const { return sockets_.size(); }

 private:
  std::vector<HandedSocket> sockets_;
};

// The new process's side: connected to the old one, holding what it sent.
class Takeover {
 public:
  // Connects to `path` and receives the sockets. Null (and no error) when nothing listens.
  static Result<std::unique_ptr<Takeover>> begin(const std::string& path);
  ~Takeover();

  InheritedSockets& sockets() { return sockets_; }
  pid_t old_pid() const { return old_pid_; }
  // We answer on everything: the old process may stop.
  Result<void> ready();

 private:
  Takeover(int fd, pid_t old_pid, std::vector<HandedSocket> sockets)
      : fd_(fd), old_pid_(old_pid), sockets_(std::move(sockets)) {}
  int fd_;
  pid_t old_pid_;
  InheritedSockets sockets_;
};

// The running process's side: a thread that serves one successor at a time. `on_handed_over`
// runs (on that thread) once a successor said it is ready; the process then stops.
class HandoverListener {
 public:
  static Result<std::unique_ptr<HandoverListener>> listen(const std::string& path,
                                                          std::vector<HandedSocket> sockets,
                                                          void (*on_handed_over)(pid_t successor));
  ~HandoverListener();  // stops the thread, removes PATH if it is still ours

 private:
  HandoverListener(std::string path, int fd, std::vector<HandedSocket> sockets,
                   void (*on_handed_over)(pid_t));
  void run();
  bool serve_one(int conn);

  std::string path_;
  int listen_fd_;
  int wake_[2] = {-1, -1};  // the destructor writes here to end run()
  std::vector<HandedSocket> sockets_;
  void (*on_handed_over_)(pid_t);
  ino_t inode_ = 0;
  std::thread thread_;
};

}  // namespace gslb
