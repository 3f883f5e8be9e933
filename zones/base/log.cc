#include "zones/base/log.h"

#include <unistd.h>

#include <ctime>
#include <string>

namespace gslb {

void log_line(LogLevel level, std::string_view message) {
  char ts[32];
  time_t now = time(nullptr);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
  const char* tag = level == LogLevel::kInfo ? "info" : level == LogLevel::kWarn ? "warn" : "error";
  std::string line = std::string(ts) + " gslbd " + tag + ": " + std::string(message) + "\n";
  ssize_t r = write(STDERR_FILENO, line.data(), line.size());
  (void)r;
}

}  // namespace gslb
