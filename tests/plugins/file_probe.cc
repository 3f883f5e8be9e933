// Throwaway probe "file" (a test plug-in, never built into gslbd): up while the file named by
// option `path` exists. It sends no packet anywhere, so a test drives health by creating and
// removing a file. One file plus one line in tests/plugins/catalogue.cc, as every probe is.
#include <unistd.h>

#include <boost/asio/post.hpp>

#include "healthd/probes/probe.h"

namespace gslb {
namespace {

const KeySpec kOptions[] = {
    {.name = "path",
     .type = KeyType::kString,
     .meaning = "the file whose existence means up",
     .required = true,
     .non_empty = true},
};

class FileProbe final : public Probe {
 public:
  explicit FileProbe(boost::asio::io_context& io) : io_(io) {}
  void run(const ProbeSpec& spec, std::function<void(ProbeResult)> done) override {
    ProbeResult r;
    const std::string& path = spec.options.empty() ? std::string() : key_string(spec.options[0]);
    r.ok = !path.empty() && access(path.c_str(), F_OK) == 0;
    r.rtt_us = 1;
    if (!r.ok) r.detail = "no file " + path;
    // The Probe contract: `done` is posted, never called from inside run().
    boost::asio::post(io_, [done = std::move(done), r = std::move(r)]() mutable { done(r); });
  }

 private:
  boost::asio::io_context& io_;
};

std::unique_ptr<Probe> make_file_probe(boost::asio::io_context& io) {
  return std::make_unique<FileProbe>(io);
}

}  // namespace

extern const ProbeType kFileProbe{
    .type = "file",
    .summary = "up while a file exists (a test plug-in)",
    .port = PortUse::kNone,
    .options = kOptions,
    .make = make_file_probe,
};

}  // namespace gslb
