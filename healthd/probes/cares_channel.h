// CaresChannel: one c-ares channel driven by an Asio io_context, shared by the dns probe (one
// query to the target) and the name resolution of CNAME-target members (name_target_probe.h).
//
// c-ares owns its sockets; it tells us through the socket-state callback which descriptors to
// watch, and we wrap each in a posix::stream_descriptor only to async_wait on it (released,
// never closed, by us). c-ares calls its query callbacks inside ares_process_fd, so an owner
// must not destroy() from inside one of them: post it. After destroy() no query callback
// reaches the owner again (those c-ares makes while destroying are told apart by destroying()),
// so an owner that calls destroy() before it dies may pass itself as the callbacks' argument.
// Thread-compatible: io thread only.
#pragma once

#include <ares.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "zones/base/result.h"

namespace gslb {

class CaresChannel : public std::enable_shared_from_this<CaresChannel> {
 public:
  // A channel with `options` (of `mask`; the socket-state callback is ours) asking `server`
  // only, or, without one, the servers of /etc/resolv.conf. Errors: "c-ares ...".
  static Result<std::shared_ptr<CaresChannel>> open(
      boost::asio::io_context& io, ares_options options, int mask,
      std::optional<boost::asio::ip::address> server = std::nullopt, uint16_t port = 53);
  ~CaresChannel();
  CaresChannel(const CaresChannel&) = delete;
  CaresChannel& operator=(const CaresChannel&) = delete;

  ares_channel get() const { return channel_; }
  // Ends every query (their callbacks run now, with destroying() true) and closes c-ares'
  // sockets. Idempotent.
  void destroy();
  bool destroying() const { return destroying_; }

 private:
  explicit CaresChannel(boost::asio::io_context& io) : io_(io) {}

  // One descriptor c-ares asked us to watch, shared with the handlers waiting on it.
  struct Watch {
    Watch(boost::asio::io_context& io, ares_socket_t fd) : descriptor(io, fd) {}
    boost::asio::posix::stream_descriptor descriptor;
    bool want_read = false, want_write = false;
    bool read_armed = false, write_armed = false;
    bool alive = true;
  };

  static void on_sock_state(void* data, ares_socket_t fd, int readable, int writable);
  void forget(Watch& w);
  void arm(const std::shared_ptr<Watch>& w, ares_socket_t fd);
  void on_ready(const boost::system::error_code& ec, const std::shared_ptr<Watch>& w,
                ares_socket_t fd, ares_socket_t read_fd, ares_socket_t write_fd);

  boost::asio::io_context& io_;
  ares_channel channel_ = nullptr;
  std::map<ares_socket_t, std::shared_ptr<Watch>> watches_;
  bool destroying_ = false;
};

// c-ares' process-wide initialisation (a no-op on Linux today, required by its API contract).
bool cares_ready();

}  // namespace gslb
