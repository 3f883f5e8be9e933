// Plug-in keys: the options a selection policy or a probe type declares in its own file (name,
// type, default, range, meaning, extra validation), and the values a service or check gives
// them. The config validator, the store, OpenAPI, the CLI and `explain` all learn a plug-in's
// keys from its KeySpec list, never from a copy. No JSON here: the query path reads resolved
// values, and the libraries that speak JSON convert at their own boundary.
// Thread-safety: plain values; KeySpec lists are constant after static initialisation.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace gslb {

enum class KeyType : uint8_t { kBool, kInteger, kNumber, kString };

std::string_view key_type_name(KeyType t);  // "boolean", "integer", "number", "string"

// One value of a key. Integers stay integers (a JSON 5 given to a number key widens to 5.0).
using KeyValue = std::variant<bool, int64_t, double, std::string>;

std::string key_value_text(const KeyValue& v);  // JSON-like: true, 5, 2.5, "text"

struct KeySpec {
  std::string_view name = {};
  KeyType type = KeyType::kString;
  std::string_view meaning = {};  // one line for humans: help, OpenAPI description, explain
  // The value when the key is not given; monostate: no default (the key is then unset, or an
  // error when `required`).
  std::variant<std::monostate, bool, int64_t, double, std::string_view> fallback = {};
  bool required = false;
  // Inclusive range for integer and number keys; ignored when min > max.
  double min = 1, max = 0;
  bool non_empty = false;  // string keys: "" is refused
  // Further validation of a well-typed value: an empty string when valid, else why not
  // ("unknown rcode \"NOERR\""), shown after the key's path.
  std::string (*check)(const KeyValue& value) = nullptr;
};

// Values by key name, as a service or check gives them (document order, names unique).
using KeyValues = std::vector<std::pair<std::string, KeyValue>>;

const KeyValue* find_key(const KeyValues& values, std::string_view name);

// A problem with one key. `message` reads after the key's name: "must be an integer",
// "must be 0 to 1000", or (kCheck) the KeySpec::check's own words.
struct KeyProblem {
  enum Kind : uint8_t { kUnknown, kMissing, kType, kRange, kCheck };
  Kind kind = kType;
  std::string key;
  std::string message;
};

// `given` checked against `specs` and completed with defaults: the values in the order of
// `specs`; an optional key without a default that is not given holds its type's zero (false, 0,
// "") with is_set false. Every problem is listed: unknown keys (naming the allowed ones), wrong
// types, out of range, failed checks, missing required keys.
struct ResolvedKeys {
  std::vector<KeyValue> values;  // indexed like specs
  std::vector<bool> is_set;      // given, or defaulted
  std::vector<KeyProblem> problems;
  bool ok() const { return problems.empty(); }
};
ResolvedKeys resolve_keys(const KeyValues& given, std::span<const KeySpec> specs);

// "a, b, c" (or "none"): for messages that list the allowed keys.
std::string key_names(std::span<const KeySpec> specs);

// Typed reads of a resolved value. Never throw (the query path reads options): a value of
// another type reads as zero, which resolve_keys rules out.
inline bool key_bool(const KeyValue& v) {
  const bool* b = std::get_if<bool>(&v);
  return b != nullptr && *b;
}
inline int64_t key_integer(const KeyValue& v) {
  const int64_t* i = std::get_if<int64_t>(&v);
  return i != nullptr ? *i : 0;
}
inline double key_number(const KeyValue& v) {
  if (const double* d = std::get_if<double>(&v)) return *d;
  return static_cast<double>(key_integer(v));
}
inline const std::string& key_string(const KeyValue& v) {
  static const std::string empty;
  const std::string* s = std::get_if<std::string>(&v);
  return s != nullptr ? *s : empty;
}

}  // namespace gslb
