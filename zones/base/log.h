// One line per event to stderr, as text ("2026-12-03T06:40:00Z gslbd warn: ...") or as one JSON
// object per line (--log-format json: {"time", "level", "message"}), at or above the level asked
// for (--log-level). Under systemd (stderr is the journal, JOURNAL_STREAM) each line starts with
// its syslog priority ("<4>") and text lines drop the timestamp, so journalctl shows levels and
// one time. Thread-safe (one write(2) per line). Never used on the query hot path.
#pragma once

#include <string_view>

#include "zones/base/result.h"

namespace gslb {

enum class LogLevel { kDebug, kInfo, kWarn, kError };
enum class LogFormat { kText, kJson };

// Set once at start, before other threads log.
void set_log_format(LogFormat format);
void set_log_level(LogLevel level);
// "text" or "json"; "debug", "info", "warn" or "error". Errors name the option.
Result<LogFormat> parse_log_format(std::string_view text);
Result<LogLevel> parse_log_level(std::string_view text);

// The line as it is written (without the newline): for tests.
std::string format_log_line(LogLevel level, std::string_view message, bool journal, int64_t now_ms);

void log_line(LogLevel level, std::string_view message);
inline void log_debug(std::string_view m) {
  log_line(LogLevel::kDebug, m);
}
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
