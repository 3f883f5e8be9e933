#include "api/metrics_text.h"

#include <map>
#include <sstream>
#include <vector>

#include "api/representation.h"
#include "api/write_transaction.h"
#include "server/dnstap/dnstap_tap.h"
#include "server/query_stats.h"
#include "server/response_rate_limit.h"
#include "zones/dns/dname.h"
#include "zones/model/snapshot.h"

// Last: ldns/common.h defines bool/false macros that break C++ headers included after it.
#include <ldns/ldns.h>

namespace gslb::api {
namespace {

// Label values escape backslash, quote and newline (exposition format).
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string rcode_name(size_t rc) {
  switch (static_cast<Rcode>(rc)) {
    case Rcode::kNoError:
      return "NOERROR";
    case Rcode::kFormErr:
      return "FORMERR";
    case Rcode::kServFail:
      return "SERVFAIL";
    case Rcode::kNxDomain:
      return "NXDOMAIN";
    case Rcode::kNotImp:
      return "NOTIMP";
    case Rcode::kRefused:
      return "REFUSED";
    case Rcode::kBadVers:
      return "BADVERS";
    case Rcode::kBadCookie:
      return "BADCOOKIE";
  }
  return "RCODE" + std::to_string(rc);
}

std::string type_name(size_t bucket) {
  if (bucket + 1 >= QueryStats::kTypeBuckets) return "other";
  char* s = ldns_rr_type2str(static_cast<ldns_rr_type>(QueryStats::kTypes[bucket]));
  std::string out = s ? s : "other";
  free(s);
  return out;
}

// Buffers samples per family: the exposition format wants each family's lines together, and
// some loops below feed two families at once.
class Writer {
 public:
  void family(const char* name, const char* type, const char* help) {
    families_.push_back({name, std::string("# HELP ") + name + ' ' + help + "\n# TYPE " + name +
                                   ' ' + type + '\n'});
  }
  template <typename V>
  void sample(const char* name, const std::string& labels, V value) {
    for (Family& f : families_)
      if (f.name == name) {
        std::ostringstream line;
        line << name;
        if (!labels.empty()) line << '{' << labels << '}';
        line << ' ' << value << '\n';
        f.text += line.str();
        return;
      }
  }
  std::string str() const {
    std::string out;
    for (const Family& f : families_) out += f.text;
    return out;
  }

 private:
  struct Family {
    std::string name;
    std::string text;
  };
  std::vector<Family> families_;
};

void dns_responses(Writer& w, const QueryStats::Totals& dns) {
  w.family("gslbd_dns_responses_total", "counter", "DNS responses sent, by rcode and qtype.");
  for (size_t rc = 0; rc < QueryStats::kRcodes; ++rc)
    for (size_t ty = 0; ty < QueryStats::kTypeBuckets; ++ty)
      if (dns.responses[rc][ty] != 0)
        w.sample("gslbd_dns_responses_total",
                 "rcode=\"" + rcode_name(rc) + "\",qtype=\"" + type_name(ty) + "\"",
                 dns.responses[rc][ty]);
}

void snapshot_updates(Writer& w, const UpdaterStats& u, int64_t now) {
  w.family("gslbd_snapshot_age_seconds", "gauge", "Time since the served snapshot was built.");
  w.sample("gslbd_snapshot_age_seconds", "", static_cast<double>(now - u.built_ms.load()) / 1e3);
  w.family("gslbd_snapshot_checked_age_seconds", "gauge",
           "Time since the database was last checked for changes.");
  w.sample("gslbd_snapshot_checked_age_seconds", "",
           static_cast<double>(now - u.checked_ms.load()) / 1e3);
  w.family("gslbd_snapshot_rebuild_seconds", "gauge", "How long the last snapshot build took.");
  w.sample("gslbd_snapshot_rebuild_seconds", "", static_cast<double>(u.build_us.load()) / 1e6);
  w.family("gslbd_snapshot_rebuilds_total", "counter", "Snapshots built and published.");
  w.sample("gslbd_snapshot_rebuilds_total", "", u.builds.load());
  w.family("gslbd_snapshot_failures_total", "counter",
           "Snapshot updates that failed (the last good snapshot kept serving).");
  w.sample("gslbd_snapshot_failures_total", "", u.failures.load());
  if (u.geo == nullptr) return;
  const std::vector<GeoFileStatus> geo = u.geo->status();
  if (geo.empty()) return;
  w.family("gslbd_geoip_loaded", "gauge",
           "1 when a good copy of the geoip file is held (maybe older than the file on disk).");
  for (const GeoFileStatus& g : geo)
    w.sample("gslbd_geoip_loaded", "kind=\"" + label(g.kind) + "\"", g.loaded ? 1 : 0);
  w.family("gslbd_geoip_error", "gauge",
           "1 when the last load of the geoip file failed (the last good copy kept serving).");
  for (const GeoFileStatus& g : geo)
    w.sample("gslbd_geoip_error", "kind=\"" + label(g.kind) + "\"", g.error.empty() ? 0 : 1);
  w.family("gslbd_geoip_records", "gauge", "Distinct data records of the geoip file held.");
  for (const GeoFileStatus& g : geo)
    w.sample("gslbd_geoip_records", "kind=\"" + label(g.kind) + "\"", g.records);
  w.family("gslbd_geoip_age_seconds", "gauge", "Time since the held geoip file was loaded.");
  for (const GeoFileStatus& g : geo)
    if (g.loaded)
      w.sample("gslbd_geoip_age_seconds", "kind=\"" + label(g.kind) + "\"",
               static_cast<double>(now - g.loaded_at_ms) / 1e3);
}

// Names from the database, counts from the DNS workers.
void answers_per_service_and_member(Writer& w, const ConfigView& view,
                                    const QueryStats::Totals& dns) {
  w.family("gslbd_service_answers_total", "counter",
           "GSLB answers given for a service (responses naming its members).");
  for (const ServiceRow& s : view.rows.services) {
    auto it = dns.answers.find(-s.id);
    w.sample("gslbd_service_answers_total", "service=\"" + label(display(s.name)) + "\"",
             it == dns.answers.end() ? 0 : it->second);
  }
  w.family("gslbd_member_answers_total", "counter", "Times a member was handed out.");
  for (const MemberRow& m : view.rows.members) {
    const ServiceRow* s = view.service_by_id(m.service_id);
    auto it = dns.answers.find(m.id);
    w.sample(
        "gslbd_member_answers_total",
        "service=\"" + label(s ? display(s->name) : "") + "\",member=\"" + label(m.name) + "\"",
        it == dns.answers.end() ? 0 : it->second);
  }
}

void member_states(Writer& w, const ConfigView& view, const HealthView& health) {
  w.family("gslbd_member_up", "gauge",
           "1 when the member is healthy by quorum of fresh agents (what DNS acts on).");
  w.family("gslbd_member_state", "gauge", "The member's state (1 for the current one).");
  w.family("gslbd_member_fresh_agents", "gauge",
           "Agents whose last observation of the member is fresh (within 3 check intervals).");
  w.family("gslbd_member_quorum_met", "gauge",
           "1 when at least the service's quorum (default 1: a majority of the fresh) of agents "
           "observed the member freshly; 0: its health is the last known or rests on fewer "
           "agents than the quorum asks.");
  for (const MemberRow& m : view.rows.members) {
    const ServiceRow* s = view.service_by_id(m.service_id);
    if (!s) continue;
    json mj = member_json(m, *s, view, health);
    const std::string labels =
        "service=\"" + label(display(s->name)) + "\",member=\"" + label(m.name) + "\"";
    w.sample("gslbd_member_up", labels, mj["health"] == "up" ? 1 : 0);
    w.sample("gslbd_member_state", labels + ",state=\"" + mj["state"].get<std::string>() + "\"", 1);
    // Only observed members: a member without a check is never observed, and that is no alert.
    if (mj["observations"].empty()) continue;
    size_t fresh = 0;
    for (const json& o : mj["observations"]) fresh += o["stale"].get<bool>() ? 0 : 1;
    w.sample("gslbd_member_fresh_agents", labels, fresh);
    w.sample("gslbd_member_quorum_met", labels, fresh >= s->quorum.value_or(1) ? 1 : 0);
  }
}

void probe_observations(Writer& w, const ConfigView& view, const HealthView& health, int64_t now) {
  w.family("gslbd_probe_up", "gauge", "The last verdict of each agent on each member.");
  w.family("gslbd_probe_rtt_seconds", "gauge", "Smoothed probe RTT per agent and member.");
  w.family("gslbd_probe_age_seconds", "gauge", "Age of each agent's last observation.");
  for (const MemberRow& m : view.rows.members) {
    const ServiceRow* s = view.service_by_id(m.service_id);
    auto obs = health.observations.find(m.id);
    if (!s || obs == health.observations.end()) continue;
    for (const ObservationRow& o : obs->second) {
      const std::string labels = "service=\"" + label(display(s->name)) + "\",member=\"" +
                                 label(m.name) + "\",agent=\"" + label(o.agent_id) + "\"";
      w.sample("gslbd_probe_up", labels, o.up ? 1 : 0);
      if (o.rtt_us) w.sample("gslbd_probe_rtt_seconds", labels, *o.rtt_us / 1e6);
      w.sample("gslbd_probe_age_seconds", labels, static_cast<double>(now - o.checked_at_ms) / 1e3);
    }
  }
}

void recent_probe_failures(Writer& w, const ConfigView& view, const std::vector<EventRow>& events) {
  std::map<std::pair<int64_t, std::string>, uint64_t> downs;
  for (const EventRow& e : events)
    if (e.new_state == "down") ++downs[{e.member_id, e.agent_id}];
  w.family("gslbd_probe_failures_recent", "gauge",
           "Up-to-down transitions per member and agent among the newest 10000 events.");
  for (const auto& [key, count] : downs) {
    const MemberRow* m = nullptr;
    for (const MemberRow& r : view.rows.members)
      if (r.id == key.first) m = &r;
    const ServiceRow* s = m ? view.service_by_id(m->service_id) : nullptr;
    if (!s) continue;
    w.sample("gslbd_probe_failures_recent",
             "service=\"" + label(display(s->name)) + "\",member=\"" + label(m->name) +
                 "\",agent=\"" + label(key.second) + "\"",
             count);
  }
}

// Spillover, as the served snapshot holds it: members at or above their capacity, and services
// whose every healthy member of a family is (they answer anyway).
void spillover(Writer& w, const Snapshot& snap) {
  bool any = false;
  for (const Service& s : snap.services())
    for (const Member& m : s.members) any = any || m.has_capacity;
  if (!any) return;
  w.family("gslbd_member_over_capacity", "gauge",
           "1 while the member's reported load is at or above its capacity (it takes no share "
           "while another member has room).");
  for (const Service& s : snap.services())
    for (const Member& m : s.members)
      if (m.has_capacity)
        w.sample("gslbd_member_over_capacity",
                 "service=\"" + label(display(name_to_text(s.name))) + "\",member=\"" +
                     label(m.name) + "\"",
                 m.over_capacity ? 1 : 0);
  w.family("gslbd_service_saturated", "gauge",
           "1 while every healthy member of the service's address family is over its capacity.");
  for (const Service& s : snap.services()) {
    bool capped = false;
    for (const Member& m : s.members) capped = capped || m.has_capacity;
    if (!capped) continue;
    for (int f = 0; f < 2; ++f)
      if (s.has_family[f])
        w.sample("gslbd_service_saturated",
                 "service=\"" + label(display(name_to_text(s.name))) + "\",family=\"" +
                     (f == 0 ? "ipv4" : "ipv6") + "\"",
                 s.saturated[f] ? 1 : 0);
  }
}

void api_requests(Writer& w, const ApiMetrics& m) {
  w.family("gslbd_api_requests_total", "counter", "API requests by route, method and status.");
  for (const auto& [key, count] : m.requests()) {
    const auto& [route, method, status] = key;
    w.sample("gslbd_api_requests_total",
             "route=\"" + label(route) + "\",method=\"" + label(method) + "\",status=\"" +
                 std::to_string(status) + "\"",
             count);
  }
}

void rate_limited(Writer& w, const ResponseRateLimiter& rrl) {
  static constexpr std::pair<RrlClass, const char*> kClasses[] = {{RrlClass::kAnswer, "answer"},
                                                                  {RrlClass::kNxdomain, "nxdomain"},
                                                                  {RrlClass::kError, "error"}};
  w.family("gslbd_rrl_dropped_total", "counter",
           "UDP responses over the --rrl limit that were dropped, by response class.");
  for (const auto& [c, name] : kClasses)
    w.sample("gslbd_rrl_dropped_total", std::string("class=\"") + name + "\"", rrl.dropped(c));
  w.family("gslbd_rrl_slipped_total", "counter",
           "UDP responses over the --rrl limit sent truncated (TC=1) instead, by class.");
  for (const auto& [c, name] : kClasses)
    w.sample("gslbd_rrl_slipped_total", std::string("class=\"") + name + "\"", rrl.slipped(c));
}

void dnstap_records(Writer& w, const DnstapTap& tap) {
  w.family("gslbd_dnstap_written_total", "counter",
           "dnstap records (one per response sent) written to the --dnstap output.");
  w.sample("gslbd_dnstap_written_total", "", tap.written());
  w.family("gslbd_dnstap_dropped_total", "counter",
           "dnstap records dropped: a worker's ring was full, or the output refused them.");
  w.sample("gslbd_dnstap_dropped_total", "", tap.dropped());
}

}  // namespace

std::string metrics_text(ApiContext& ctx) {
  Writer w;
  const int64_t now = wall_ms();

  const QueryStatsRegistry* counters = ctx.shared().engine.stats;
  const QueryStats::Totals dns = counters ? counters->totals() : QueryStats::Totals{};
  dns_responses(w, dns);
  if (const ResponseRateLimiter* rrl = ctx.shared().engine.rrl) rate_limited(w, *rrl);
  if (const DnstapTap* tap = ctx.shared().engine.dnstap) dnstap_records(w, *tap);
  if (const UpdaterStats* u = ctx.shared().updater) snapshot_updates(w, *u, now);
  if (const SnapshotHolder* h = ctx.shared().snapshots)
    if (auto snap = h->get()) spillover(w, *snap);

  auto store = ctx.store();
  if (store) {
    auto view = load_view(**store);
    auto health = view ? load_health_view(**store, *view, now) : Outcome<HealthView>(view.error());
    if (view && health) {
      answers_per_service_and_member(w, *view, dns);
      member_states(w, *view, *health);
      probe_observations(w, *view, *health, now);
      if (auto events = (*store)->load_events(0, 10000)) recent_probe_failures(w, *view, *events);
    }
  }

  if (ApiMetrics* m = ctx.shared().metrics) api_requests(w, *m);
  if (const AuthFailures* f = ctx.shared().auth_failures) {
    w.family("gslbd_api_auth_failures_total", "counter", "API requests with an unknown token.");
    w.sample("gslbd_api_auth_failures_total", "", f->failures());
    w.family("gslbd_api_auth_throttled_total", "counter",
             "API requests refused (429) without checking their token: the address sent too "
             "many unknown tokens.");
    w.sample("gslbd_api_auth_throttled_total", "", f->refused());
  }
  return w.str();
}

}  // namespace gslb::api
