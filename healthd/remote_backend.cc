#include "healthd/remote_backend.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "tls/client_context.h"
#include "zones/base/log.h"

namespace gslb {
namespace {

using nlohmann::json;
constexpr size_t kBatch = 5000;  // rows per POST: well under the API's 1 MiB body limit
constexpr std::chrono::milliseconds kFirstBackoff{500}, kMaxBackoff{10000};

// Where a plain http:// node may be without being asked for: this host, by an address that
// cannot lead anywhere else. A name other than "localhost" is resolved at each connect, and
// might then lead off the host.
bool loopback_host(const std::string& host) {
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1)
    return memcmp(&v6, &in6addr_loopback, sizeof v6) == 0;
  std::string lower = host;
  for (char& c : lower) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return lower == "localhost";
}

}  // namespace

Result<std::vector<std::string>> check_report_exposure(const std::vector<std::string>& nodes,
                                                       const ReportExposure& how) {
  std::vector<HttpUrl> urls;
  bool https = false;
  for (const std::string& n : nodes) {
    auto url = parse_http_url(n);
    if (!url) return make_error(ErrorKind::invalid, "--report-to " + url.error());
    https |= url->tls;
    urls.push_back(std::move(*url));
  }
  for (const HttpUrl& u : urls)
    if (!u.tls && !how.plain_http && !loopback_host(u.host))
      return make_error(ErrorKind::invalid,
                        "--report-to " + u.text +
                            " is not a loopback address and would carry the token and the "
                            "observations in clear: give the node's https:// URL, or "
                            "--report-plain-http to say you mean it (over a network you trust)");
  std::vector<std::string> warnings;
  if (!how.ca_file) return warnings;
  for (const HttpUrl& u : urls) {
    if (u.tls) continue;
    if (!https)
      return make_error(ErrorKind::invalid,
                        "--ca-file applies only to https:// nodes; " + u.text + " is plain HTTP");
    warnings.push_back("--ca-file does not apply to " + u.text + ": it is plain HTTP");
  }
  return warnings;
}

Result<ConfigRows> config_from_check_list(const std::string& json_text) {
  json doc = json::parse(json_text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("checks") ||
      !doc.contains("targets") || !doc["checks"].is_array() || !doc["targets"].is_array())
    return make_error("the check list is not {\"checks\": [...], \"targets\": [...]}");
  ConfigRows rows;
  // One stand-in service: the agent needs only which address to probe with which check for
  // which member id.
  ServiceRow service;
  service.id = 1;
  rows.services.push_back(service);
  auto u32 = [](const json& j, const char* key, uint32_t fallback) -> uint32_t {
    auto it = j.find(key);
    return it != j.end() && it->is_number_unsigned() ? it->get<uint32_t>() : fallback;
  };
  auto str = [](const json& j, const char* key) -> std::string {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  for (const json& c : doc["checks"]) {
    if (!c.is_object() || !c.contains("id") || !c["id"].is_number_integer())
      return make_error("the check list has a check without an id");
    CheckRow row;
    row.id = c["id"].get<int64_t>();
    row.name = str(c, "name");
    row.type = str(c, "type");
    row.port = u32(c, "port", 0);
    row.path = str(c, "path");
    row.host = str(c, "host");
    if (auto st = c.find("expect_status"); st != c.end() && st->is_array())
      for (const json& code : *st)
        if (code.is_number_integer())
          row.expect_status +=
              (row.expect_status.empty() ? "" : ",") + std::to_string(code.get<int>());
    row.expect_body = str(c, "expect_body");
    row.interval_ms = u32(c, "interval_ms", 1000);
    row.timeout_ms = u32(c, "timeout_ms", 500);
    row.rise = u32(c, "rise", 2);
    row.fall = u32(c, "fall", 3);
    row.options_json =
        c.contains("options") && c["options"].is_object() ? c["options"].dump() : "{}";
    rows.checks.push_back(std::move(row));
  }
  for (const json& t : doc["targets"]) {
    if (!t.is_object() || !t.contains("member_id") || !t["member_id"].is_number_integer() ||
        !t.contains("check_id") || !t["check_id"].is_number_integer())
      return make_error("the check list has a target without member_id or check_id");
    MemberRow m;
    m.id = t["member_id"].get<int64_t>();
    m.service_id = 1;
    m.name = str(t, "member");
    m.address = str(t, "address");
    m.target = str(t, "target");  // a CNAME target: the name, resolved by the agent
    m.check_id = t["check_id"].get<int64_t>();
    rows.members.push_back(std::move(m));
  }
  return rows;
}

RemoteBackend::RemoteBackend(RemoteOptions options, std::string agent_id, std::string region)
    : options_(std::move(options)), agent_id_(std::move(agent_id)), region_(std::move(region)) {}

RemoteBackend::~RemoteBackend() = default;

Result<void> RemoteBackend::open() {
  if (options_.nodes.empty()) return make_error("healthd: no node to report to (--report-to)");
  std::vector<HttpUrl> urls;
  bool https = false;
  for (const std::string& n : options_.nodes) {
    auto url = parse_http_url(n);
    if (!url) return make_error("healthd: --report-to " + url.error());
    https |= url->tls;
    urls.push_back(std::move(*url));
  }
  // One context for every node: the CA file is read once, and a bad one stops the start.
  std::shared_ptr<boost::asio::ssl::context> tls;
  if (https) {
    auto made = tls::make_client_context(options_.ca_file);
    if (!made)
      return make_error(
          "healthd: " + (options_.ca_file.empty() ? std::string() : std::string("--ca-file: ")) +
          made.error());
    tls = std::move(*made);
  }
  for (HttpUrl& url : urls) {
    Node node;
    auto context = url.tls ? tls : nullptr;
    node.client =
        std::make_unique<HttpClient>(std::move(url), options_.token, options_.timeout, context);
    nodes_.push_back(std::move(node));
  }
  return {};
}

std::optional<ConfigRows> RemoteBackend::poll_config(std::optional<std::vector<ObservationRow>>&) {
  // Each node answers with its own generation; the ETag is remembered per node.
  for (size_t tries = 0; tries < nodes_.size(); ++tries) {
    Node& node = nodes_[pull_from_];
    const std::string where = node.client->url().text;
    auto reply = node.client->request("GET", "/v1/agents/" + agent_id_ + "/checks", {}, node.etag);
    std::string problem;
    if (!reply) {
      problem = reply.error();
    } else if (reply->status == 304) {
      if (!pull_trouble_.empty()) log_info("healthd: check list from " + where + " again");
      pull_trouble_.clear();
      return std::nullopt;
    } else if (reply->status != 200) {
      problem = "HTTP " + std::to_string(reply->status) + ": " + reply->body.substr(0, 200);
    } else if (auto rows = config_from_check_list(reply->body); !rows) {
      problem = rows.error();
    } else {
      if (!pull_trouble_.empty()) log_info("healthd: check list from " + where + " again");
      pull_trouble_.clear();
      node.etag = reply->etag;
      return std::move(*rows);
    }
    const std::string line = "cannot pull the check list from " + where + ": " + problem;
    if (line != pull_trouble_) log_warn("healthd: " + line + " (trying the next node)");
    pull_trouble_ = line;
    pull_from_ = (pull_from_ + 1) % nodes_.size();
    // A node switched to must send its whole list, whatever ETag it had.
    nodes_[pull_from_].etag.clear();
  }
  return std::nullopt;
}

bool RemoteBackend::deliver(const std::vector<ObservationRow>& rows) {
  for (Node& node : nodes_) {
    for (const ObservationRow& o : rows) {
      auto [it, fresh] = node.pending.try_emplace(o.member_id, o);
      if (!fresh && o.checked_at_ms >= it->second.checked_at_ms) it->second = o;
    }
  }
  idle();
  return true;  // kept per node until each accepts it
}

void RemoteBackend::idle() {
  const auto now = std::chrono::steady_clock::now();
  for (Node& node : nodes_)
    if (!node.pending.empty() && now >= node.retry_at) flush(node);
}

void RemoteBackend::report(Node& node, const std::string& what) {
  const std::string& where = node.client->url().text;
  if (what.empty()) {
    if (!node.trouble.empty()) log_info("healthd: reporting to " + where + " works again");
    node.trouble.clear();
    node.backoff = std::chrono::milliseconds(0);
    return;
  }
  if (node.trouble.empty())
    log_warn("healthd: cannot report to " + where + ": " + what +
             " (keeping the newest observation per member; retrying)");
  node.trouble = what;
  node.backoff = std::min(kMaxBackoff, std::max(kFirstBackoff, node.backoff * 2));
  node.retry_at = std::chrono::steady_clock::now() + node.backoff;
}

void RemoteBackend::flush(Node& node) {
  while (!node.pending.empty()) {
    json list = json::array();
    std::vector<int64_t> sent;
    for (const auto& [member, o] : node.pending) {
      json j = {{"member_id", o.member_id},
                {"up", o.up},
                {"checked_at_ms", o.checked_at_ms},
                {"detail", o.detail.substr(0, 1024)}};
      if (o.rtt_us) j["rtt_us"] = *o.rtt_us;
      if (o.load) j["load"] = *o.load;
      list.push_back(std::move(j));
      sent.push_back(member);
      if (sent.size() == kBatch) break;
    }
    json body = {{"region", region_}, {"observations", std::move(list)}};
    auto reply = node.client->request("POST", "/v1/agents/" + agent_id_ + "/observations",
                                      body.dump(-1, ' ', false, json::error_handler_t::replace));
    if (!reply) return report(node, reply.error());
    if (reply->status == 422 || reply->status == 400 || reply->status == 413) {
      // The node refuses these rows for good (a bug on one side): dropping them keeps the
      // queue from wedging; the next results of those members are sent as usual.
      log_error("healthd: " + node.client->url().text + " refused an observation batch: HTTP " +
                std::to_string(reply->status) + ": " + reply->body.substr(0, 200));
    } else if (reply->status < 200 || reply->status >= 300) {
      return report(node,
                    "HTTP " + std::to_string(reply->status) + ": " + reply->body.substr(0, 200));
    }
    for (int64_t m : sent) node.pending.erase(m);
    report(node, "");
  }
}

}  // namespace gslb
