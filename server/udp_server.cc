#include "server/udp_server.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include "server/dnstap/dnstap_capture.h"
#include "server/response_rate_limit.h"

namespace gslb {
namespace {

constexpr unsigned kBatch = 64;
// Slots are sized to what a query and a response really take, not to a page: 64 slots of 4 KiB
// would alias in the cache and spill out of L2 (measured: a few % of throughput).
constexpr size_t kInSize = 1536;   // larger datagrams are not queries we answer (MSG_TRUNC)
constexpr size_t kOutSize = 4096;  // EngineConfig::max_udp_payload is capped to this
constexpr size_t kControlSize = 64;

}  // namespace

Result<int> open_bound_socket(const ListenAddress& a, int type) {
  int fd = socket(a.family(), type | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(a.text + ": socket: " + strerror(errno));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    int e = errno;
    close(fd);
    return make_error(a.text + ": SO_REUSEPORT: " + strerror(e));
  }
  if (a.family() == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (type == SOCK_DGRAM) {
    int buf = 4 << 20;  // ride out bursts; the kernel caps this at rmem_max
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
    if (a.is_wildcard()) {
      if (a.family() == AF_INET)
        setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
      else
        setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
    }
    timeval tv{0, 200 * 1000};  // wake up to notice stop()
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  if (bind(fd, reinterpret_cast<const sockaddr*>(&a.addr), a.length) != 0) {
    int e = errno;
    close(fd);
    return make_error(a.text + ": cannot bind: " + strerror(e));
  }
  return fd;
}

// SO_REUSEPORT lets any process of our user bind beside a running gslbd and silently take a
// share of its queries (a second start by mistake, an old instance left behind). A probe socket
// without it is refused while anyone is bound there: then only --handover may join.
Result<void> check_address_free(const ListenAddress& a) {
  int fd = socket(a.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(a.text + ": socket: " + strerror(errno));
  int one = 1;
  if (a.family() == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  const int r = bind(fd, reinterpret_cast<const sockaddr*>(&a.addr), a.length);
  const int e = errno;
  close(fd);
  if (r == 0 || e != EADDRINUSE) return {};  // other errors: the real bind reports them
  return make_error(ErrorKind::conflict,
                    a.text +
                        ": already served by another process (a gslbd still running?); "
                        "stop it, or start this one with the same --handover PATH to take "
                        "over its sockets");
}

UdpServer::UdpServer(const EngineConfig& config, const SnapshotHolder& snapshots,
                     std::vector<ListenAddress> addresses, unsigned threads)
    : config_(config), snapshots_(snapshots), addresses_(std::move(addresses)), threads_(threads) {}

UdpServer::~UdpServer() {
  stop();
}

Result<void> UdpServer::start(InheritedSockets* inherited) {
  for (const ListenAddress& a : addresses_) {
    if (inherited && inherited->has("udp", a.text)) continue;
    if (auto r = check_address_free(a); !r) return prefixed("udp ", r.failure());
  }
  std::vector<std::vector<int>> per_worker(threads_);
  std::vector<std::vector<bool>> wildcard(threads_);
  auto add = [&](unsigned t, size_t a, int fd) {
    fds_.push_back(fd);
    fd_address_.push_back(a);
    per_worker[t].push_back(fd);
    wildcard[t].push_back(addresses_[a].is_wildcard());
  };
  for (unsigned t = 0; t < threads_; ++t) {
    for (size_t a = 0; a < addresses_.size(); ++a) {
      const int given = inherited ? inherited->take("udp", addresses_[a].text) : -1;
      if (given >= 0) {
        add(t, a, given);
        continue;
      }
      auto fd = open_bound_socket(addresses_[a], SOCK_DGRAM);
      if (!fd) {
        for (int f : fds_) close(f);
        fds_.clear();
        fd_address_.clear();
        return prefixed("udp ", fd.failure());
      }
      add(t, a, *fd);
    }
  }
  // A predecessor with more workers handed over more sockets than we open: each is still in
  // the SO_REUSEPORT group and gets its share of the queries, so some worker must read it.
  if (inherited) {
    unsigned t = 0;
    for (size_t a = 0; a < addresses_.size(); ++a)
      for (int fd; (fd = inherited->take("udp", addresses_[a].text)) >= 0; t = (t + 1) % threads_)
        add(t, a, fd);
  }
  for (unsigned t = 0; t < threads_; ++t)
    workers_.emplace_back([this, fds = per_worker[t], w = wildcard[t]] { run_worker(fds, w); });
  return {};
}

std::vector<HandedSocket> UdpServer::handed_sockets() const {
  std::vector<HandedSocket> out;
  for (size_t i = 0; i < fds_.size(); ++i)
    out.push_back({"udp", addresses_[fd_address_[i]].text, fds_[i]});
  return out;
}

void UdpServer::stop() {
  stopping_.store(true);
  for (std::thread& t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
  for (int f : fds_) close(f);
  fds_.clear();
  fd_address_.clear();
}

// Turns the destination address of a received packet (IP_PKTINFO) into the source of the reply.
static size_t reply_control(const msghdr& in, uint8_t* out) {
  size_t len = 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(&in); c != nullptr;
       c = CMSG_NXTHDR(const_cast<msghdr*>(&in), c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo info;
      memcpy(&info, CMSG_DATA(c), sizeof info);
      in_pktinfo reply{};
      reply.ipi_spec_dst = info.ipi_addr;
      auto* oc = reinterpret_cast<cmsghdr*>(out);
      oc->cmsg_level = IPPROTO_IP;
      oc->cmsg_type = IP_PKTINFO;
      oc->cmsg_len = CMSG_LEN(sizeof reply);
      memcpy(CMSG_DATA(oc), &reply, sizeof reply);
      len = CMSG_SPACE(sizeof reply);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      in6_pktinfo info;
      memcpy(&info, CMSG_DATA(c), sizeof info);
      info.ipi6_ifindex = 0;
      auto* oc = reinterpret_cast<cmsghdr*>(out);
      oc->cmsg_level = IPPROTO_IPV6;
      oc->cmsg_type = IPV6_PKTINFO;
      oc->cmsg_len = CMSG_LEN(sizeof info);
      memcpy(CMSG_DATA(oc), &info, sizeof info);
      len = CMSG_SPACE(sizeof info);
    }
  }
  return len;
}

void UdpServer::run_worker(std::vector<int> fds, std::vector<bool> wildcard) {
  QueryEngine engine(config_, std::random_device{}());
  ResponseRateLimiter* const rrl = config_.rrl;
  DnstapProducer* const tap = config_.dnstap ? config_.dnstap->attach() : nullptr;
  const bool tap_decisions = tap && config_.dnstap->decisions();
  TapExchange exchange;
  SnapshotHolder::Reader reader(snapshots_);
  const size_t out_cap = std::min<size_t>(kOutSize, std::max<size_t>(512, config_.max_udp_payload));
  const size_t out_stride = (out_cap + 63) / 64 * 64 + 64;  // keep slots off the same cache sets

  // All buffers are allocated once per worker; the loop below allocates nothing.
  std::vector<uint8_t> in_buf(kBatch * kInSize), out_buf(kBatch * out_stride);
  std::vector<uint8_t> in_ctl(kBatch * kControlSize), out_ctl(kBatch * kControlSize);
  std::vector<sockaddr_storage> peers(kBatch);
  std::vector<iovec> in_iov(kBatch), out_iov(kBatch);
  std::vector<mmsghdr> in_msg(kBatch), out_msg(kBatch);
  std::vector<pollfd> pfds;
  for (int fd : fds) pfds.push_back({fd, POLLIN, 0});

  while (!stopping_.load(std::memory_order_relaxed)) {
    if (fds.size() > 1) {
      if (poll(pfds.data(), pfds.size(), 200) <= 0) continue;
    }
    for (size_t s = 0; s < fds.size(); ++s) {
      if (fds.size() > 1 && !(pfds[s].revents & POLLIN)) continue;
      const bool ctl = wildcard[s];
      for (unsigned i = 0; i < kBatch; ++i) {
        in_iov[i] = {in_buf.data() + i * kInSize, kInSize};
        msghdr& h = in_msg[i].msg_hdr;
        h = {};
        h.msg_name = &peers[i];
        h.msg_namelen = sizeof(sockaddr_storage);
        h.msg_iov = &in_iov[i];
        h.msg_iovlen = 1;
        if (ctl) {
          h.msg_control = in_ctl.data() + i * kControlSize;
          h.msg_controllen = kControlSize;
        }
      }
      // With one socket, block (bounded by SO_RCVTIMEO); with several, poll said which is ready.
      int flags = fds.size() > 1 ? MSG_DONTWAIT : MSG_WAITFORONE;
      int n = recvmmsg(fds[s], in_msg.data(), kBatch, flags, nullptr);
      if (n <= 0) continue;
      const Snapshot& snap = reader.refresh();
      uint32_t now_s = 0;
      if (rrl) {
        timespec ts{};
        clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
        now_s = static_cast<uint32_t>(ts.tv_sec);
      }
      if (tap) {
        clock_gettime(CLOCK_REALTIME, &exchange.received);
        exchange.server = &addresses_[s].addr;
      }
      unsigned k = 0;
      for (int i = 0; i < n; ++i) {
        const msghdr& h = in_msg[i].msg_hdr;
        if (h.msg_flags & MSG_TRUNC) continue;
        uint8_t* out = out_buf.data() + k * out_stride;
        size_t len = engine.answer(snap, Transport::kUdp, in_buf.data() + i * kInSize,
                                   in_msg[i].msg_len, out, out_cap, &peers[i]);
        if (len == 0) continue;
        if (rrl) {
          const RrlVerdict v =
              engine.last_cookie_valid()
                  ? RrlVerdict::kSend
                  : rrl->account(peers[i], rrl_class_of(out), rrl_account_hash(out, len), now_s);
          if (v == RrlVerdict::kDrop) continue;
          if (v == RrlVerdict::kSlip && (len = rrl_truncate(out, len)) == 0) continue;
        }
        if (tap) {  // what is sent, after RRL: a dropped response is no exchange
          exchange.query = in_buf.data() + i * kInSize;
          exchange.query_len = in_msg[i].msg_len;
          exchange.response = out;
          exchange.response_len = len;
          exchange.client = &peers[i];
          tap_exchange(*tap, tap_decisions, exchange, engine.last_decision());
        }
        out_iov[k] = {out, len};
        msghdr& o = out_msg[k].msg_hdr;
        o = {};
        o.msg_name = &peers[i];
        o.msg_namelen = h.msg_namelen;
        o.msg_iov = &out_iov[k];
        o.msg_iovlen = 1;
        if (ctl) {
          uint8_t* c = out_ctl.data() + k * kControlSize;
          size_t cl = reply_control(h, c);
          if (cl > 0) {
            o.msg_control = c;
            o.msg_controllen = cl;
          }
        }
        ++k;
      }
      for (unsigned sent = 0; sent < k;) {
        int r = sendmmsg(fds[s], out_msg.data() + sent, k - sent, 0);
        if (r <= 0) {
          if (r < 0 && errno == EINTR) continue;
          // A failed datagram (e.g. unreachable peer) must not stall the rest of the batch.
          ++sent;
          continue;
        }
        sent += static_cast<unsigned>(r);
      }
    }
  }
}

}  // namespace gslb
