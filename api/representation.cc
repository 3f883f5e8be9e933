#include "api/representation.h"

#include <algorithm>

#include "zones/model/service_table_builder.h"

namespace gslb::api {
namespace {

json nullable(const std::optional<uint32_t>& v) {
  return v ? json(*v) : json(nullptr);
}
json name_or_null(const std::string& s) {
  return s.empty() ? json(nullptr) : json(s);
}

json expect_status_json(const std::string& csv) {
  json out = json::array();
  size_t pos = 0;
  while (pos < csv.size()) {
    size_t end = csv.find(',', pos);
    if (end == std::string::npos) end = csv.size();
    const std::string code = csv.substr(pos, end - pos);
    if (!code.empty() && code.find_first_not_of("0123456789") == std::string::npos)
      out.push_back(std::stoi(code));
    pos = end + 1;
  }
  return out;
}

}  // namespace

std::string display(const std::string& name) {
  if (name.size() > 1 && name.back() == '.') return name.substr(0, name.size() - 1);
  return name;
}

json check_json(const CheckRow& c) {
  json options = json::parse(c.options_json.empty() ? "{}" : c.options_json, nullptr, false);
  if (options.is_discarded()) options = json::object();
  return {{"name", c.name},
          {"type", c.type},
          {"port", c.port},
          {"path", c.path},
          {"host", c.host},
          {"expect_status", expect_status_json(c.expect_status)},
          {"expect_body", c.expect_body},
          {"interval_ms", c.interval_ms},
          {"timeout_ms", c.timeout_ms},
          {"rise", c.rise},
          {"fall", c.fall},
          {"options", options}};
}

json zone_json(const ZoneRow& z, const ConfigView& view) {
  json out = {{"name", display(z.name)}};
  if (!z.file.empty()) {
    out["file"] = z.file;
    return out;
  }
  out["ttl"] = z.ttl;
  out["soa"] = {{"mname", z.soa_mname},     {"rname", z.soa_rname}, {"serial", z.soa_serial},
                {"refresh", z.soa_refresh}, {"retry", z.soa_retry}, {"expire", z.soa_expire},
                {"minimum", z.soa_minimum}};
  json ns = json::array(), records = json::array();
  for (const RecordRow* r : view.records_of(z.id)) {
    // The apex NS are the document's "ns"; everything else is a record.
    if (r->type == "NS" && r->name == z.name)
      ns.push_back(r->rdata);
    else
      records.push_back(
          {{"name", r->name}, {"type", r->type}, {"ttl", r->ttl}, {"data", r->rdata}});
  }
  out["ns"] = std::move(ns);
  out["records"] = std::move(records);
  return out;
}

json record_json(const RecordRow& r) {
  return {
      {"id", r.id}, {"name", display(r.name)}, {"type", r.type}, {"ttl", r.ttl}, {"data", r.rdata}};
}

namespace {

// A pool's settings as the document gives them: name, policy and its keys, fallback.
json pool_settings_json(const PoolRow& p) {
  json j = {{"name", p.name}, {"policy", p.policy}};
  for (const auto& [key, value] : p.policy_options)
    std::visit([&j, &key = key](const auto& v) { j[key] = v; }, value);
  j["fallback"] = p.fallback;
  return j;
}

json rule_json(const RuleRow& r) {
  json j = json::object();
  if (!r.country.empty()) j["country"] = r.country;
  if (!r.continent.empty()) j["continent"] = r.continent;
  if (!r.subdivision.empty()) j["subdivision"] = r.subdivision;
  if (!r.asn.empty()) j["asn"] = r.asn;
  if (!r.region.empty()) j["region"] = r.region;
  j["pool"] = r.pool;
  if (!r.split_pool.empty()) j["split"] = {{"pool", r.split_pool}, {"percent", r.split_percent}};
  return j;
}

json rules_json(const TopologyRows& t) {
  json rules = json::array();
  for (const RuleRow& r : t.rules) rules.push_back(rule_json(r));
  return rules;
}

}  // namespace

json service_settings_json(const ServiceRow& s, const ConfigView& view) {
  json persistence = false;
  if (s.persistence) persistence = {{"v4", s.persist_v4}, {"v6", s.persist_v6}};
  const bool pooled = !s.topology.pools.empty();
  json j = {{"name", display(s.name)},
            {"policy", s.policy},
            {"ttl", s.ttl},
            {"ttl_degraded", nullable(s.ttl_degraded)},
            {"answers", s.answers},
            {"fallback", s.fallback},
            {"persistence", persistence},
            {"quorum", nullable(s.quorum)},
            {"min_healthy", s.min_healthy},
            {"slow_start_s", s.slow_start_s},
            {"check", name_or_null(view.check_name(s.check_id))}};
  // A service with pools has its policies in them.
  if (pooled) {
    j.erase("policy");
    json pools = json::array();
    for (const PoolRow& p : s.topology.pools) pools.push_back(pool_settings_json(p));
    j["pools"] = std::move(pools);
    j["rules"] = rules_json(s.topology);
    return j;
  }
  // The policy's own keys sit beside the others, as the document gives them.
  for (const auto& [key, value] : s.policy_options)
    std::visit([&j, &key = key](const auto& v) { j[key] = v; }, value);
  return j;
}

json member_settings_json(const MemberRow& m, const ConfigView& view) {
  json j = {{"name", m.name},     {"address", m.address},
            {"weight", m.weight}, {"priority", m.priority},
            {"region", m.region}, {"enabled", m.enabled},
            {"sorry", m.sorry},   {"check", name_or_null(view.check_name(m.check_id))}};
  if (m.latitude && m.longitude)
    j["location"] = {{"latitude", *m.latitude}, {"longitude", *m.longitude}};
  if (m.capacity) j["capacity"] = *m.capacity;
  // A site of several addresses lists them all ("address" stays its first, for readers that
  // show one); a CNAME target has no address of ours.
  if (!m.more_addresses.empty()) {
    json all = json::array({m.address});
    for (const std::string& a : m.more_addresses) all.push_back(a);
    j["addresses"] = std::move(all);
  } else if (!m.target.empty()) {
    j["address"] = nullptr;
    j["target"] = m.target;
  }
  return j;
}

namespace {

// The service's pools in the document's shape, each member given by `member` (settings, or
// settings with health).
template <typename MemberJson>
json pools_json(const ServiceRow& s, const ConfigView& view, MemberJson member) {
  json pools = json::array();
  for (const PoolRow& p : s.topology.pools) {
    json j = pool_settings_json(p);
    json members = json::array();
    for (const MemberRow* m : view.members_of(s.id))
      if (m->pool == p.name) members.push_back(member(*m));
    j["members"] = std::move(members);
    pools.push_back(std::move(j));
  }
  return pools;
}

}  // namespace

json document_json(const ConfigView& view) {
  json zones = json::array(), checks = json::array(), services = json::array();
  for (const ZoneRow& z : view.rows.zones) zones.push_back(zone_json(z, view));
  for (const CheckRow& c : view.rows.checks) checks.push_back(check_json(c));
  for (const ServiceRow& s : view.rows.services) {
    json j = service_settings_json(s, view);
    if (!s.topology.pools.empty()) {
      j["pools"] =
          pools_json(s, view, [&](const MemberRow& m) { return member_settings_json(m, view); });
    } else {
      json members = json::array();
      for (const MemberRow* m : view.members_of(s.id))
        members.push_back(member_settings_json(*m, view));
      j["members"] = std::move(members);
    }
    services.push_back(std::move(j));
  }
  json doc = {{"zones", zones}, {"checks", checks}, {"services", services}};
  if (!view.rows.geoip_files.empty()) {
    json geoip = json::object();
    for (const GeoipFileRow& g : view.rows.geoip_files) geoip[g.kind] = g.path;
    doc["geoip"] = std::move(geoip);
  }
  // "regions" is optional (absent: none): left out when there are none.
  if (!view.rows.client_subnets.empty()) {
    json regions = json::object();
    for (const ClientSubnetRow& c : view.rows.client_subnets) regions[c.region].push_back(c.subnet);
    doc["regions"] = std::move(regions);
  }
  return doc;
}

json event_json(const EventRow& e) {
  return {{"id", e.id},         {"agent", e.agent_id}, {"old", e.old_state},
          {"new", e.new_state}, {"detail", e.detail},  {"at_ms", e.at_ms}};
}

Outcome<HealthView> load_health_view(Store& store, const ConfigView& view, int64_t now_ms) {
  auto rows = store.load_health();
  if (!rows) return api_error(rows.failure());
  auto changes = store.last_event_times();
  if (!changes) return api_error(changes.failure());
  HealthView h;
  h.now_ms = now_ms;
  auto table = services_from_rows(view.rows, *rows, now_ms);
  if (!table) return server_error("health: " + table.error());
  h.table = std::move(*table);
  for (const Service& s : h.table)
    for (const Member& m : s.members) h.by_member[m.id] = &m;
  for (ObservationRow& o : rows->observations) h.observations[o.member_id].push_back(std::move(o));
  for (AgentRow& a : rows->agents) h.agents[a.id] = std::move(a);
  for (const auto& [member, at] : *changes) h.last_change_ms[member] = at;
  return h;
}

int64_t drain_complete_ms(const MemberRow& m, const ServiceRow& s) {
  uint32_t ttl = std::max(s.ttl, s.ttl_degraded.value_or(s.ttl));
  return m.drained_at_ms.value_or(0) + static_cast<int64_t>(ttl) * 1000 + kDrainMarginMs;
}

json member_json(const MemberRow& m, const ServiceRow& s, const ConfigView& view,
                 const HealthView& health) {
  json j = member_settings_json(m, view);
  auto folded = health.by_member.find(m.id);
  const Member* f = folded == health.by_member.end() ? nullptr : folded->second;
  const bool up = f == nullptr || f->up;
  std::string state = up ? "up" : "down";
  if (!m.enabled) {
    state = "disabled";
  } else if (m.drained_at_ms) {
    state = health.now_ms < drain_complete_ms(m, s) ? "draining" : "drained";
  }
  j["state"] = state;
  j["health"] = up ? "up" : "down";
  j["stale"] = f != nullptr && f->stale;
  j["rtt_us"] = f != nullptr && f->has_rtt ? json(f->rtt_us) : json(nullptr);
  j["load"] = f != nullptr && f->has_load ? json(f->load) : json(nullptr);
  j["drained"] = m.drained_at_ms.has_value();
  j["drained_since_ms"] = m.drained_at_ms ? json(*m.drained_at_ms) : json(nullptr);
  j["drain_complete_ms"] = m.drained_at_ms ? json(drain_complete_ms(m, s)) : json(nullptr);
  // By the server's clock, so a client with another clock can still count down.
  j["drain_remaining_ms"] =
      m.drained_at_ms ? json(std::max<int64_t>(0, drain_complete_ms(m, s) - health.now_ms))
                      : json(nullptr);

  // Staleness per observation, by the member's check as the DNS role judges it.
  std::optional<int64_t> check_id = m.check_id ? m.check_id : s.check_id;
  const CheckRow* check = check_id ? view.check_by_id(*check_id) : nullptr;
  json observations = json::array();
  auto obs = health.observations.find(m.id);
  if (obs != health.observations.end()) {
    for (const ObservationRow& o : obs->second) {
      auto agent = health.agents.find(o.agent_id);
      const int64_t age = health.now_ms - o.checked_at_ms;
      observations.push_back(
          {{"agent", o.agent_id},
           {"region", agent == health.agents.end() ? std::string() : agent->second.region},
           {"up", o.up},
           {"rtt_us", o.rtt_us ? json(*o.rtt_us) : json(nullptr)},
           {"load", o.load ? json(*o.load) : json(nullptr)},
           {"checked_at_ms", o.checked_at_ms},
           {"age_ms", age},
           {"stale", check != nullptr && age > 3 * static_cast<int64_t>(check->interval_ms)},
           {"detail", o.detail}});
    }
  }
  j["observations"] = std::move(observations);
  auto change = health.last_change_ms.find(m.id);
  j["last_change_ms"] =
      change == health.last_change_ms.end() ? json(nullptr) : json(change->second);
  return j;
}

json service_json(const ServiceRow& s, const ConfigView& view, const HealthView* health) {
  json j = service_settings_json(s, view);
  const ZoneRow* z = view.zone_by_id(s.zone_id);
  j["zone"] = z ? display(z->name) : std::string();
  // Flat, as for every service (each member names its pool); the pools' settings are in
  // "pools" (the document nests the members in them instead: document_json).
  json members = json::array();
  for (const MemberRow* m : view.members_of(s.id)) {
    json mj = health ? member_json(*m, s, view, *health) : member_settings_json(*m, view);
    if (!s.topology.pools.empty()) mj["pool"] = m->pool;
    members.push_back(std::move(mj));
  }
  j["members"] = std::move(members);
  return j;
}

}  // namespace gslb::api
