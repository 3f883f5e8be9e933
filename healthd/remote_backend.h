// RemoteBackend: the agent mode (`gslbd healthd --report-to URL ...`), a vantage point without a
// database. It pulls its check list from a node's REST API (GET /v1/agents/{id}/checks, with
// If-None-Match so an unchanged list costs a 304), from the first node that answers, and pushes
// observation batches to every node (POST /v1/agents/{id}/observations). Each node has its own
// queue of the newest row per member and its own backoff: a node that is down does not hold the
// others up, and catches up with the current state when it returns.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "healthd/health_backend.h"
#include "healthd/http_client.h"

namespace gslb {

struct RemoteOptions {
  std::vector<std::string> nodes;  // base URLs, "http://127.0.0.1:8053", "https://ns1:8053"
  std::string token;               // bearer token (an admin token: it writes observations)
  std::string ca_file;             // https nodes: PEM CAs to trust; empty: the system store
  std::chrono::milliseconds timeout{2000};
};

// Which --report-to set-ups the agent refuses before it sends anything. A plain http:// node off
// loopback (127.0.0.0/8, ::1 or "localhost"; any other name may resolve anywhere) would get the
// bearer token and the observations in clear: refused unless asked for by name
// (--report-plain-http), as --api refuses plain HTTP off loopback without --api-plain-http.
// --ca-file with no https:// node at all is a mistake (it would be silently unused); beside
// https:// nodes each http:// one is warned about. A pure function of its inputs.
struct ReportExposure {
  bool plain_http = false;  // --report-plain-http given
  bool ca_file = false;     // --ca-file given
};
// The warnings to log (one line each), or the error: it names the URL and what to give.
Result<std::vector<std::string>> check_report_exposure(const std::vector<std::string>& nodes,
                                                       const ReportExposure& how);

// The check list an API answers (api/routes_health.cc) as the rows the checker probes from.
Result<ConfigRows> config_from_check_list(const std::string& json_text);

class RemoteBackend : public HealthBackend {
 public:
  RemoteBackend(RemoteOptions options, std::string agent_id, std::string region);
  ~RemoteBackend() override;
  Result<void> open() override;
  std::optional<ConfigRows> poll_config(std::optional<std::vector<ObservationRow>>& warm) override;
  bool deliver(const std::vector<ObservationRow>& rows) override;
  void idle() override;

 private:
  struct Node {
    std::unique_ptr<HttpClient> client;
    std::string etag;                           // of the check list last pulled from it
    std::map<int64_t, ObservationRow> pending;  // newest row per member, not yet accepted
    std::chrono::steady_clock::time_point retry_at{};
    std::chrono::milliseconds backoff{0};
    std::string trouble;  // logged when it starts and ends
  };
  void flush(Node& node);
  void report(Node& node, const std::string& what);

  const RemoteOptions options_;
  const std::string agent_id_, region_;
  std::vector<Node> nodes_;
  size_t pull_from_ = 0;  // the node the check list comes from (the next one on failure)
  std::string pull_trouble_;
};

}  // namespace gslb
