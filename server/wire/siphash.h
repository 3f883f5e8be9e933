// SipHash-2-4 (Aumasson and Bernstein), the keyed hash RFC 9018 makes the interoperable DNS
// server cookie of: 128-bit key, 64-bit result, written little-endian as the reference code
// does. Pure function; no allocation.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gslb {

// `out` receives the 8 octets of the hash.
void siphash24(const uint8_t key[16], const uint8_t* data, size_t length, uint8_t out[8]);

}  // namespace gslb
