// DnstapOutput: the Frame Streams side of --dnstap (libfstrm), content type
// "protobuf:dnstap.Dnstap". A file is created (truncated) at start: one stream, whose end
// frame is written, and the data flushed, when the output is closed. A Unix socket (unix:PATH)
// is a collector such as fstrm_capture: gslbd may start before it, and reconnects to it (at
// most once a second) after it goes away; frames written meanwhile are refused.
#pragma once

#include <sys/uio.h>

#include <chrono>
#include <memory>
#include <string>

#include "zones/base/result.h"

struct fstrm_writer;

namespace gslb {

class DnstapOutput {
 public:
  // `destination`: FILE or unix:PATH. A file that cannot be created, or a socket path whose
  // directory is missing or that names something other than a socket, is an error (invalid).
  static Result<std::unique_ptr<DnstapOutput>> open(const std::string& destination);
  ~DnstapOutput();
  DnstapOutput(const DnstapOutput&) = delete;
  DnstapOutput& operator=(const DnstapOutput&) = delete;

  // Writes `n` frames, one iovec each. False: not written (no collector connected now).
  bool write(const iovec* frames, int n);
  const std::string& destination() const { return destination_; }
  bool is_socket() const { return socket_; }

 private:
  DnstapOutput(std::string destination, bool socket, fstrm_writer* writer)
      : destination_(std::move(destination)), socket_(socket), writer_(writer) {}
  bool ensure_open();

  std::string destination_;
  bool socket_;
  fstrm_writer* writer_;
  bool open_ = false;
  bool warned_ = false;  // the collector's absence is logged once per outage
  std::chrono::steady_clock::time_point next_attempt_{};
};

}  // namespace gslb
