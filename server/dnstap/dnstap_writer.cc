#include "server/dnstap/dnstap_writer.h"

#include <chrono>
#include <string>
#include <vector>

#include "server/dnstap/decision_json.h"

namespace gslb {

DnstapWriter::DnstapWriter(DnstapTap& tap, std::unique_ptr<DnstapOutput> output,
                           DnstapIdentity identity)
    : tap_(tap), output_(std::move(output)), identity_(std::move(identity)), frames_(kBatch) {}

DnstapWriter::~DnstapWriter() {
  stop();
}

void DnstapWriter::start() {
  thread_ = std::thread([this] { run(); });
}

void DnstapWriter::stop() {
  if (thread_.joinable()) {
    stopping_.store(true);
    thread_.join();
  }
  output_.reset();
}

size_t DnstapWriter::drain_once() {
  std::vector<std::vector<uint8_t>>& frames = frames_;
  iovec iov[kBatch];
  size_t total = 0;
  for (size_t p = 0; p < tap_.size(); ++p) {
    SpscRing<DnstapRecord>& ring = tap_.producer(p).ring;
    for (;;) {
      size_t n = 0;
      while (n < kBatch) {
        const DnstapRecord* r = ring.peek();
        if (r == nullptr) break;
        const int rcode = r->response_len >= 4 ? (r->response[3] & 0x0F) : 0;
        decision_json(r->decision, rcode, extra_);
        encode_dnstap(*r, identity_, extra_, frames[n]);
        ring.release();
        iov[n] = {frames[n].data(), frames[n].size()};
        ++n;
      }
      if (n == 0) break;
      total += n;
      if (output_->write(iov, static_cast<int>(n)))
        tap_.count_written(n);
      else
        tap_.count_output_drops(n);
      if (n < kBatch) break;
    }
  }
  return total;
}

void DnstapWriter::run() {
  while (!stopping_.load(std::memory_order_relaxed))
    if (drain_once() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  drain_once();  // what the workers left before they stopped
}

}  // namespace gslb
