#include "zones/store/key_values_json.h"

#include <nlohmann/json.hpp>
#include <set>

namespace gslb {

Result<KeyValues> key_values_from_json(std::string_view json_text) {
  KeyValues out;
  if (json_text.find_first_not_of(" \t\r\n") == std::string_view::npos) return out;
  // The SAX-free parse keeps only the last of duplicate keys: count them on the way in.
  std::set<std::string> seen;
  std::string duplicate;
  auto note_keys = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (depth == 1 && event == nlohmann::json::parse_event_t::key) {
      const std::string& key = parsed.get_ref<const std::string&>();
      if (!seen.insert(key).second && duplicate.empty()) duplicate = key;
    }
    return true;
  };
  const auto doc = nlohmann::json::parse(json_text, note_keys, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return make_error("not valid JSON");
  if (!doc.is_object()) return make_error("not a JSON object");
  if (!duplicate.empty()) return make_error("key '" + duplicate + "' is given twice");
  for (const auto& [key, value] : doc.items()) {
    if (value.is_boolean()) {
      out.emplace_back(key, value.get<bool>());
    } else if (value.is_number_integer()) {
      if (value.is_number_unsigned() && value.get<uint64_t>() > INT64_MAX)
        return make_error("'" + key + "' is too large");
      out.emplace_back(key, value.get<int64_t>());
    } else if (value.is_number_float()) {
      out.emplace_back(key, value.get<double>());
    } else if (value.is_string()) {
      out.emplace_back(key, value.get<std::string>());
    } else {
      return make_error("'" + key + "' must be a boolean, number or string");
    }
  }
  return out;
}

std::string key_values_json(const KeyValues& values) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& [key, value] : values)
    std::visit([&, &key = key](const auto& v) { j[key] = v; }, value);
  return j.dump();
}

}  // namespace gslb
