// The DNS numbers gslbd speaks, each defined once: RR types, classes, opcodes, response codes
// and EDNS option codes, as the IANA "Domain Name System (DNS) Parameters" registry numbers them.
// Constants only; no code, no dependencies.
#pragma once

#include <cstdint>

namespace gslb {

// RR types (RFC 1035 s3.2.2, RFC 3596, RFC 6891, RFC 9460, ...).
namespace rrtype {
constexpr uint16_t A = 1, NS = 2, CNAME = 5, SOA = 6, PTR = 12, MX = 15, TXT = 16, AAAA = 28,
                   SRV = 33, OPT = 41, DS = 43, SVCB = 64, HTTPS = 65, SPF = 99, IXFR = 251,
                   AXFR = 252, ANY = 255, CAA = 257;
}  // namespace rrtype

// Classes (RFC 1035 s3.2.4; CH for the CHAOS TXT names of the server's identity).
namespace rrclass {
constexpr uint16_t kIn = 1, kCh = 3, kAny = 255;
}  // namespace rrclass

// Opcodes (RFC 1035 s4.1.1): only QUERY is served; the others get NOTIMP.
namespace opcode {
constexpr uint8_t kQuery = 0;
}  // namespace opcode

// EDNS option codes (RFC 6891 s6.1.2).
namespace opt_code {
constexpr uint16_t kNsid = 3;     // RFC 5001
constexpr uint16_t kEcs = 8;      // RFC 7871
constexpr uint16_t kCookie = 10;  // RFC 7873
}  // namespace opt_code

// Response codes. Values above 15 are extended (RFC 6891 s6.1.3): the header holds the low 4
// bits, the OPT record the upper 8.
enum class Rcode : uint16_t {
  kNoError = 0,
  kFormErr = 1,
  kServFail = 2,
  kNxDomain = 3,
  kNotImp = 4,
  kRefused = 5,
  kBadVers = 16,    // RFC 6891 s9
  kBadCookie = 23,  // RFC 7873 s8
};

constexpr uint16_t rcode_value(Rcode r) {
  return static_cast<uint16_t>(r);
}

}  // namespace gslb
