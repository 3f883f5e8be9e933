// One-line log messages to stderr with a UTC timestamp. Thread-safe (one write(2) per line).
// Never used on the query hot path.
#pragma once

#include <string_view>

namespace gslb {

enum class LogLevel { kInfo, kWarn, kError };
void log_line(LogLevel level, std::string_view message);
inline void log_info(std::string_view m) {
  log_line(LogLevel::kInfo, m);
}
inline void log_warn(std::string_view m) {
  log_line(LogLevel::kWarn, m);
}
inline void log_error(std::string_view m) {
  log_line(LogLevel::kError, m);
}

}  // namespace gslb
