// Test helper: builds DNS request packets byte by byte, so that well-formed queries are one call
// (make_query) and malformed ones are a few explicit appends (PacketBuilder). Header-only, used
// by the unit tests only; every function here may allocate and throws nothing on its own.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "server/wire/query.h"
#include "zones/dns/dname.h"

namespace gslb::testing {

using Bytes = std::vector<uint8_t>;

// Wire form of a presentation-form name ("www.example.test."); a bad name fails the test.
inline std::string wire_name(std::string_view text) {
  auto n = name_from_text(text);
  if (!n) {
    ADD_FAILURE() << "bad test name \"" << text << "\": " << n.error();
    return std::string(1, '\0');
  }
  return *n;
}

// Header flag bits as they appear in octets 2-3 of the header (RFC 1035 s4.1.1).
namespace flag {
constexpr uint16_t kQr = 0x8000, kAa = 0x0400, kTc = 0x0200, kRd = 0x0100, kCd = 0x0010;
constexpr uint16_t opcode(uint8_t op) {
  return static_cast<uint16_t>((op & 0x0F) << 11);
}
}  // namespace flag

class PacketBuilder {
 public:
  PacketBuilder& header(uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns,
                        uint16_t ar) {
    return u16(id).u16(flags).u16(qd).u16(an).u16(ns).u16(ar);
  }
  PacketBuilder& u8(uint8_t v) {
    b_.push_back(v);
    return *this;
  }
  PacketBuilder& u16(uint16_t v) {
    return u8(static_cast<uint8_t>(v >> 8)).u8(static_cast<uint8_t>(v));
  }
  PacketBuilder& u32(uint32_t v) {
    return u16(static_cast<uint16_t>(v >> 16)).u16(static_cast<uint16_t>(v));
  }
  PacketBuilder& raw(std::string_view s) {
    b_.insert(b_.end(), s.begin(), s.end());
    return *this;
  }
  PacketBuilder& raw(std::initializer_list<uint8_t> v) {
    b_.insert(b_.end(), v.begin(), v.end());
    return *this;
  }
  // An uncompressed name from presentation form.
  PacketBuilder& name(std::string_view text) { return raw(wire_name(text)); }
  PacketBuilder& question(std::string_view qname, uint16_t qtype, uint16_t qclass = 1) {
    return name(qname).u16(qtype).u16(qclass);
  }
  // An OPT pseudo-RR (RFC 6891 s6.1.2) owned by the root, with raw option bytes.
  PacketBuilder& opt(uint16_t udp_size, std::string_view options = {}, uint8_t version = 0,
                     bool dnssec_ok = false, uint8_t ext_rcode = 0) {
    u8(0).u16(rrtype::OPT).u16(udp_size).u8(ext_rcode).u8(version).u16(dnssec_ok ? 0x8000 : 0);
    return u16(static_cast<uint16_t>(options.size())).raw(options);
  }
  size_t size() const { return b_.size(); }
  const Bytes& bytes() const { return b_; }

 private:
  Bytes b_;
};

// One EDNS option: OPTION-CODE, OPTION-LENGTH, data.
inline std::string edns_option(uint16_t code, std::string_view data) {
  std::string o;
  o.push_back(static_cast<char>(code >> 8));
  o.push_back(static_cast<char>(code));
  o.push_back(static_cast<char>(data.size() >> 8));
  o.push_back(static_cast<char>(data.size()));
  o += data;
  return o;
}

// RFC 7871 s6 ECS option; `address` is written as given (its length is not derived).
inline std::string ecs_option(uint16_t family, uint8_t source, uint8_t scope,
                              std::initializer_list<uint8_t> address) {
  std::string d;
  d.push_back(static_cast<char>(family >> 8));
  d.push_back(static_cast<char>(family));
  d.push_back(static_cast<char>(source));
  d.push_back(static_cast<char>(scope));
  for (uint8_t a : address) d.push_back(static_cast<char>(a));
  return edns_option(opt_code::kEcs, d);
}

// A well-formed query; fields left alone give "www.example.test. A IN, RD, no EDNS".
struct QuerySpec {
  std::string qname = "www.example.test.";
  uint16_t qtype = rrtype::A;
  uint16_t qclass = 1;
  uint16_t id = 0x1234;
  bool rd = true;
  bool cd = false;
  bool edns = false;
  uint16_t udp_size = 1232;
  uint8_t version = 0;
  bool dnssec_ok = false;
  std::string options{};  // raw EDNS options (edns_option, ecs_option)
};

inline Bytes make_query(const QuerySpec& s) {
  PacketBuilder b;
  uint16_t flags = static_cast<uint16_t>((s.rd ? flag::kRd : 0) | (s.cd ? flag::kCd : 0));
  b.header(s.id, flags, 1, 0, 0, s.edns ? 1 : 0).question(s.qname, s.qtype, s.qclass);
  if (s.edns) b.opt(s.udp_size, s.options, s.version, s.dnssec_ok);
  return b.bytes();
}

}  // namespace gslb::testing
