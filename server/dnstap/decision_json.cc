#include "server/dnstap/decision_json.h"

#include <algorithm>
#include <string_view>

#include "zones/dns/dname.h"

namespace gslb {
namespace {

void append_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

const char* candidates_word(uint8_t c) {
  switch (c) {
    case 0:
      return "healthy";
    case 1:
      return "fallback_all";
    case 2:
      return "fallback_sorry";
    default:
      return "none";
  }
}

}  // namespace

void decision_json(const DnstapDecision& d, int rcode, std::string& out) {
  out.clear();
  if (!d.present) return;
  std::string name =
      name_to_text(std::string_view(reinterpret_cast<const char*>(d.service), d.service_len));
  if (name.size() > 1 && name.back() == '.') name.pop_back();
  out += "{\"service\":";
  append_string(out, name);
  out += ",\"policy\":";
  append_string(out, std::string_view(d.policy, d.policy_len));
  out += ",\"candidates\":\"";
  out += candidates_word(d.candidates);
  out += "\",\"degraded\":";
  out += d.degraded ? "true" : "false";
  out += ",\"answer\":\"";
  out += d.pick_count > 0 ? "members" : rcode == 2 ? "servfail" : "nodata";
  out += "\",\"picked\":[";
  uint32_t tier = UINT32_MAX;
  for (size_t i = 0; i < d.pick_count; ++i) {
    if (i > 0) out.push_back(',');
    append_string(out, std::string_view(d.picks[i].name, d.picks[i].name_len));
    tier = std::min(tier, d.picks[i].tier);
  }
  out += "]";
  if (d.pick_count > 0) {
    out += ",\"tier\":" + std::to_string(tier);
    out += ",\"ttl\":" + std::to_string(d.ttl);
    out += ",\"ecs_scope\":" + std::to_string(d.ecs_scope);
  }
  out += "}";
}

}  // namespace gslb
