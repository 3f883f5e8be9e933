// Short human forms of the numbers the API answers with: durations, ages, round-trip times.
// Pure functions.
#pragma once

#include <cstdint>
#include <string>

namespace gslbctl {

// 350ms, 1.2s, 45s, 3m05s, 2h03m, 4d02h. Negative values (clock skew) print as 0ms.
std::string format_duration_ms(int64_t ms);

// Microseconds as milliseconds: 0.35ms, 1.2ms, 250ms.
std::string format_rtt_us(int64_t us);

// Wall-clock time (local zone) of a Unix time in ms: 14:02:11.
std::string format_clock_ms(int64_t unix_ms);

}  // namespace gslbctl
