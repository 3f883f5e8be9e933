#include "tools/gslbctl/format.h"

#include <cstdio>
#include <ctime>

namespace gslbctl {

std::string format_duration_ms(int64_t ms) {
  char buf[48];
  if (ms < 0) ms = 0;
  const long long v = ms;
  if (v < 1000) {
    snprintf(buf, sizeof buf, "%lldms", v);
  } else if (v < 10'000) {
    snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(v / 100) / 10.0);
  } else if (v < 60'000) {
    snprintf(buf, sizeof buf, "%llds", v / 1000);
  } else if (v < 3'600'000) {
    snprintf(buf, sizeof buf, "%lldm%02llds", v / 60'000, v / 1000 % 60);
  } else if (v < 86'400'000) {
    snprintf(buf, sizeof buf, "%lldh%02lldm", v / 3'600'000, v / 60'000 % 60);
  } else {
    snprintf(buf, sizeof buf, "%lldd%02lldh", v / 86'400'000, v / 3'600'000 % 24);
  }
  return buf;
}

std::string format_rtt_us(int64_t us) {
  char buf[48];
  if (us < 0) us = 0;
  const double ms = static_cast<double>(us) / 1000.0;
  if (us < 1000) {
    snprintf(buf, sizeof buf, "%.2fms", ms);
  } else if (us < 100'000) {
    snprintf(buf, sizeof buf, "%.1fms", ms);
  } else {
    snprintf(buf, sizeof buf, "%.0fms", ms);
  }
  return buf;
}

std::string format_clock_ms(int64_t unix_ms) {
  const time_t t = static_cast<time_t>(unix_ms / 1000);
  struct tm tm {};
  if (localtime_r(&t, &tm) == nullptr) return "?";
  char buf[16];
  strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

}  // namespace gslbctl
