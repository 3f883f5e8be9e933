// WireWriter: a cursor over a fixed output buffer with a sticky error (after an overrun every
// write is a no-op and ok() is false, so callers check once per record) and RFC 1035 s4.1.4
// name compression. mark()/rollback() undo a record that did not fit, including the compression
// targets it added. No allocation; thread-compatible (one per worker).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "zones/dns/dname.h"

namespace gslb {

class WireWriter {
 public:
  WireWriter(uint8_t* buf, size_t capacity) : buf_(buf), cap_(capacity) {}

  struct Mark {
    size_t pos;
    size_t targets;
  };
  Mark mark() const { return {pos_, targets_}; }
  void rollback(Mark m) {
    pos_ = m.pos;
    targets_ = m.targets;
    ok_ = true;
  }

  bool ok() const { return ok_; }
  size_t size() const { return pos_; }
  uint8_t* data() { return buf_; }
  // Shrinks the writable capacity, e.g. to keep room for the OPT record written last.
  void set_capacity(size_t c) { cap_ = c; }
  size_t capacity() const { return cap_; }

  void u8(uint8_t v) {
    if (!room(1)) return;
    buf_[pos_++] = v;
  }
  void u16(uint16_t v) {
    if (!room(2)) return;
    buf_[pos_++] = static_cast<uint8_t>(v >> 8);
    buf_[pos_++] = static_cast<uint8_t>(v);
  }
  void u32(uint32_t v) {
    u16(static_cast<uint16_t>(v >> 16));
    u16(static_cast<uint16_t>(v));
  }
  void bytes(const void* p, size_t n) {
    if (!room(n)) return;
    memcpy(buf_ + pos_, p, n);
    pos_ += n;
  }
  void patch_u16(size_t at, uint16_t v) {
    buf_[at] = static_cast<uint8_t>(v >> 8);
    buf_[at + 1] = static_cast<uint8_t>(v);
  }

  // Registers the labels of an uncompressed name already in the buffer at `offset` (the
  // question) as compression targets.
  void add_targets(size_t offset, const uint8_t* wire) {
    size_t i = 0;
    while (wire[i] != 0) {
      add_target(offset + i);
      i += wire[i] + 1;
    }
  }

  // Writes a valid uncompressed wire name, compressed against earlier names when allowed.
  void name(const uint8_t* wire, bool compress = true) {
    size_t i = 0;
    while (wire[i] != 0) {
      if (compress) {
        if (size_t t = find_target(wire + i); t != kNone) {
          u16(static_cast<uint16_t>(0xC000 | t));
          return;
        }
      }
      // Register the label only once it is really written: a target over bytes that never made
      // it into this packet would make later compression read stale data.
      const size_t at = pos_;
      bytes(wire + i, wire[i] + 1u);
      if (compress && ok_) add_target(at);
      i += wire[i] + 1;
    }
    u8(0);
  }

 private:
  static constexpr size_t kMaxTargets = 96;
  static constexpr size_t kNone = ~size_t{0};

  bool room(size_t n) {
    if (ok_ && pos_ + n <= cap_) return true;
    ok_ = false;
    return false;
  }
  void add_target(size_t offset) {
    if (offset < 0x4000 && targets_ < kMaxTargets)
      target_[targets_++] = static_cast<uint16_t>(offset);
  }
  // Compares the name suffix `wire` with the name at `off` in the buffer, following pointers
  // (all ours, so valid and backwards), ASCII case-insensitively.
  bool equal_at(const uint8_t* wire, size_t off) const {
    while (true) {
      uint8_t l = buf_[off];
      while ((l & 0xC0) == 0xC0) {
        off = (static_cast<size_t>(l & 0x3F) << 8) | buf_[off + 1];
        l = buf_[off];
      }
      if (l != *wire) return false;
      if (l == 0) return true;
      for (size_t k = 1; k <= l; ++k)
        if (ascii_lower(buf_[off + k]) != ascii_lower(wire[k])) return false;
      off += l + 1;
      wire += l + 1;
    }
  }
  size_t find_target(const uint8_t* wire) const {
    for (size_t t = 0; t < targets_; ++t)
      if (equal_at(wire, target_[t])) return target_[t];
    return kNone;
  }

  uint8_t* buf_;
  size_t cap_;
  size_t pos_ = 0;
  bool ok_ = true;
  uint16_t target_[kMaxTargets];
  size_t targets_ = 0;
};

}  // namespace gslb
