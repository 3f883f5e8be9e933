#include "healthd/probes/name_target_probe.h"

#include <ares.h>
#include <netinet/in.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <utility>

#include <boost/asio/post.hpp>

#include "healthd/probes/cares_channel.h"
#include "healthd/probes/probe_attempt.h"

namespace gslb {
namespace {

using Address = boost::asio::ip::address;

// The resolution step: an Attempt (deadline, first verdict wins) whose success leaves the
// chosen address in `out`.
class ResolveAttempt final : public Attempt {
 public:
  ResolveAttempt(boost::asio::io_context& io, const ProbeSpec& spec,
                 std::function<void(ProbeResult)> done, NameResolver resolver,
                 std::shared_ptr<Address> out)
      : Attempt(io, spec, std::move(done)), resolver_(resolver), out_(std::move(out)) {}
  ~ResolveAttempt() override {
    if (channel_) channel_->destroy();
  }

  void start() {
    arm_deadline();
    ares_options opts{};
    int mask = 0;
    // Absolute names only: no search list, whatever resolv.conf says.
    opts.flags = ARES_FLAG_NOSEARCH;
    mask |= ARES_OPT_FLAGS;
    opts.ndomains = 0;
    opts.domains = nullptr;
    mask |= ARES_OPT_DOMAINS;
    // Our deadline ends the attempt; c-ares' own timeout must not fire first.
    opts.timeout = static_cast<int>(std::min<int64_t>(spec().timeout.count() * 2 + 1000, 1 << 30));
    mask |= ARES_OPT_TIMEOUTMS;
    auto channel = CaresChannel::open(io(), opts, mask, resolver_.server, resolver_.port);
    if (!channel) return fail(channel.error());
    channel_ = std::move(*channel);
    // c-ares matches /etc/hosts entries without the root's dot.
    std::string name = spec().target_name;
    if (name.size() > 1 && name.back() == '.') name.pop_back();
    ares_addrinfo_hints hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_flags = ARES_AI_NOSORT;  // sorting connects sockets; we choose below
    ares_getaddrinfo(channel_->get(), name.c_str(), nullptr, &hints, &ResolveAttempt::on_answer,
                     this);
  }

 private:
  static void on_answer(void* arg, int status, int /*timeouts*/, ares_addrinfo* result) {
    auto* self = static_cast<ResolveAttempt*>(arg);
    std::unique_ptr<ares_addrinfo, decltype(&ares_freeaddrinfo)> owned(result, &ares_freeaddrinfo);
    if (self->finished() || (self->channel_ && self->channel_->destroying())) return;
    const std::string& name = self->spec().target_name;
    if (status != ARES_SUCCESS || result == nullptr)
      return self->fail(name + " does not resolve: " + ares_strerror(status));
    std::optional<Address> v4, v6;
    for (const ares_addrinfo_node* n = result->nodes; n != nullptr; n = n->ai_next) {
      if (n->ai_family == AF_INET && !v4) {
        const auto* sin = reinterpret_cast<const sockaddr_in*>(n->ai_addr);
        boost::asio::ip::address_v4::bytes_type b;
        std::memcpy(b.data(), &sin->sin_addr, b.size());
        v4 = boost::asio::ip::address_v4(b);
      } else if (n->ai_family == AF_INET6 && !v6) {
        const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(n->ai_addr);
        boost::asio::ip::address_v6::bytes_type b;
        std::memcpy(b.data(), &sin6->sin6_addr, b.size());
        v6 = boost::asio::ip::address_v6(b);
      }
    }
    if (!v4 && !v6) return self->fail(name + " does not resolve: no address");
    *self->out_ = v4 ? *v4 : *v6;
    self->succeed();
  }

  void stop() override {
    // Often inside ares_process_fd (the verdict came from on_answer): destroy later.
    boost::asio::post(io(), [self = self<ResolveAttempt>()] {
      if (self->channel_) self->channel_->destroy();
    });
  }

  const NameResolver resolver_;
  std::shared_ptr<Address> out_;
  std::shared_ptr<CaresChannel> channel_;
};

class NameTargetProbe final : public Probe {
 public:
  NameTargetProbe(boost::asio::io_context& io, std::unique_ptr<Probe> inner, NameResolver r)
      : io_(io), inner_(std::move(inner)), resolver_(r) {}

  void run(const ProbeSpec& spec, std::function<void(ProbeResult)> done) override {
    const auto started = std::chrono::steady_clock::now();
    auto address = std::make_shared<Address>();
    // Destroying this probe abandons the resolution (the slot), so `this` outlives the call.
    auto attempt = std::make_shared<ResolveAttempt>(
        io_, spec,
        [this, spec, started, address, done = std::move(done)](ProbeResult resolved) mutable {
          if (!resolved.ok) return done(std::move(resolved));
          probe_at(std::move(spec), *address, started, std::move(done));
        },
        resolver_, address);
    slot_.hold(attempt);
    attempt->start();
  }

 private:
  void probe_at(ProbeSpec spec, const Address& address,
                std::chrono::steady_clock::time_point started,
                std::function<void(ProbeResult)> done) {
    const auto left = spec.timeout - std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - started);
    const std::string where = " (" + spec.target_name + " at " + address.to_string() + ")";
    if (left <= std::chrono::milliseconds(0)) {
      ProbeResult r;
      r.detail = timeout_detail(spec.timeout) + where;
      return done(std::move(r));
    }
    spec.address = address;
    spec.timeout = left;
    if (spec.host.empty()) spec.host = spec.target_name.substr(0, spec.target_name.size() - 1);
    inner_->run(spec, [where, done = std::move(done)](ProbeResult r) {
      if (!r.ok) r.detail += where;
      done(std::move(r));
    });
  }

  boost::asio::io_context& io_;
  std::unique_ptr<Probe> inner_;
  const NameResolver resolver_;
  AttemptSlot slot_;  // declared last: destroyed first, before inner_ and the rest
};

}  // namespace

Result<NameResolver> parse_name_resolver(std::string_view text) {
  const std::string bad = "resolver \"" + std::string(text) +
                          "\": expected ADDRESS, ADDRESS:PORT or [IPV6]:PORT (a DNS server)";
  std::string host(text), port;
  if (!text.empty() && text[0] == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return make_error(bad);
    host = std::string(text.substr(1, close - 1));
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return make_error(bad);
      port = std::string(text.substr(close + 2));
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    const size_t c = text.find(':');
    host = std::string(text.substr(0, c));
    port = std::string(text.substr(c + 1));
  }
  NameResolver r;
  boost::system::error_code ec;
  r.server = boost::asio::ip::make_address(host, ec);
  if (ec) return make_error(bad + " (\"" + host + "\" is not an IP address)");
  if (!port.empty() || (!text.empty() && text.back() == ':')) {
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) < 1 ||
        std::stoi(port) > 65535)
      return make_error(bad + " (bad port)");
    r.port = static_cast<uint16_t>(std::stoi(port));
  }
  return r;
}

std::unique_ptr<Probe> make_name_target_probe(boost::asio::io_context& io,
                                              std::unique_ptr<Probe> inner, NameResolver resolver) {
  return std::make_unique<NameTargetProbe>(io, std::move(inner), resolver);
}

}  // namespace gslb
