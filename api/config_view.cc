#include "api/config_view.h"

#include <algorithm>

#include "zones/dns/dname.h"

namespace gslb::api {

std::string canonical_name(std::string name) {
  // As the document parser stores names: through the wire form, so escapes (b\;c, b\059c)
  // come out the one way name_to_text writes them, and a name the client spelled with
  // characters that need escaping finds its row.
  std::string absolute = name;
  size_t backslashes = 0;
  for (size_t i = absolute.size(); i > 1 && absolute[i - 2] == '\\'; --i) ++backslashes;
  if (absolute.empty() || absolute.back() != '.' || backslashes % 2 == 1) absolute.push_back('.');
  if (auto wire = name_from_text(absolute)) return name_to_text(lowercase_name(*wire));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  });
  if (name.empty() || name.back() != '.') name.push_back('.');
  return name;
}

const ZoneRow* ConfigView::zone(const std::string& name) const {
  const std::string n = canonical_name(name);
  for (const ZoneRow& z : rows.zones)
    if (z.name == n) return &z;
  return nullptr;
}
const ZoneRow* ConfigView::zone_by_id(int64_t id) const {
  for (const ZoneRow& z : rows.zones)
    if (z.id == id) return &z;
  return nullptr;
}
const CheckRow* ConfigView::check(const std::string& name) const {
  for (const CheckRow& c : rows.checks)
    if (c.name == name) return &c;
  return nullptr;
}
const CheckRow* ConfigView::check_by_id(int64_t id) const {
  for (const CheckRow& c : rows.checks)
    if (c.id == id) return &c;
  return nullptr;
}
const ServiceRow* ConfigView::service(const std::string& name) const {
  const std::string n = canonical_name(name);
  for (const ServiceRow& s : rows.services)
    if (s.name == n) return &s;
  return nullptr;
}
const ServiceRow* ConfigView::service_by_id(int64_t id) const {
  for (const ServiceRow& s : rows.services)
    if (s.id == id) return &s;
  return nullptr;
}
const MemberRow* ConfigView::member(int64_t service_id, const std::string& name) const {
  for (const MemberRow& m : rows.members)
    if (m.service_id == service_id && m.name == name) return &m;
  return nullptr;
}
std::vector<const MemberRow*> ConfigView::members_of(int64_t service_id) const {
  std::vector<const MemberRow*> out;
  for (const MemberRow& m : rows.members)
    if (m.service_id == service_id) out.push_back(&m);
  return out;
}
std::vector<const RecordRow*> ConfigView::records_of(int64_t zone_id) const {
  std::vector<const RecordRow*> out;
  for (const RecordRow& r : rows.records)
    if (r.zone_id == zone_id) out.push_back(&r);
  return out;
}
std::string ConfigView::check_name(const std::optional<int64_t>& id) const {
  if (!id) return {};
  const CheckRow* c = check_by_id(*id);
  return c ? c->name : std::string();
}

Outcome<const ServiceRow*> ConfigView::need_service(const std::string& name) const {
  if (const ServiceRow* s = service(name)) return s;
  return not_found("no service " + name);
}
Outcome<const MemberRow*> ConfigView::need_member(const ServiceRow& s,
                                                  const std::string& name) const {
  if (const MemberRow* m = member(s.id, name)) return m;
  std::string service = s.name.substr(0, s.name.size() - 1);
  return not_found("service " + service + " has no member " + name);
}
Outcome<const ZoneRow*> ConfigView::need_zone(const std::string& name) const {
  if (const ZoneRow* z = zone(name)) return z;
  return not_found("no zone " + name);
}
Outcome<const CheckRow*> ConfigView::need_check(const std::string& name) const {
  if (const CheckRow* c = check(name)) return c;
  return not_found("no check " + name);
}

Outcome<ConfigView> load_view(Store& store) {
  auto rows = store.load_config();
  if (!rows) return api_error(rows.failure());
  ConfigView v;
  v.rows = std::move(*rows);
  return v;
}

}  // namespace gslb::api
