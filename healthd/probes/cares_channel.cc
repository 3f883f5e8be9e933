#include "healthd/probes/cares_channel.h"

#include <cstring>

namespace gslb {

namespace posix = boost::asio::posix;
using boost::system::error_code;

bool cares_ready() {
  static const int status = ares_library_init(ARES_LIB_INIT_ALL);
  return status == ARES_SUCCESS;
}

Result<std::shared_ptr<CaresChannel>> CaresChannel::open(
    boost::asio::io_context& io, ares_options options, int mask,
    std::optional<boost::asio::ip::address> server, uint16_t port) {
  if (!cares_ready()) return make_error("c-ares initialisation failed");
  std::shared_ptr<CaresChannel> ch(new CaresChannel(io));
  // A placeholder server keeps c-ares from reading resolv.conf's when we name our own.
  in_addr placeholder{};
  placeholder.s_addr = htonl(INADDR_LOOPBACK);
  if (server) {
    options.servers = &placeholder;
    options.nservers = 1;
    mask |= ARES_OPT_SERVERS;
  }
  options.sock_state_cb = &CaresChannel::on_sock_state;
  options.sock_state_cb_data = ch.get();
  mask |= ARES_OPT_SOCK_STATE_CB;
  int rc = ares_init_options(&ch->channel_, &options, mask);
  if (rc != ARES_SUCCESS) {
    ch->channel_ = nullptr;
    return make_error(std::string("c-ares init failed: ") + ares_strerror(rc));
  }
  if (server) {
    ares_addr_port_node node{};
    node.next = nullptr;
    node.udp_port = port;
    node.tcp_port = port;
    if (server->is_v4()) {
      node.family = AF_INET;
      const auto bytes = server->to_v4().to_bytes();
      std::memcpy(&node.addr.addr4, bytes.data(), bytes.size());
    } else {
      node.family = AF_INET6;
      const auto bytes = server->to_v6().to_bytes();
      std::memcpy(&node.addr.addr6, bytes.data(), bytes.size());
    }
    rc = ares_set_servers_ports(ch->channel_, &node);
    if (rc != ARES_SUCCESS)
      return make_error(std::string("c-ares server setup failed: ") + ares_strerror(rc));
  }
  return ch;
}

CaresChannel::~CaresChannel() {
  destroy();
}

void CaresChannel::destroy() {
  if (channel_ == nullptr) return;
  destroying_ = true;
  for (auto& [fd, w] : watches_) forget(*w);
  watches_.clear();
  ares_destroy(channel_);  // calls every pending callback (ARES_EDESTRUCTION), closes sockets
  channel_ = nullptr;
}

void CaresChannel::on_sock_state(void* data, ares_socket_t fd, int readable, int writable) {
  auto* self = static_cast<CaresChannel*>(data);
  if (self->destroying_) return;
  auto it = self->watches_.find(fd);
  if (!readable && !writable) {
    if (it == self->watches_.end()) return;
    self->forget(*it->second);
    self->watches_.erase(it);
    return;
  }
  if (it == self->watches_.end()) {
    it = self->watches_.emplace(fd, std::make_shared<Watch>(self->io_, fd)).first;
  }
  it->second->want_read = readable != 0;
  it->second->want_write = writable != 0;
  self->arm(it->second, fd);
}

// Stops watching without closing: the descriptor belongs to c-ares. Pending waits complete
// with operation_aborted.
void CaresChannel::forget(Watch& w) {
  w.alive = false;
  error_code ignored;
  w.descriptor.cancel(ignored);
  w.descriptor.release();
}

void CaresChannel::arm(const std::shared_ptr<Watch>& w, ares_socket_t fd) {
  // During ares_init_options there is no shared owner yet; c-ares opens no socket then.
  auto self = weak_from_this().lock();
  if (!self) return;
  if (w->want_read && !w->read_armed) {
    w->read_armed = true;
    w->descriptor.async_wait(posix::descriptor_base::wait_read,
                             [self, w, fd](const error_code& ec) {
                               w->read_armed = false;
                               self->on_ready(ec, w, fd, fd, ARES_SOCKET_BAD);
                             });
  }
  if (w->want_write && !w->write_armed) {
    w->write_armed = true;
    w->descriptor.async_wait(posix::descriptor_base::wait_write,
                             [self, w, fd](const error_code& ec) {
                               w->write_armed = false;
                               self->on_ready(ec, w, fd, ARES_SOCKET_BAD, fd);
                             });
  }
}

void CaresChannel::on_ready(const error_code& ec, const std::shared_ptr<Watch>& w, ares_socket_t fd,
                            ares_socket_t read_fd, ares_socket_t write_fd) {
  if (ec || !w->alive || channel_ == nullptr) return;
  ares_process_fd(channel_, read_fd, write_fd);  // may call on_sock_state and query callbacks
  if (w->alive && channel_ != nullptr) arm(w, fd);
}

}  // namespace gslb
