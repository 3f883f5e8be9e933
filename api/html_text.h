// Text for HTML: every value from the database (names, addresses, probe details) reaches a page
// through html_escape, so a name like "<script>" shows as text and never runs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gslb::api {

// Escapes & < > " ' : safe in element content and in quoted attribute values.
std::string html_escape(std::string_view text);

// "1.5 ms", "230 µs": an RTT for people.
std::string rtt_text(int64_t microseconds);
// "45 s", "3 min 20 s", "2 h 5 min": a duration for people (rounded down to seconds).
std::string duration_text(int64_t milliseconds);

}  // namespace gslb::api
