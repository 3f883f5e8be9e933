#include "server/wire/siphash.h"

namespace gslb {
namespace {

inline uint64_t rotl(uint64_t x, int b) {
  return (x << b) | (x >> (64 - b));
}

inline uint64_t load_le64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

struct State {
  uint64_t v0, v1, v2, v3;
  void round() {
    v0 += v1;
    v1 = rotl(v1, 13);
    v1 ^= v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl(v1, 17);
    v1 ^= v2;
    v2 = rotl(v2, 32);
  }
  void absorb(uint64_t m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};

}  // namespace

void siphash24(const uint8_t key[16], const uint8_t* data, size_t length, uint8_t out[8]) {
  const uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
  State s{k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull, k0 ^ 0x6c7967656e657261ull,
          k1 ^ 0x7465646279746573ull};
  const size_t whole = length & ~size_t{7};
  for (size_t i = 0; i < whole; i += 8) s.absorb(load_le64(data + i));
  uint64_t last = uint64_t{length & 0xFF} << 56;
  for (size_t i = whole; i < length; ++i) last |= uint64_t{data[i]} << (8 * (i - whole));
  s.absorb(last);
  s.v2 ^= 0xFF;
  for (int i = 0; i < 4; ++i) s.round();
  uint64_t h = s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(h >> (8 * i));
}

}  // namespace gslb
