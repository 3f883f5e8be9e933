// SystemdNotifier: the sd_notify(3) protocol without libsystemd, one datagram per state change
// to $NOTIFY_SOCKET: READY=1 once every role serves, RELOADING=1 (with MONOTONIC_USEC, as
// Type=notify-reload expects) while a SIGHUP is carried out, STOPPING=1, STATUS= lines, and
// WATCHDOG=1 at half of $WATCHDOG_USEC. Without $NOTIFY_SOCKET every call does nothing.
// Thread-compatible; gslbd calls it from its main thread only.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace gslb {

class SystemdNotifier {
 public:
  // Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID (the watchdog is ours only when the
  // pid is this process or unset).
  static SystemdNotifier from_environment();

  bool active() const { return !socket_path_.empty(); }
  void send(std::string_view state) const;
  void reloading() const;  // "RELOADING=1\nMONOTONIC_USEC=…"
  // 0: no watchdog asked for.
  std::chrono::microseconds watchdog_interval() const { return watchdog_; }

 private:
  std::string socket_path_;  // "@…" is an abstract socket
  std::chrono::microseconds watchdog_{0};
};

}  // namespace gslb
