// Probe "icmp": one ICMP (IPv4) or ICMPv6 echo request, ok on the matching echo reply.
//
// Contract:
//   keys: address, timeout (port, path and the rest are ignored).
//   Socket: an unprivileged datagram ICMP socket (socket(AF_INET[6], SOCK_DGRAM,
//   IPPROTO_ICMP[V6]); Linux allows it to groups in net.ipv4.ping_group_range) and, when that
//   is not permitted, a raw socket (CAP_NET_RAW). One socket per attempt.
//   Matching: the reply must come from the probed address and carry our sequence number and an
//   8-byte token in the payload; on raw sockets (which see every ICMP message of the host) also
//   our identifier. Datagram sockets get the identifier from the kernel and only our replies.
//   ok: the matching echo reply. failure details: "destination unreachable (code N)" and "time
//   exceeded" (raw sockets, when the error quotes our request), "send failed: ...", "ICMP not
//   permitted (...)", "timeout after N ms".
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/generic/datagram_protocol.hpp>
#include <boost/asio/ip/udp.hpp>

#include "healthd/probes/probe_attempt.h"
#include "healthd/probes/probes.h"

namespace gslb {
namespace {

using boost::system::error_code;
using generic_dgram = boost::asio::generic::datagram_protocol;

constexpr uint8_t kEchoRequest4 = 8, kEchoReply4 = 0, kUnreachable4 = 3, kTimeExceeded4 = 11;
constexpr uint8_t kEchoRequest6 = 128, kEchoReply6 = 129, kUnreachable6 = 1, kTimeExceeded6 = 3;
constexpr size_t kHeader = 8;    // type, code, checksum, identifier, sequence
constexpr size_t kPayload = 16;  // token (8 bytes) and padding
constexpr size_t kIpv6Header = 40;
constexpr int kIcmpFilter = 1;  // ICMP_FILTER of <linux/icmp.h> (SOL_RAW), a block mask

// RFC 1071 Internet checksum.
uint16_t checksum(const uint8_t* data, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += (uint32_t{data[i]} << 8) | data[i + 1];
  if (len % 2 == 1) sum += uint32_t{data[len - 1]} << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

uint16_t get16(const uint8_t* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}

struct Echo {
  uint16_t id, seq;
  uint64_t token;
};

class IcmpAttempt final : public Attempt {
 public:
  IcmpAttempt(boost::asio::io_context& io, const ProbeSpec& spec,
              std::function<void(ProbeResult)> done, Echo echo)
      : Attempt(io, spec, std::move(done)), echo_(echo), v4_(spec.address.is_v4()) {}

  void start() {
    arm_deadline();
    if (auto detail = open_socket()) return fail(*detail);
    build_request();
    const generic_dgram::endpoint to(boost::asio::ip::udp::endpoint(spec().address, 0));
    socket_.async_send_to(boost::asio::buffer(request_), to,
                          [self = self<IcmpAttempt>()](const error_code& ec, size_t) {
                            if (self->finished() || !ec) return;
                            self->fail("send failed: " + describe_error(ec));
                          });
    receive();
  }

 private:
  // An error detail when no ICMP socket can be had.
  std::optional<std::string> open_socket() {
    const int family = v4_ ? AF_INET : AF_INET6;
    const int proto = v4_ ? int{IPPROTO_ICMP} : int{IPPROTO_ICMPV6};
    int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
    if (fd < 0 && (errno == EACCES || errno == EPERM || errno == EPROTONOSUPPORT)) {
      fd = ::socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
      raw_ = true;
    }
    if (fd < 0) {
      const int err = errno;
      if (err == EACCES || err == EPERM) {
        return std::string(
            "ICMP not permitted (needs net.ipv4.ping_group_range or "
            "CAP_NET_RAW)");
      }
      return std::string("ICMP socket failed: ") + std::strerror(err);
    }
    if (raw_) install_filter(fd);
    error_code ec;
    socket_.assign(generic_dgram(family, proto), fd, ec);
    if (ec) {
      ::close(fd);
      return "ICMP socket failed: " + ec.message();
    }
    return std::nullopt;
  }

  // A raw socket sees every ICMP message of the host: let the kernel drop what we never read.
  // Best effort; the parser below filters anyway.
  void install_filter(int fd) const {
    if (v4_) {
      uint32_t block = ~((1u << kEchoReply4) | (1u << kUnreachable4) | (1u << kTimeExceeded4));
      (void)::setsockopt(fd, SOL_RAW, kIcmpFilter, &block, sizeof block);
    } else {
      icmp6_filter filter;
      ICMP6_FILTER_SETBLOCKALL(&filter);
      ICMP6_FILTER_SETPASS(kEchoReply6, &filter);
      ICMP6_FILTER_SETPASS(kUnreachable6, &filter);
      ICMP6_FILTER_SETPASS(kTimeExceeded6, &filter);
      (void)::setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter);
    }
  }

  void build_request() {
    request_.fill(0);
    request_[0] = v4_ ? kEchoRequest4 : kEchoRequest6;
    request_[4] = static_cast<uint8_t>(echo_.id >> 8);
    request_[5] = static_cast<uint8_t>(echo_.id);
    request_[6] = static_cast<uint8_t>(echo_.seq >> 8);
    request_[7] = static_cast<uint8_t>(echo_.seq);
    std::memcpy(request_.data() + kHeader, &echo_.token, sizeof echo_.token);
    // ICMPv6 checksums cover a pseudo-header the kernel fills in (RFC 4443 s2.3); it computes
    // them on both socket kinds. ICMPv4 is ours to compute (RFC 792).
    if (v4_) {
      const uint16_t sum = checksum(request_.data(), request_.size());
      request_[2] = static_cast<uint8_t>(sum >> 8);
      request_[3] = static_cast<uint8_t>(sum);
    }
  }

  void receive() {
    socket_.async_receive_from(
        boost::asio::buffer(reply_), sender_,
        [self = self<IcmpAttempt>()](const error_code& ec, size_t n) { self->on_receive(ec, n); });
  }

  bool from_target() const {
    const auto* sa = reinterpret_cast<const sockaddr*>(sender_.data());
    if (v4_ && sa->sa_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(sender_.data());
      boost::asio::ip::address_v4::bytes_type b;
      std::memcpy(b.data(), &sin->sin_addr, b.size());
      return boost::asio::ip::address_v4(b) == spec().address.to_v4();
    }
    if (!v4_ && sa->sa_family == AF_INET6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(sender_.data());
      boost::asio::ip::address_v6::bytes_type b;
      std::memcpy(b.data(), &sin6->sin6_addr, b.size());
      return boost::asio::ip::address_v6(b) ==
             boost::asio::ip::address_v6(spec().address.to_v6().to_bytes());
    }
    return false;
  }

  // Does the echo header at p (len bytes, at least kHeader) carry our identifiers?
  bool ours(const uint8_t* p, size_t len, bool need_token) const {
    if (len < kHeader) return false;
    if (raw_ && get16(p + 4) != echo_.id) return false;
    if (get16(p + 6) != echo_.seq) return false;
    if (!need_token) return true;  // errors quote only the first 8 bytes (RFC 792)
    uint64_t token = 0;
    if (len < kHeader + sizeof token) return false;
    std::memcpy(&token, p + kHeader, sizeof token);
    return token == echo_.token;
  }

  void on_receive(const error_code& ec, size_t n) {
    if (finished()) return;
    if (ec) return fail("receive failed: " + describe_error(ec));
    const uint8_t* p = reply_.data();
    size_t len = n;
    if (v4_ && raw_) {  // raw IPv4 sockets deliver the IP header too
      if (len < 20) return receive();
      const size_t ihl = size_t{p[0] & 0x0fu} * 4;
      if (ihl < 20 || len < ihl) return receive();
      p += ihl;
      len -= ihl;
    }
    if (len < kHeader) return receive();
    const uint8_t type = p[0];
    if (type == (v4_ ? kEchoReply4 : kEchoReply6)) {
      if (from_target() && ours(p, len, /*need_token=*/true)) return succeed();
      return receive();
    }
    if (raw_ && (type == (v4_ ? kUnreachable4 : kUnreachable6) ||
                 type == (v4_ ? kTimeExceeded4 : kTimeExceeded6))) {
      // The error quotes our request: its IP header, then the echo header.
      const uint8_t* q = p + kHeader;
      size_t qlen = len - kHeader;
      size_t ip_len = kIpv6Header;
      if (v4_) ip_len = qlen > 0 ? size_t{q[0] & 0x0fu} * 4 : 0;
      if (ip_len >= 20 && qlen >= ip_len + kHeader &&
          q[ip_len] == (v4_ ? kEchoRequest4 : kEchoRequest6) &&
          ours(q + ip_len, qlen - ip_len, /*need_token=*/false)) {
        if (type == (v4_ ? kTimeExceeded4 : kTimeExceeded6)) return fail("time exceeded");
        return fail("destination unreachable (code " + std::to_string(p[1]) + ")");
      }
    }
    receive();
  }

  void stop() override {
    error_code ignored;
    socket_.close(ignored);
  }

  const Echo echo_;
  const bool v4_;
  bool raw_ = false;
  generic_dgram::socket socket_{io()};
  std::array<uint8_t, kHeader + kPayload> request_{};
  std::array<uint8_t, 2048> reply_{};
  generic_dgram::endpoint sender_;
};

// SplitMix64: spreads a seed into a well-mixed token.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class IcmpProbe final : public Probe {
 public:
  explicit IcmpProbe(boost::asio::io_context& io)
      : io_(io),
        seed_(mix(
            reinterpret_cast<uintptr_t>(this) ^
            static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()))),
        id_(static_cast<uint16_t>(seed_ >> 48)) {}

  void run(const ProbeSpec& spec, std::function<void(ProbeResult)> done) override {
    ++seq_;
    const Echo echo{id_, seq_, mix(seed_ + seq_)};
    auto attempt = std::make_shared<IcmpAttempt>(io_, spec, std::move(done), echo);
    slot_.hold(attempt);
    attempt->start();
  }

 private:
  boost::asio::io_context& io_;
  const uint64_t seed_;
  const uint16_t id_;  // the echo identifier on raw sockets
  uint16_t seq_ = 0;
  AttemptSlot slot_;
};

}  // namespace

std::unique_ptr<Probe> make_icmp_probe(boost::asio::io_context& io) {
  return std::make_unique<IcmpProbe>(io);
}

extern const ProbeType kIcmpProbe{
    .type = "icmp",
    .summary = "one ICMP echo (ping) to the address; up when the echo reply comes back",
    .port = PortUse::kNone,
    .make = make_icmp_probe,
};

}  // namespace gslb
