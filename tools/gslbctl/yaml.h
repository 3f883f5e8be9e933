// to_yaml: a JSON value as block-style YAML 1.2 (gslbctl -o yaml). Mapping keys keep their
// order; a string is written plain when YAML would read it back as that same string, else
// double-quoted with JSON's escapes (which YAML's double-quoted style shares), so every output
// loads back to the JSON it came from. Pure function.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace gslbctl {

std::string to_yaml(const nlohmann::ordered_json& value);

}  // namespace gslbctl
