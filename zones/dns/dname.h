// Domain names in uncompressed wire form (length-prefixed labels ending in the root label).
// Free functions over byte spans; no allocation except where a std::string is returned.
// Names used as keys in a Snapshot are lowercased (DNS matching is ASCII case-insensitive,
// RFC 4343), so hot-path comparisons are plain memcmp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "zones/base/result.h"

namespace gslb {

constexpr size_t kMaxNameLength = 255;  // RFC 1035 s3.1, wire form including length octets
constexpr size_t kMaxLabelLength = 63;
constexpr size_t kMaxLabels = 128;

inline uint8_t ascii_lower(uint8_t c) {
  return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

// Lowercases a wire name in place.
void lowercase_name(uint8_t* wire, size_t len);
std::string lowercase_name(std::string_view wire);

// Number of labels, not counting the root. REQUIRES: wire is a valid name.
size_t label_count(std::string_view wire);

// Parses presentation form ("www.example.test." or relative to origin) into wire form.
// Accepts \DDD and \X escapes. `origin` is wire form; empty means names must be absolute.
Result<std::string> name_from_text(std::string_view text, std::string_view origin = {});

// Presentation form with a trailing dot; escapes non-printable bytes and dots in labels.
std::string name_to_text(std::string_view wire);

// True when `name` equals `zone` or lies below it. Both lowercase wire.
bool name_is_at_or_below(std::string_view name, std::string_view zone);

// Hash for lowercase wire names (FNV-1a, 64 bit): cheap and good enough for short keys.
struct NameHash {
  size_t operator()(std::string_view s) const noexcept {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return static_cast<size_t>(h);
  }
};

}  // namespace gslb
