#include "api/catalogue_json.h"

#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "healthd/probes/probe.h"
#include "server/policy/policy.h"

namespace gslb::api {
namespace {

using nlohmann::json;

json fallback_json(const KeySpec& k) {
  return std::visit(
      [](const auto& v) -> json {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::monostate>)
          return nullptr;
        else if constexpr (std::is_same_v<V, std::string_view>)
          return std::string(v);
        else
          return v;
      },
      k.fallback);
}

bool has_range(const KeySpec& k) {
  return (k.type == KeyType::kInteger || k.type == KeyType::kNumber) && k.min <= k.max;
}

json bound(const KeySpec& k, double v) {
  if (k.type == KeyType::kInteger) return static_cast<int64_t>(v);
  return v;
}

json key_json(const KeySpec& k) {
  json j = {{"name", k.name},
            {"type", key_type_name(k.type)},
            {"meaning", k.meaning},
            {"required", k.required}};
  if (json d = fallback_json(k); !d.is_null()) j["default"] = d;
  if (has_range(k)) {
    j["minimum"] = bound(k, k.min);
    j["maximum"] = bound(k, k.max);
  }
  return j;
}

// An OpenAPI property for one key; `owner` says whose key it is ("policy rtt").
json key_schema(const KeySpec& k, const std::string& owner) {
  json p = {{"type", key_type_name(k.type)},
            {"description", owner + ": " + std::string(k.meaning)}};
  if (json d = fallback_json(k); !d.is_null()) p["default"] = d;
  if (has_range(k)) {
    p["minimum"] = bound(k, k.min);
    p["maximum"] = bound(k, k.max);
  }
  if (k.non_empty) p["minLength"] = 1;
  return p;
}

std::string_view port_use_name(PortUse p) {
  switch (p) {
    case PortUse::kNone:
      return "none";
    case PortUse::kRequired:
      return "required";
    case PortUse::kOptional:
      break;
  }
  return "optional";
}

void fill(json& node) {
  if (node.is_array()) {
    for (json& item : node) fill(item);
    return;
  }
  if (!node.is_object()) return;
  if (auto it = node.find("x-catalogue"); it != node.end() && it->is_string()) {
    const std::string what = *it;
    if (what == "policies") {
      json names = json::array();
      for (const PolicyType* p : policy_types()) names.push_back(p->name);
      node["enum"] = names;
    } else if (what == "probe-types") {
      json names = json::array();
      for (const ProbeType* t : probe_types()) names.push_back(t->type);
      node["enum"] = names;
    } else if (what == "probe-options") {
      json& props = node["properties"] = json::object();
      for (const ProbeType* t : probe_types())
        for (const KeySpec& k : t->options) {
          const std::string key(k.name);
          if (props.contains(key)) {  // shared by several types: "http, https: ..."
            std::string d = props[key]["description"];
            props[key]["description"] = d.insert(d.find(": "), ", " + std::string(t->type));
          } else {
            props[key] = key_schema(k, std::string(t->type));
          }
        }
      node["additionalProperties"] = false;
    } else if (what == "policy-keys") {
      json& props = node["properties"];
      for (const PolicyType* p : policy_types())
        for (const KeySpec& k : p->keys)
          props[std::string(k.name)] = key_schema(k, "policy " + std::string(p->name));
    }
  }
  for (auto& [key, value] : node.items()) fill(value);
}

}  // namespace

json catalogue_json() {
  json policies = json::array(), probes = json::array();
  for (const PolicyType* p : policy_types()) {
    json keys = json::array();
    for (const KeySpec& k : p->keys) keys.push_back(key_json(k));
    policies.push_back(
        {{"name", p->name},
         {"summary", p->summary},
         {"keys", keys},
         {"client_input", p->client_input == ClientInput::kRegion ? "region" : "none"},
         {"keeps_member_state", p->keeps_member_state}});
  }
  for (const ProbeType* t : probe_types()) {
    json options = json::array();
    for (const KeySpec& k : t->options) options.push_back(key_json(k));
    json j = {{"type", t->type},
              {"summary", t->summary},
              {"port", port_use_name(t->port)},
              {"speaks_http", t->speaks_http},
              {"options", options}};
    if (t->port == PortUse::kOptional) j["default_port"] = t->default_port;
    probes.push_back(std::move(j));
  }
  return {{"policies", policies}, {"probe_types", probes}};
}

void fill_catalogue(json& openapi) {
  fill(openapi);
}

}  // namespace gslb::api
