// The sync of a validated config document against the database (see zones/config_document.h):
// rows are matched by name, updated in place when a field differs, created or deleted, and left
// alone when equal, so an unchanged document writes nothing and config_generation stays put.
//
// Order matters, because the schema checks UNIQUE and foreign keys per statement:
//   1. checks created/updated     (services and members may refer to new checks)
//   2. zones created/updated, their records synced
//   3. members the document drops deleted   (frees their names and addresses)
//   4. services created/updated   (a service may move to a zone created in 2)
//   5. services the document drops deleted  (cascades to their members)
//   6. members updated/created
//   7. zones the document drops deleted     (no kept service is left in them)
//   8. checks the document drops deleted    (no kept row refers to them any more)
//   9. client subnets the document drops (or moves to another region) deleted, then the new
//      ones created                          (UNIQUE(subnet) holds after every statement)
//  10. geoip files, by kind
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "zones/config/config_desired.h"
#include "zones/store/store.h"
#include "zones/store/topology_json.h"

namespace gslb::config {
namespace {

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Collects "~ service app.example.test: ttl 30 -> 20" lines for one row.
class Diff {
 public:
  Diff(std::vector<std::string>& out, std::string prefix) : out_(out), prefix_(std::move(prefix)) {}

  void num(const char* field, uint32_t have, uint32_t want) {
    if (have != want) line(field, std::to_string(have), std::to_string(want));
  }
  void opt(const char* field, std::optional<uint32_t> have, std::optional<uint32_t> want) {
    if (have != want) line(field, show(have), show(want));
  }
  void flag(const char* field, bool have, bool want) {
    if (have != want) line(field, have ? "true" : "false", want ? "true" : "false");
  }
  void str(const char* field, const std::string& have, const std::string& want) {
    if (have != want) line(field, quote(have), quote(want));
  }
  // Names, enumerations, JSON: shown as they are.
  void raw(const char* field, const std::string& have, const std::string& want) {
    if (have != want) line(field, have, want);
  }
  // Plug-in keys, one line per key that differs ("(none)" where one side lacks it).
  void keys(const KeyValues& have, const KeyValues& want) {
    auto text = [](const KeyValue* v) { return v ? key_value_text(*v) : std::string("(none)"); };
    for (const auto& [key, value] : want) {
      const KeyValue* old = find_key(have, key);
      if (old == nullptr || *old != value) line(key.c_str(), text(old), text(&value));
    }
    for (const auto& [key, value] : have)
      if (find_key(want, key) == nullptr) line(key.c_str(), text(&value), text(nullptr));
  }
  bool changed() const { return changed_; }

 private:
  static std::string show(std::optional<uint32_t> v) { return v ? std::to_string(*v) : "(none)"; }
  void line(const char* field, const std::string& have, const std::string& want) {
    out_.push_back(prefix_ + field + " " + have + " -> " + want);
    changed_ = true;
  }
  std::vector<std::string>& out_;
  std::string prefix_;
  bool changed_ = false;
};

std::string record_text(const std::string& zone, const RecordRow& r) {
  return display_name(zone) + ": " + r.name + " " + std::to_string(r.ttl) + " " + r.type + " " +
         r.rdata;
}

bool same_record(const RecordRow& a, const RecordRow& b) {
  return a.name == b.name && a.type == b.type && a.ttl == b.ttl && a.rdata == b.rdata;
}

class Sync {
 public:
  Sync(Store& store, const Desired& want, const ConfigRows& have)
      : store_(store), want_(want), have_(have) {
    for (const ZoneRow& z : have.zones) zone_names_[z.id] = z.name;
    for (const CheckRow& c : have.checks) check_names_[c.id] = c.name;
    for (const ServiceRow& s : have.services) service_names_[s.id] = s.name;
    for (const DesiredService& s : want.services) wanted_services_[s.row.name] = &s;
    for (const RecordRow& r : have.records) records_of_[r.zone_id].push_back(&r);
    for (const MemberRow& m : have.members) members_of_[m.service_id].push_back(&m);
  }

  Result<std::vector<std::string>> run() {
    for (auto step :
         {&Sync::upsert_checks, &Sync::upsert_zones, &Sync::delete_members, &Sync::upsert_services,
          &Sync::delete_services, &Sync::upsert_members, &Sync::delete_zones, &Sync::delete_checks,
          &Sync::sync_client_subnets, &Sync::sync_geoip_files}) {
      if (auto r = (this->*step)(); !r) return r.failure();
    }
    std::vector<std::string> all;
    for (auto* lines :
         {&zone_lines_, &check_lines_, &service_lines_, &member_lines_, &region_lines_})
      all.insert(all.end(), lines->begin(), lines->end());
    return all;
  }

 private:
  template <typename Row>
  static const Row* find_by_name(const std::vector<Row>& rows, const std::string& name) {
    for (const Row& r : rows)
      if (r.name == name) return &r;
    return nullptr;
  }

  std::optional<int64_t> check_id(const std::string& name) const {
    if (name.empty()) return std::nullopt;
    return check_ids_.at(name);
  }
  std::string check_name(std::optional<int64_t> id) const {
    if (!id) return "(none)";
    auto it = check_names_.find(*id);
    return it == check_names_.end() ? "#" + std::to_string(*id) : it->second;
  }
  static std::string check_name(const std::string& name) { return name.empty() ? "(none)" : name; }

  Result<void> upsert_checks() {
    for (const CheckRow& want : want_.checks) {
      const CheckRow* have = find_by_name(have_.checks, want.name);
      if (!have) {
        auto id = store_.insert_check(want);
        if (!id) return id.failure();
        check_ids_[want.name] = *id;
        check_lines_.push_back("+ check " + want.name);
        continue;
      }
      check_ids_[want.name] = have->id;
      CheckRow row = want;
      row.id = have->id;
      Diff d(check_lines_, "~ check " + want.name + ": ");
      d.raw("type", have->type, row.type);
      d.num("port", have->port, row.port);
      d.str("path", have->path, row.path);
      d.str("host", have->host, row.host);
      d.raw("expect_status", "[" + have->expect_status + "]", "[" + row.expect_status + "]");
      d.str("expect_body", have->expect_body, row.expect_body);
      d.num("interval_ms", have->interval_ms, row.interval_ms);
      d.num("timeout_ms", have->timeout_ms, row.timeout_ms);
      d.num("rise", have->rise, row.rise);
      d.num("fall", have->fall, row.fall);
      d.raw("options", have->options_json, row.options_json);
      if (d.changed())
        if (auto r = store_.update_check(row); !r) return r;
    }
    return {};
  }

  Result<void> upsert_zones() {
    for (const DesiredZone& want : want_.zones) {
      const std::string name = display_name(want.row.name);
      const ZoneRow* have = find_by_name(have_.zones, want.row.name);
      int64_t id;
      if (!have) {
        auto inserted = store_.insert_zone(want.row);
        if (!inserted) return inserted.failure();
        id = *inserted;
        zone_lines_.push_back("+ zone " + name);
      } else {
        id = have->id;
        ZoneRow row = want.row;
        row.id = id;
        Diff d(zone_lines_, "~ zone " + name + ": ");
        d.str("file", have->file, row.file);
        d.num("ttl", have->ttl, row.ttl);
        d.raw("soa.mname", have->soa_mname, row.soa_mname);
        d.raw("soa.rname", have->soa_rname, row.soa_rname);
        d.num("soa.serial", have->soa_serial, row.soa_serial);
        d.num("soa.refresh", have->soa_refresh, row.soa_refresh);
        d.num("soa.retry", have->soa_retry, row.soa_retry);
        d.num("soa.expire", have->soa_expire, row.soa_expire);
        d.num("soa.minimum", have->soa_minimum, row.soa_minimum);
        if (d.changed())
          if (auto r = store_.update_zone(row); !r) return r;
      }
      zone_ids_[want.row.name] = id;
      if (auto r = sync_records(want, id, have != nullptr); !r) return r;
    }
    return {};
  }

  // Records have no name of their own: the zone's records are compared as a multiset, and only
  // the difference is written.
  Result<void> sync_records(const DesiredZone& want, int64_t zone_id, bool existed) {
    std::vector<const RecordRow*> have;
    if (existed) have = records_of_[zone_id];
    std::vector<bool> kept(have.size(), false);
    std::vector<const RecordRow*> added;
    for (const RecordRow& w : want.records) {
      bool found = false;
      for (size_t i = 0; i < have.size() && !found; ++i) {
        if (!kept[i] && same_record(*have[i], w)) kept[i] = found = true;
      }
      if (!found) added.push_back(&w);
    }
    for (size_t i = 0; i < have.size(); ++i) {
      if (kept[i]) continue;
      if (auto r = store_.delete_record(have[i]->id); !r) return r;
      zone_lines_.push_back("- record " + record_text(want.row.name, *have[i]));
    }
    for (const RecordRow* w : added) {
      RecordRow row = *w;
      row.zone_id = zone_id;
      if (auto id = store_.insert_record(row); !id) return id.failure();
      zone_lines_.push_back("+ record " + record_text(want.row.name, row));
    }
    return {};
  }

  const DesiredService* wanted_service(const std::string& name) const {
    auto it = wanted_services_.find(name);
    return it == wanted_services_.end() ? nullptr : it->second;
  }
  static const DesiredMember* wanted_member(const DesiredService& s, const std::string& name) {
    for (const DesiredMember& m : s.members)
      if (m.row.name == name) return &m;
    return nullptr;
  }
  std::string member_label(const std::string& service, const std::string& member) const {
    return display_name(service) + "/" + member;
  }

  Result<void> delete_members() {
    for (const MemberRow& m : have_.members) {
      const std::string& service = service_names_.at(m.service_id);
      const DesiredService* s = wanted_service(service);
      if (!s || wanted_member(*s, m.name)) continue;  // dropped with its service, or kept
      if (auto r = store_.delete_member(m.id); !r) return r;
      member_lines_.push_back("- member " + member_label(service, m.name));
    }
    return {};
  }

  Result<void> upsert_services() {
    for (const DesiredService& want : want_.services) {
      const std::string name = display_name(want.row.name);
      ServiceRow row = want.row;
      row.zone_id = zone_ids_.at(want.zone);
      row.check_id = check_id(want.check);
      const ServiceRow* have = find_by_name(have_.services, want.row.name);
      if (!have) {
        auto id = store_.insert_service(row);
        if (!id) return id.failure();
        service_ids_[want.row.name] = *id;
        service_lines_.push_back("+ service " + name);
        continue;
      }
      row.id = have->id;
      service_ids_[want.row.name] = have->id;
      Diff d(service_lines_, "~ service " + name + ": ");
      if (have->zone_id != row.zone_id)
        d.raw("zone", display_name(zone_names_.at(have->zone_id)), display_name(want.zone));
      d.raw("policy", have->policy, row.policy);
      d.num("ttl", have->ttl, row.ttl);
      d.opt("ttl_degraded", have->ttl_degraded, row.ttl_degraded);
      d.num("answers", have->answers, row.answers);
      d.raw("fallback", have->fallback, row.fallback);
      d.flag("persistence", have->persistence, row.persistence);
      d.num("persistence.v4", have->persist_v4, row.persist_v4);
      d.num("persistence.v6", have->persist_v6, row.persist_v6);
      d.opt("quorum", have->quorum, row.quorum);
      d.keys(have->policy_options, row.policy_options);
      d.num("min_healthy", have->min_healthy, row.min_healthy);
      d.num("slow_start_s", have->slow_start_s, row.slow_start_s);
      d.raw("topology", topology_json(have->topology), topology_json(row.topology));
      if (have->check_id != row.check_id)
        d.raw("check", check_name(have->check_id), check_name(want.check));
      if (d.changed())
        if (auto r = store_.update_service(row); !r) return r;
    }
    return {};
  }

  Result<void> delete_services() {
    for (const ServiceRow& s : have_.services) {
      if (wanted_service(s.name)) continue;
      if (auto r = store_.delete_service(s.id); !r) return r;
      service_lines_.push_back("- service " + display_name(s.name));
    }
    return {};
  }

  Result<void> upsert_members() {
    for (const DesiredService& want : want_.services) {
      const int64_t service_id = service_ids_.at(want.row.name);
      std::map<std::string, const MemberRow*> have;  // kept members of this service, by name
      std::map<std::string, int64_t> holder;         // address -> member id, before this step
      for (const MemberRow* m : members_of_[service_id]) {
        if (!wanted_member(want, m->name)) continue;
        have[m->name] = m;
        if (!m->address.empty()) holder[m->address] = m->id;
      }
      std::vector<MemberRow> updates, inserts;
      bool swap = false;
      for (const DesiredMember& w : want.members) {
        MemberRow row = w.row;
        row.service_id = service_id;
        row.check_id = check_id(w.check);
        auto it = have.find(row.name);
        if (it == have.end()) {
          inserts.push_back(std::move(row));
          continue;
        }
        const MemberRow& h = *it->second;
        row.id = h.id;
        row.drained_at_ms = h.drained_at_ms;  // operational state, not configuration
        Diff d(member_lines_, "~ member " + member_label(want.row.name, row.name) + ": ");
        d.raw("address", h.address.empty() ? "(none)" : h.address,
              row.address.empty() ? "(none)" : row.address);
        if (h.more_addresses != row.more_addresses)
          d.raw("addresses", string_list_json(h.more_addresses),
                string_list_json(row.more_addresses));
        d.str("target", h.target, row.target);
        d.num("weight", h.weight, row.weight);
        d.num("priority", h.priority, row.priority);
        d.str("region", h.region, row.region);
        d.flag("enabled", h.enabled, row.enabled);
        d.flag("sorry", h.sorry, row.sorry);
        d.str("pool", h.pool, row.pool);
        if (h.latitude != row.latitude || h.longitude != row.longitude)
          d.raw("location", location_text(h), location_text(row));
        if (h.capacity != row.capacity)
          d.raw("capacity", capacity_text(h.capacity), capacity_text(row.capacity));
        if (h.check_id != row.check_id) d.raw("check", check_name(h.check_id), check_name(w.check));
        if (!d.changed()) continue;
        if (h.address != row.address) {
          auto held = holder.find(row.address);
          swap = swap || (held != holder.end() && held->second != row.id);
        }
        updates.push_back(std::move(row));
      }
      // Members trading addresses: UNIQUE(service_id, address) holds after every statement, so
      // the movers first step aside to placeholders no real address can equal (":::" never
      // appears in inet_ntop output).
      if (swap) {
        for (const MemberRow& u : updates) {
          if (have.at(u.name)->address == u.address || u.address.empty()) continue;
          MemberRow parked = u;
          parked.address = ":::" + std::to_string(u.id);
          if (auto r = store_.update_member(parked); !r) return r;
        }
      }
      for (const MemberRow& u : updates)
        if (auto r = store_.update_member(u); !r) return r;
      for (const MemberRow& m : inserts) {
        if (auto id = store_.insert_member(m); !id) return id.failure();
        member_lines_.push_back("+ member " + member_label(want.row.name, m.name));
      }
    }
    return {};
  }

  Result<void> delete_zones() {
    for (const ZoneRow& z : have_.zones) {
      if (zone_ids_.count(z.name)) continue;
      if (auto r = store_.delete_zone(z.id); !r) return r;
      zone_lines_.push_back("- zone " + display_name(z.name));
    }
    return {};
  }

  Result<void> delete_checks() {
    for (const CheckRow& c : have_.checks) {
      if (check_ids_.count(c.name)) continue;
      if (auto r = store_.delete_check(c.id); !r) return r;
      check_lines_.push_back("- check " + c.name);
    }
    return {};
  }

  // Client subnets have no name of their own either: compared as a set of (region, subnet).
  Result<void> sync_client_subnets() {
    std::set<std::pair<std::string, std::string>> want, have;
    for (const ClientSubnetRow& w : want_.client_subnets) want.emplace(w.region, w.subnet);
    for (const ClientSubnetRow& h : have_.client_subnets) have.emplace(h.region, h.subnet);
    for (const ClientSubnetRow& h : have_.client_subnets) {
      if (want.count({h.region, h.subnet})) continue;
      if (auto r = store_.delete_client_subnet(h.id); !r) return r;
      region_lines_.push_back("- region " + h.region + " " + h.subnet);
    }
    for (const ClientSubnetRow& w : want_.client_subnets) {
      if (have.count({w.region, w.subnet})) continue;
      if (auto id = store_.insert_client_subnet(w); !id) return id.failure();
      region_lines_.push_back("+ region " + w.region + " " + w.subnet);
    }
    return {};
  }

  static std::string capacity_text(std::optional<double> c) {
    if (!c) return "(none)";
    char buf[32];
    snprintf(buf, sizeof buf, "%.6g", *c);
    return buf;
  }

  static std::string location_text(const MemberRow& m) {
    if (!m.latitude || !m.longitude) return "(none)";
    char buf[64];
    snprintf(buf, sizeof buf, "%.6g,%.6g", *m.latitude, *m.longitude);
    return buf;
  }

  // One file per kind: updated in place, created, or dropped.
  Result<void> sync_geoip_files() {
    for (const GeoipFileRow& h : have_.geoip_files) {
      const GeoipFileRow* w = find_kind(want_.geoip_files, h.kind);
      if (w == nullptr) {
        if (auto r = store_.delete_geoip_file(h.id); !r) return r;
        region_lines_.push_back("- geoip " + h.kind);
      } else if (w->path != h.path) {
        GeoipFileRow row = *w;
        row.id = h.id;
        if (auto r = store_.update_geoip_file(row); !r) return r;
        region_lines_.push_back("~ geoip " + h.kind + ": " + quote(h.path) + " -> " +
                                quote(w->path));
      }
    }
    for (const GeoipFileRow& w : want_.geoip_files) {
      if (find_kind(have_.geoip_files, w.kind) != nullptr) continue;
      if (auto id = store_.insert_geoip_file(w); !id) return id.failure();
      region_lines_.push_back("+ geoip " + w.kind + " " + quote(w.path));
    }
    return {};
  }
  static const GeoipFileRow* find_kind(const std::vector<GeoipFileRow>& rows,
                                       const std::string& kind) {
    for (const GeoipFileRow& r : rows)
      if (r.kind == kind) return &r;
    return nullptr;
  }

  Store& store_;
  const Desired& want_;
  const ConfigRows& have_;
  std::map<int64_t, std::string> zone_names_, check_names_, service_names_;  // existing, by id
  std::map<std::string, int64_t> zone_ids_, check_ids_, service_ids_;        // wanted, by name
  std::map<std::string, const DesiredService*> wanted_services_;
  std::map<int64_t, std::vector<const RecordRow*>> records_of_;  // existing, by zone id
  std::map<int64_t, std::vector<const MemberRow*>> members_of_;  // existing, by service id
  std::vector<std::string> zone_lines_, check_lines_, service_lines_, member_lines_, region_lines_;
};

}  // namespace

Result<std::vector<std::string>> sync_store(Store& store, const Desired& desired) {
  auto have = store.load_config();
  if (!have) return have.failure();
  return Sync(store, desired, *have).run();
}

}  // namespace gslb::config
