#include "tools/gslbctl/views.h"

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/gslbctl/format.h"
#include "tools/gslbctl/table.h"

namespace gslbctl {

namespace {

using nlohmann::json;

// Accessors that never throw: an answer of an unexpected shape prints as "-", not as a crash.

const json& at(const json& obj, const char* key) {
  static const json kNull;
  if (!obj.is_object()) return kNull;
  const auto it = obj.find(key);
  return it == obj.end() ? kNull : *it;
}

const json& list(const json& obj, const char* key) {
  static const json kEmpty = json::array();
  const json& v = at(obj, key);
  return v.is_array() ? v : kEmpty;
}

std::string dump(const json& v) {
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string cell(const json& v) {
  if (v.is_null()) return "-";
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    return s.empty() ? "-" : s;
  }
  return dump(v);
}

std::string cell(const json& obj, const char* key) {
  return cell(at(obj, key));
}

// A member's address as one cell: its address; a site of several, the first and how many
// more; a CNAME target, "CNAME target".
std::string address_cell(const json& m) {
  const json& target = at(m, "target");
  if (target.is_string() && !target.get_ref<const std::string&>().empty())
    return "CNAME " + target.get<std::string>();
  std::string out = cell(m, "address");
  const json& all = at(m, "addresses");
  if (all.is_array() && all.size() > 1) out += " +" + std::to_string(all.size() - 1);
  return out;
}

// A member's name, with its pool in a service with pools.
std::string member_name_cell(const json& m) {
  std::string name = cell(m, "name");
  const json& pool = at(m, "pool");
  if (pool.is_string() && !pool.get_ref<const std::string&>().empty())
    name += " [" + pool.get<std::string>() + "]";
  return name;
}

// A service's policy; with pools, each pool's: "pools asia=weighted europe=priority".
std::string policy_cell(const json& s) {
  const json& pools = at(s, "pools");
  if (!pools.is_array() || pools.empty()) return cell(s, "policy");
  std::string out = "pools";
  for (const json& p : pools) out += " " + cell(p, "name") + "=" + cell(p, "policy");
  return out;
}

std::optional<int64_t> integer(const json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number()) return static_cast<int64_t>(v.get<double>());
  return std::nullopt;
}

bool flag(const json& obj, const char* key) {
  const json& v = at(obj, key);
  return v.is_boolean() && v.get<bool>();
}

std::string text(const json& obj, const char* key) {
  const json& v = at(obj, key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

gslb::Result<json> parse(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return gslb::make_error("unexpected answer from the server (not a JSON object): " +
                            std::string(body.substr(0, 200)));
  return j;
}

gslb::Result<json> parse_with_list(std::string_view body, const char* key) {
  auto j = parse(body);
  if (j && !at(*j, key).is_array())
    return gslb::make_error(std::string("unexpected answer from the server: no \"") + key +
                            "\" list");
  return j;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

std::string rtt_cell(const json& v) {
  const auto us = integer(v);
  return us ? format_rtt_us(*us) : "-";
}

std::string ms_cell(const json& v) {
  const auto ms = integer(v);
  return ms ? format_duration_ms(*ms) : "-";
}

// "5m03s ago" from an absolute time and the answer's clock.
std::string ago(const json& unix_ms, std::optional<int64_t> now_ms) {
  const auto t = integer(unix_ms);
  if (!t) return "-";
  if (!now_ms) return format_clock_ms(*t);
  return format_duration_ms(*now_ms - *t) + " ago";
}

// "up", or "down (stale)" when no fresh observation backs it.
std::string health_cell(const json& m) {
  return cell(m, "health") + (flag(m, "stale") ? " (stale)" : "");
}

// Members that count towards "N/M up": sorry servers only answer in the fallback.
std::string up_count(const json& members) {
  int up = 0, total = 0;
  for (const json& m : members) {
    if (flag(m, "sorry")) continue;
    ++total;
    if (text(m, "state") == "up") ++up;
  }
  return std::to_string(up) + "/" + std::to_string(total) + " up";
}

// One row of a member table (get members, drain & co).
const std::vector<std::string> kMemberHeader = {"MEMBER",   "ADDRESS", "STATE", "HEALTH", "WEIGHT",
                                                "PRIORITY", "REGION",  "RTT",   "CHECK"};

std::vector<std::string> member_row(const json& m) {
  std::string name = cell(m, "name");
  if (flag(m, "sorry")) name += " (sorry)";
  return {name,
          cell(m, "address"),
          cell(m, "state"),
          health_cell(m),
          cell(m, "weight"),
          cell(m, "priority"),
          cell(m, "region"),
          rtt_cell(at(m, "rtt_us")),
          cell(m, "check")};
}

}  // namespace

gslb::Result<std::string> view_zones(std::string_view body) {
  auto j = parse_with_list(body, "zones");
  if (!j) return gslb::make_error(j.error());
  const json& zones = list(*j, "zones");
  if (zones.empty()) return std::string("no zones\n");
  Table t({"ZONE", "SOURCE", "SERIAL", "TTL", "NS", "RECORDS"});
  for (const json& z : zones) {
    const bool file = !text(z, "file").empty();
    std::vector<std::string> ns;
    for (const json& n : list(z, "ns")) ns.push_back(cell(n));
    const json& records = at(z, "records");
    t.add_row({cell(z, "name"), file ? "file " + text(z, "file") : "inline",
               cell(at(z, "soa"), "serial"), cell(z, "ttl"), ns.empty() ? "-" : join(ns, ","),
               records.is_array() ? std::to_string(records.size()) : "-"});
  }
  return t.render();
}

gslb::Result<std::string> view_services(std::string_view body) {
  auto j = parse_with_list(body, "services");
  if (!j) return gslb::make_error(j.error());
  const json& services = list(*j, "services");
  if (services.empty()) return std::string("no services\n");
  Table t({"SERVICE", "ZONE", "POLICY", "TTL", "ANSWERS", "FALLBACK", "CHECK", "MEMBERS"});
  for (const json& s : services) {
    const json& members = at(s, "members");
    std::string count = "-";
    if (members.is_array()) {
      const bool have_state = std::any_of(members.begin(), members.end(),
                                          [](const json& m) { return at(m, "state").is_string(); });
      count = have_state ? up_count(members) : std::to_string(members.size());
    }
    t.add_row({cell(s, "name"), cell(s, "zone"), cell(s, "policy"), cell(s, "ttl"),
               cell(s, "answers"), cell(s, "fallback"), cell(s, "check"), count});
  }
  return t.render();
}

gslb::Result<std::string> view_members(std::string_view body) {
  auto j = parse_with_list(body, "members");
  if (!j) return gslb::make_error(j.error());
  const json& members = list(*j, "members");
  if (members.empty()) return std::string("no members\n");
  Table t(kMemberHeader);
  for (const json& m : members) t.add_row(member_row(m));
  return t.render();
}

gslb::Result<std::string> view_health(std::string_view body) {
  auto j = parse_with_list(body, "services");
  if (!j) return gslb::make_error(j.error());
  const auto now = integer(at(*j, "now_ms"));
  const json& services = list(*j, "services");
  if (services.empty()) return std::string("no services\n");
  Table t({"SERVICE", "POLICY", "MEMBER", "ADDRESS", "STATE", "HEALTH", "RTT", "LOAD", "AGENTS UP",
           "LAST CHANGE"});
  for (const json& s : services) {
    for (const json& m : list(s, "members")) {
      const json& obs = list(m, "observations");
      const auto agents_up =
          std::count_if(obs.begin(), obs.end(), [](const json& o) { return flag(o, "up"); });
      t.add_row({cell(s, "name"), policy_cell(s), member_name_cell(m), address_cell(m),
                 cell(m, "state"), health_cell(m), rtt_cell(at(m, "rtt_us")), cell(m, "load"),
                 obs.empty() ? "-" : std::to_string(agents_up) + "/" + std::to_string(obs.size()),
                 ago(at(m, "last_change_ms"), now)});
    }
  }
  return t.render();
}

gslb::Result<std::string> view_agents(std::string_view body) {
  auto j = parse_with_list(body, "agents");
  if (!j) return gslb::make_error(j.error());
  const json& agents = list(*j, "agents");
  if (agents.empty()) return std::string("no agents\n");
  Table t({"AGENT", "REGION", "LAST SEEN"});
  for (const json& a : agents) {
    const auto age = integer(at(a, "age_ms"));
    t.add_row({cell(a, "id"), cell(a, "region"),
               age ? format_duration_ms(*age) + " ago" : ago(at(a, "last_seen_ms"), {})});
  }
  return t.render();
}

gslb::Result<std::string> view_checks(std::string_view body) {
  auto j = parse_with_list(body, "checks");
  if (!j) return gslb::make_error(j.error());
  const json& checks = list(*j, "checks");
  if (checks.empty()) return std::string("no checks\n");
  Table t({"CHECK", "TYPE", "PORT", "PATH", "INTERVAL", "TIMEOUT", "RISE", "FALL"});
  for (const json& c : checks)
    t.add_row({cell(c, "name"), cell(c, "type"), cell(c, "port"), cell(c, "path"),
               ms_cell(at(c, "interval_ms")), ms_cell(at(c, "timeout_ms")), cell(c, "rise"),
               cell(c, "fall")});
  return t.render();
}

// One row per key: its owner (policy or check type), name, type, default and meaning, so the
// catalogue a server was built with is one command away.
gslb::Result<std::string> view_catalogue(std::string_view body) {
  auto j = parse_with_list(body, "policies");
  if (!j) return gslb::make_error(j.error());
  Table t({"KIND", "NAME", "KEY", "TYPE", "DEFAULT", "MEANING"});
  auto rows = [&t](const std::string& kind, const json& owner, const char* name_key,
                   const char* keys_key, const char* summary_key) {
    t.add_row({kind, cell(owner, name_key), "-", "-", "-", cell(owner, summary_key)});
    for (const json& k : list(owner, keys_key)) {
      std::string range = cell(k, "type");
      if (k.contains("minimum")) range += " " + cell(k, "minimum") + ".." + cell(k, "maximum");
      t.add_row({kind, cell(owner, name_key), cell(k, "name"), range,
                 flag(k, "required") ? std::string("required") : cell(k, "default"),
                 cell(k, "meaning")});
    }
  };
  for (const json& p : list(*j, "policies")) rows("policy", p, "name", "keys", "summary");
  if (j->contains("probe_types") && (*j)["probe_types"].is_array())
    for (const json& c : (*j)["probe_types"]) rows("check", c, "type", "options", "summary");
  return t.render();
}

gslb::Result<std::string> view_apply(std::string_view body) {
  auto j = parse_with_list(body, "changes");
  if (!j) return gslb::make_error(j.error());
  std::string out;
  for (const json& c : list(*j, "changes")) out += cell(c) + "\n";
  if (out.empty()) out = "no changes\n";
  if (flag(*j, "dry_run")) out += "(dry run: nothing written)\n";
  return out;
}

gslb::Result<std::string> view_member_change(std::string_view service, std::string_view body,
                                             int64_t now_ms) {
  auto j = parse(body);
  if (!j) return gslb::make_error(j.error());
  const json& m = *j;
  const std::string who = std::string(service) + "/" + cell(m, "name");
  const std::string state = text(m, "state");
  std::string line;
  if (state == "draining") {
    line = who + " is draining: resolvers may still hold its address";
    if (const auto done = integer(at(m, "drain_complete_ms")))
      line += " for up to " + format_duration_ms(std::max<int64_t>(0, *done - now_ms)) +
              " (until " + format_clock_ms(*done) + ")";
    line += "; it is drained after that";
  } else if (state == "drained") {
    line = who + " is drained: no resolver should still hold its address";
  } else if (state == "disabled") {
    line = who + " is disabled: not answered";
  } else {
    line = who + " is " + (state.empty() ? "-" : state);
  }
  Table t(kMemberHeader);
  t.add_row(member_row(m));
  return line + "\n" + t.render();
}

gslb::Result<std::string> view_explain(std::string_view body) {
  auto j = parse(body);
  if (!j) return gslb::make_error(j.error());
  const json& e = *j;
  std::string out = cell(e, "name") + " " + cell(e, "type");
  if (!at(e, "client").is_null()) out += " from " + cell(e, "client");
  out += ": " + cell(e, "rcode") + "\n";
  std::vector<std::string> assumed;
  for (const json& n : list(e, "assumed_down")) assumed.push_back(cell(n));
  if (!assumed.empty())
    out += "assuming " + join(assumed, ", ") + " down (what clients would get; nothing changed)\n";

  const json& answers = list(e, "answers");
  if (answers.empty()) {
    out += "  (no answer records)\n";
  } else {
    Table t({});
    for (const json& a : answers)
      t.add_row({"  " + cell(a, "name"), cell(a, "ttl"), cell(a, "type"), cell(a, "data")});
    out += t.render();
  }

  const json& svc = at(e, "service");
  if (!svc.is_object()) {
    out += "no GSLB service at this name (static zone data, or outside our zones)\n";
  } else {
    const json& persistence = at(svc, "persistence");
    std::string persist = cell(persistence);
    if (persistence.is_object())
      persist = "v4/" + cell(persistence, "v4") + " v6/" + cell(persistence, "v6");
    std::string ttl = cell(svc, "ttl");
    if (!at(svc, "ttl_degraded").is_null()) ttl += " (degraded " + cell(svc, "ttl_degraded") + ")";
    out += "service " + cell(svc, "name") + ": policy " + cell(svc, "policy") + ", ttl " + ttl +
           ", answers " + cell(svc, "answers") + ", fallback " + cell(svc, "fallback") +
           ", persistence " + persist + "\n";
  }
  // Topology: the rule, the pool it chose, and the pool that answered when that is a fallback.
  if (const json& t = at(e, "topology"); t.is_object()) {
    std::string line = at(t, "rule").is_null() ? "no rule" : "rule " + cell(t, "rule");
    line += ", pool " + cell(t, "pool");
    if (flag(t, "split")) line += " (split)";
    if (cell(t, "answered_by") != cell(t, "pool"))
      line += ", answered by " + cell(t, "answered_by");
    out += "topology: " + line + ": " + cell(t, "reason") + "\n";
  }
  if (const json& p = at(e, "policy"); p.is_object()) {
    std::string keys;
    if (const json& k = at(p, "keys"); k.is_object())
      for (const auto& [name, value] : k.items())
        keys += (keys.empty() ? "; " : ", ") + name + " " + cell(value);
    out += "policy " + cell(p, "name") + ": " + cell(p, "summary") + keys + "\n";
  }

  const json& d = at(e, "decision");
  if (d.is_object()) {
    static const std::map<std::string, std::string> kCandidates = {
        {"healthy", "answered from the healthy members"},
        {"fallback_all", "nothing healthy: fallback to every member"},
        {"fallback_sorry", "nothing healthy: fallback to the sorry servers"},
        {"none", "no member to answer with"},
    };
    const auto it = kCandidates.find(text(d, "candidates"));
    out += "decision: " +
           (it != kCandidates.end() ? it->second : "candidates " + cell(d, "candidates")) +
           "; ttl " + cell(d, "ttl") + "; degraded " + cell(d, "degraded") + "; ECS scope " +
           cell(d, "ecs_scope") + "\n";
  }

  const json& members = list(e, "members");
  if (!members.empty()) {
    Table t({"MEMBER", "ADDRESS", "STATE", "HEALTH", "ELIGIBLE", "PICKED", "WEIGHT", "PRIORITY",
             "RTT", "OBSERVATIONS"});
    for (const json& m : members) {
      std::vector<std::string> obs;
      for (const json& o : list(m, "observations")) {
        std::string s = cell(o, "agent") + ": " + (flag(o, "up") ? "up" : "down");
        if (integer(at(o, "rtt_us"))) s += " " + rtt_cell(at(o, "rtt_us"));
        if (integer(at(o, "age_ms"))) s += " (" + ms_cell(at(o, "age_ms")) + " ago)";
        if (flag(o, "stale")) s += " stale";
        if (!text(o, "detail").empty()) s += " " + text(o, "detail");
        obs.push_back(s);
      }
      std::string name = cell(m, "name");
      if (flag(m, "sorry")) name += " (sorry)";
      // Slow start: "4 (slow start 35%)", the share of its weight a returning site answers with.
      std::string weight = cell(m, "weight");
      if (const json& ss = at(m, "slow_start"); ss.is_object() && ss.contains("weight_share"))
        weight += " (slow start " +
                  std::to_string(static_cast<int>(ss["weight_share"].get<double>() * 100 + 0.5)) +
                  "%)";
      t.add_row({name, cell(m, "address"), cell(m, "state"), health_cell(m), cell(m, "eligible"),
                 cell(m, "picked"), weight, cell(m, "priority"), rtt_cell(at(m, "rtt_us")),
                 obs.empty() ? "-" : join(obs, "; ")});
    }
    out += "\n" + t.render();
  }
  return out;
}

gslb::Result<std::string> view_status(std::string_view body) {
  auto j = parse_with_list(body, "services");
  if (!j) return gslb::make_error(j.error());
  const json& services = list(*j, "services");
  if (services.empty()) return std::string("no services\n");
  // LAST OBSERVED: the age of the member's freshest observation ("stale" when none is fresh).
  Table rows({"SERVICE", "MEMBER", "ADDRESS", "STATE", "HEALTH", "RTT", "LAST OBSERVED"});
  Table summary({});
  for (const json& s : services) {
    const json& members = list(s, "members");
    std::map<std::string, int> other_states;
    for (const json& m : members) {
      std::vector<std::string> rtts;
      std::optional<int64_t> freshest;
      for (const json& o : list(m, "observations")) {
        std::string r = cell(o, "agent") + "=";
        if (!flag(o, "up")) {
          r += "down";
        } else if (integer(at(o, "rtt_us"))) {
          r += rtt_cell(at(o, "rtt_us"));
        } else {
          r += "up";
        }
        if (flag(o, "stale")) {
          r += "(stale)";
        } else if (const auto age = integer(at(o, "age_ms"))) {
          freshest = freshest ? std::min(*freshest, *age) : *age;
        }
        rtts.push_back(r);
      }
      std::string staleness = "-";  // never observed
      if (flag(m, "stale")) {
        staleness = "stale";
      } else if (freshest) {
        staleness = format_duration_ms(*freshest);
      }
      std::string name = member_name_cell(m);
      if (flag(m, "sorry")) name += " (sorry)";
      rows.add_row({cell(s, "name"), name, address_cell(m), cell(m, "state"), cell(m, "health"),
                    rtts.empty() ? "-" : join(rtts, " "), staleness});
      const std::string state = text(m, "state");
      if (flag(m, "sorry")) {
        ++other_states["sorry server " + (state.empty() ? "-" : state)];
      } else if (state != "up") {
        ++other_states[state.empty() ? "unknown" : state];
      }
    }
    std::vector<std::string> notes;
    for (const auto& [state, n] : other_states) notes.push_back(std::to_string(n) + " " + state);
    summary.add_row({cell(s, "name"), policy_cell(s), up_count(members), join(notes, ", ")});
  }
  return rows.render() + "\n" + summary.render();
}

}  // namespace gslbctl
