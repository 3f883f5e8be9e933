#include "zones/store/topology_json.h"

#include <nlohmann/json.hpp>

#include "zones/store/key_values_json.h"

namespace gslb {
namespace {

using json = nlohmann::ordered_json;

json strings(const std::vector<std::string>& v) {
  json a = json::array();
  for (const std::string& s : v) a.push_back(s);
  return a;
}

// Reads `key` of `obj` (absent: empty) as strings; false when it is something else.
bool read_strings(const json& obj, const char* key, std::vector<std::string>& out) {
  auto it = obj.find(key);
  if (it == obj.end()) return true;
  if (!it->is_array()) return false;
  for (const json& e : *it) {
    if (!e.is_string()) return false;
    out.push_back(e.get<std::string>());
  }
  return true;
}

}  // namespace

std::string topology_json(const TopologyRows& topology) {
  if (topology.pools.empty() && topology.rules.empty()) return "{}";
  json j = json::object();
  json pools = json::array();
  for (const PoolRow& p : topology.pools) {
    json o = json::object();
    o["name"] = p.name;
    o["policy"] = p.policy;
    o["policy_options"] = json::parse(key_values_json(p.policy_options));
    o["fallback"] = strings(p.fallback);
    pools.push_back(std::move(o));
  }
  j["pools"] = std::move(pools);
  json rules = json::array();
  for (const RuleRow& r : topology.rules) {
    json o = json::object();
    if (!r.country.empty()) o["country"] = strings(r.country);
    if (!r.continent.empty()) o["continent"] = strings(r.continent);
    if (!r.subdivision.empty()) o["subdivision"] = strings(r.subdivision);
    if (!r.asn.empty()) o["asn"] = r.asn;
    if (!r.region.empty()) o["region"] = strings(r.region);
    o["pool"] = r.pool;
    if (!r.split_pool.empty()) o["split"] = {{"pool", r.split_pool}, {"percent", r.split_percent}};
    rules.push_back(std::move(o));
  }
  j["rules"] = std::move(rules);
  return j.dump();
}

Result<TopologyRows> topology_from_json(std::string_view json_text) {
  TopologyRows out;
  if (json_text.find_first_not_of(" \t\r\n") == std::string_view::npos) return out;
  const json doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return make_error("not valid JSON");
  if (!doc.is_object()) return make_error("not a JSON object");
  if (auto pools = doc.find("pools"); pools != doc.end()) {
    if (!pools->is_array()) return make_error("pools: not an array");
    for (size_t i = 0; i < pools->size(); ++i) {
      const json& p = (*pools)[i];
      const std::string where = "pools[" + std::to_string(i) + "]";
      if (!p.is_object() || !p.contains("name") || !p["name"].is_string())
        return make_error(where + ": not an object with a name");
      PoolRow row;
      row.name = p["name"].get<std::string>();
      if (auto pol = p.find("policy"); pol != p.end()) {
        if (!pol->is_string()) return make_error(where + ".policy: not a string");
        row.policy = pol->get<std::string>();
      }
      if (auto opt = p.find("policy_options"); opt != p.end()) {
        auto kv = key_values_from_json(opt->dump());
        if (!kv) return make_error(where + ".policy_options: " + kv.error());
        row.policy_options = std::move(*kv);
      }
      if (!read_strings(p, "fallback", row.fallback))
        return make_error(where + ".fallback: not an array of strings");
      out.pools.push_back(std::move(row));
    }
  }
  if (auto rules = doc.find("rules"); rules != doc.end()) {
    if (!rules->is_array()) return make_error("rules: not an array");
    for (size_t i = 0; i < rules->size(); ++i) {
      const json& r = (*rules)[i];
      const std::string where = "rules[" + std::to_string(i) + "]";
      if (!r.is_object() || !r.contains("pool") || !r["pool"].is_string())
        return make_error(where + ": not an object with a pool");
      RuleRow row;
      row.pool = r["pool"].get<std::string>();
      for (auto [key, list] : {std::pair{"country", &row.country},
                               {"continent", &row.continent},
                               {"subdivision", &row.subdivision},
                               {"region", &row.region}})
        if (!read_strings(r, key, *list))
          return make_error(where + "." + key + ": not an array of strings");
      if (auto asn = r.find("asn"); asn != r.end()) {
        if (!asn->is_array()) return make_error(where + ".asn: not an array");
        for (const json& a : *asn) {
          if (!a.is_number_unsigned() || a.get<uint64_t>() > UINT32_MAX)
            return make_error(where + ".asn: not an array of AS numbers");
          row.asn.push_back(a.get<uint32_t>());
        }
      }
      if (auto split = r.find("split"); split != r.end()) {
        if (!split->is_object() || !split->contains("pool") || !(*split)["pool"].is_string() ||
            !split->contains("percent") || !(*split)["percent"].is_number())
          return make_error(where + ".split: not {\"pool\": NAME, \"percent\": N}");
        row.split_pool = (*split)["pool"].get<std::string>();
        row.split_percent = (*split)["percent"].get<double>();
      }
      out.rules.push_back(std::move(row));
    }
  }
  return out;
}

std::string string_list_json(const std::vector<std::string>& list) {
  return strings(list).dump();
}

Result<std::vector<std::string>> string_list_from_json(std::string_view json_text) {
  std::vector<std::string> out;
  if (json_text.find_first_not_of(" \t\r\n") == std::string_view::npos) return out;
  const json doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_array()) return make_error("not a JSON array");
  json wrapped = {{"list", doc}};
  if (!read_strings(wrapped, "list", out)) return make_error("not an array of strings");
  return out;
}

}  // namespace gslb
