// geo_code: the short ISO codes of geography (countries "JP", continents "EU", subdivisions
// "CA", "ENG", "13") packed into a uint32, so topology rules compare integers on the query path
// instead of strings. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gslb {

// Up to 3 ASCII letters/digits packed big-endian into a uint32 ('J','P' -> 0x4A50; "ENG" ->
// 0x454E47); 0 = unknown. Case-insensitive on input (stored uppercase). Returns 0 for empty,
// longer than 3, or non-alphanumeric.
uint32_t geo_code(std::string_view text) noexcept;

// Back to text ("JP"; "" for 0).
std::string geo_code_text(uint32_t code);

}  // namespace gslb
