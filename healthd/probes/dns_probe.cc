// Probe "dns": one query to the target as a DNS server, with c-ares driven by Asio.
//
// Contract:
//   keys: address, port (default 53), and the check options (kDnsOptions below) dns_qname
//   (default "."), dns_qtype (default SOA; any mnemonic ldns knows, TYPEnnn too), dns_rcode
//   (default NOERROR), dns_answer (empty: any answer), dns_recurse (default off: RD=0, the
//   target is asked as an authority); timeout.
//   The query goes over UDP (TCP when the reply is truncated) to address:port only: no search
//   domains, no resolv.conf servers, one try; the deadline ends it.
//   ok: the response's RCODE equals dns_rcode and, when dns_answer is set, an
//   answer-section record matches it: an address equals an A/AAAA record's address; any other
//   text is a case-insensitive substring of some record's rdata in presentation form.
//   failure details: "rcode SERVFAIL (expected NOERROR)", "answer does not contain \"x\"",
//   "connection refused" (ICMP port unreachable), "bad response: ...", "timeout after N ms".
//
// The channel (cares_channel.h) is destroyed only from a posted handler or the destructor,
// never from inside c-ares.
// Before ldns: without it ldns/common.h #defines bool, true and false.
#include <stdbool.h>  // NOLINT(modernize-deprecated-headers)

#include <ares.h>
#include <ldns/ldns.h>
#include <strings.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>

#include "healthd/probes/cares_channel.h"
#include "healthd/probes/probe_attempt.h"
#include "healthd/probes/probe_spec.h"
#include "healthd/probes/probes.h"

namespace gslb {
namespace {

using boost::system::error_code;

constexpr int kClassIn = 1;

struct PktDeleter {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};

std::string rdf_text(const ldns_rdf* rdf) {
  char* s = ldns_rdf2str(rdf);
  if (s == nullptr) return {};
  std::string out(s);
  free(s);  // NOLINT: ldns allocates with malloc
  return out;
}

bool contains_nocase(const std::string& haystack, const std::string& needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                     [](char a, char b) {
                       return std::tolower(static_cast<unsigned char>(a)) ==
                              std::tolower(static_cast<unsigned char>(b));
                     }) != haystack.end();
}

bool rr_matches(const ldns_rr* rr, const std::string& expect) {
  error_code ec;
  const auto want_addr = boost::asio::ip::make_address(expect, ec);
  const ldns_rr_type type = ldns_rr_get_type(rr);
  if (!ec && (type == LDNS_RR_TYPE_A || type == LDNS_RR_TYPE_AAAA)) {
    if (ldns_rr_rd_count(rr) < 1) return false;
    error_code ec2;
    const auto got = boost::asio::ip::make_address(rdf_text(ldns_rr_rdf(rr, 0)), ec2);
    return !ec2 && got == want_addr;
  }
  std::string rdata;
  for (size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    if (i > 0) rdata += ' ';
    rdata += rdf_text(ldns_rr_rdf(rr, i));
  }
  return contains_nocase(rdata, expect);
}

std::string ares_detail(int status) {
  switch (status) {
    case ARES_ECONNREFUSED:
      return "connection refused";
    case ARES_EBADRESP:
      return "bad response";
    case ARES_ESERVFAIL:
      return "rcode SERVFAIL";
    case ARES_EREFUSED:
      return "rcode REFUSED";
    case ARES_ENOTIMP:
      return "rcode NOTIMP";
    case ARES_EFORMERR:
      return "rcode FORMERR";
    default:
      return std::string("query failed: ") + ares_strerror(status);
  }
}

class DnsAttempt final : public Attempt {
 public:
  using Attempt::Attempt;
  ~DnsAttempt() override {
    if (channel_) channel_->destroy();
  }

  void start() {
    arm_deadline();
    const auto qtype = dns_type_from_name(spec().dns_qtype);
    if (!qtype) return fail("unknown dns_qtype " + spec().dns_qtype);
    expect_rcode_ = dns_rcode_from_name(spec().dns_expect_rcode);
    if (!expect_rcode_) return fail("unknown dns_rcode " + spec().dns_expect_rcode);
    auto channel = open_channel();
    if (!channel) return fail(channel.error());
    channel_ = std::move(*channel);
    const std::string qname = spec().dns_qname.empty() ? "." : spec().dns_qname;
    ares_query(channel_->get(), qname.c_str(), kClassIn, *qtype, &DnsAttempt::on_answer, this);
  }

 private:
  Result<std::shared_ptr<CaresChannel>> open_channel() {
    const ProbeSpec& s = spec();
    ares_options opts{};
    int mask = 0;
    opts.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | ARES_FLAG_NOCHECKRESP;
    if (!s.dns_recurse) opts.flags |= ARES_FLAG_NORECURSE;
    mask |= ARES_OPT_FLAGS;
    opts.tries = 1;
    mask |= ARES_OPT_TRIES;
    // Our deadline ends the attempt; c-ares' own timeout must not fire first.
    opts.timeout = static_cast<int>(std::min<int64_t>(s.timeout.count() * 2 + 1000, 1 << 30));
    mask |= ARES_OPT_TIMEOUTMS;
    opts.ndomains = 0;
    opts.domains = nullptr;
    mask |= ARES_OPT_DOMAINS;
    return CaresChannel::open(io(), opts, mask, s.address, port_or(s, 53));
  }

  static void on_answer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
    auto* self = static_cast<DnsAttempt*>(arg);
    if (self->finished() || (self->channel_ && self->channel_->destroying())) return;
    if (abuf == nullptr || alen <= 0) return self->fail(ares_detail(status));
    self->judge(abuf, static_cast<size_t>(alen));
  }

  void judge(const unsigned char* wire, size_t len) {
    ldns_pkt* raw = nullptr;
    const ldns_status st = ldns_wire2pkt(&raw, wire, len);
    if (st != LDNS_STATUS_OK) {
      return fail(std::string("bad response: ") + ldns_get_errorstr_by_id(st));
    }
    std::unique_ptr<ldns_pkt, PktDeleter> pkt(raw);
    const unsigned rcode = ldns_pkt_get_rcode(pkt.get());
    if (rcode != *expect_rcode_) {
      return fail("rcode " + dns_rcode_name(rcode) + " (expected " +
                  dns_rcode_name(*expect_rcode_) + ")");
    }
    const std::string& expect = spec().dns_expect_answer;
    if (expect.empty()) return succeed();
    const ldns_rr_list* answer = ldns_pkt_answer(pkt.get());
    for (size_t i = 0; answer != nullptr && i < ldns_rr_list_rr_count(answer); ++i) {
      if (rr_matches(ldns_rr_list_rr(answer, i), expect)) return succeed();
    }
    fail("answer does not contain \"" + expect + "\"");
  }

  void stop() override {
    // Often inside ares_process_fd (the verdict came from on_answer): destroy later.
    boost::asio::post(io(), [self = self<DnsAttempt>()] {
      if (self->channel_) self->channel_->destroy();
    });
  }

  std::shared_ptr<CaresChannel> channel_;
  std::optional<unsigned> expect_rcode_;
};

}  // namespace

std::unique_ptr<Probe> make_dns_probe(boost::asio::io_context& io) {
  return std::make_unique<AttemptProbe<DnsAttempt>>(io);
}

namespace {

std::string known_name(const KeyValue& v) {
  ldns_rdf* rdf = ldns_dname_new_frm_str(key_string(v).c_str());
  if (rdf == nullptr) return "bad name '" + key_string(v) + "'";
  ldns_rdf_deep_free(rdf);
  return {};
}
std::string known_type(const KeyValue& v) {
  return dns_type_from_name(key_string(v)) ? "" : "unknown type '" + key_string(v) + "'";
}
std::string known_rcode(const KeyValue& v) {
  return dns_rcode_from_name(key_string(v)) ? "" : "unknown rcode '" + key_string(v) + "'";
}

const KeySpec kDnsOptions[] = {
    {.name = "dns_qname",
     .type = KeyType::kString,
     .meaning = "the name to ask (unset: the root, \".\")",
     .non_empty = true,
     .check = known_name},
    {.name = "dns_qtype",
     .type = KeyType::kString,
     .meaning = "the type to ask (A, AAAA, TXT, TYPE65280, ...)",
     .fallback = std::string_view("SOA"),
     .non_empty = true,
     .check = known_type},
    {.name = "dns_rcode",
     .type = KeyType::kString,
     .meaning = "the RCODE an up server answers (NOERROR, NXDOMAIN, ...)",
     .fallback = std::string_view("NOERROR"),
     .non_empty = true,
     .check = known_rcode},
    {.name = "dns_answer",
     .type = KeyType::kString,
     .meaning = "an address or text the answer section must contain",
     .non_empty = true},
    {.name = "dns_recurse",
     .type = KeyType::kBool,
     .meaning = "set RD: ask a recursive resolver instead of an authority",
     .fallback = false},
};

void configure_dns(const std::vector<KeyValue>& options, ProbeSpec& spec) {
  spec.dns_qname = key_string(options[0]);
  spec.dns_qtype = key_string(options[1]);
  spec.dns_expect_rcode = key_string(options[2]);
  spec.dns_expect_answer = key_string(options[3]);
  spec.dns_recurse = key_bool(options[4]);
}

}  // namespace

extern const ProbeType kDnsProbe{
    .type = "dns",
    .summary = "one DNS query to address:port; up when the RCODE (and answer, if asked) match",
    .default_port = 53,
    .options = kDnsOptions,
    .configure = configure_dns,
    .make = make_dns_probe,
};

}  // namespace gslb
