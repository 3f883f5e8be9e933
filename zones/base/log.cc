#include "zones/base/log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "zones/base/json_quoted.h"

namespace gslb {
namespace {

std::atomic<LogFormat> g_format{LogFormat::kText};
std::atomic<LogLevel> g_level{LogLevel::kInfo};

const char* level_name(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

// syslog(3) priorities, as sd-daemon(3) prefixes read them.
char priority(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug:
      return '7';
    case LogLevel::kInfo:
      return '6';
    case LogLevel::kWarn:
      return '4';
    case LogLevel::kError:
      return '3';
  }
  return '6';
}

// systemd sets JOURNAL_STREAM to the device and inode of the journal stream it connected; it
// is our stderr only if they match (a child with redirected stderr inherits the variable).
bool stderr_is_journal() {
  const char* v = getenv("JOURNAL_STREAM");
  if (v == nullptr) return false;
  unsigned long long dev = 0, ino = 0;
  if (sscanf(v, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st;
  return fstat(STDERR_FILENO, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

}  // namespace

void set_log_format(LogFormat format) {
  g_format.store(format, std::memory_order_relaxed);
}

void set_log_level(LogLevel level) {
  g_level.store(level, std::memory_order_relaxed);
}

Result<LogFormat> parse_log_format(std::string_view text) {
  if (text == "text") return LogFormat::kText;
  if (text == "json") return LogFormat::kJson;
  return make_error("--log-format: text or json, not \"" + std::string(text) + "\"");
}

Result<LogLevel> parse_log_level(std::string_view text) {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError})
    if (text == level_name(l)) return l;
  return make_error("--log-level: debug, info, warn or error, not \"" + std::string(text) + "\"");
}

std::string format_log_line(LogLevel level, std::string_view message, bool journal,
                            int64_t now_ms) {
  std::string line;
  if (journal) {
    line += '<';
    line += priority(level);
    line += '>';
  }
  const time_t secs = static_cast<time_t>(now_ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char ts[40];
  if (g_format.load(std::memory_order_relaxed) == LogFormat::kJson) {
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    char ms[8];
    snprintf(ms, sizeof ms, ".%03dZ", static_cast<int>(now_ms % 1000));
    line += "{\"time\":\"";
    line += ts;
    line += ms;
    line += "\",\"level\":\"";
    line += level_name(level);
    line += "\",\"message\":";
    line += json_quoted(message);
    line += '}';
    return line;
  }
  if (!journal) {  // the journal keeps its own time
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ ", &tm);
    line += ts;
  }
  line += "gslbd ";
  line += level_name(level);
  line += ": ";
  // One event, one line: a message with a newline (a quoted file line) must not forge another.
  for (char c : message) line.push_back(c == '\n' || c == '\r' ? ' ' : c);
  return line;
}

void log_line(LogLevel level, std::string_view message) {
  if (level < g_level.load(std::memory_order_relaxed)) return;
  static const bool journal = stderr_is_journal();
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  std::string line = format_log_line(level, message, journal, now_ms);
  line.push_back('\n');
  ssize_t r = write(STDERR_FILENO, line.data(), line.size());
  (void)r;
}

}  // namespace gslb
