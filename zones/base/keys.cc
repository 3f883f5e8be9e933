#include "zones/base/keys.h"

#include <cmath>
#include <cstdio>

namespace gslb {
namespace {

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(c));
      out += buf;
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string number_text(double d) {
  if (std::floor(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<int64_t>(d));
  char buf[32];
  snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

KeyValue zero_of(KeyType t) {
  switch (t) {
    case KeyType::kBool:
      return false;
    case KeyType::kInteger:
      return int64_t{0};
    case KeyType::kNumber:
      return 0.0;
    case KeyType::kString:
      break;
  }
  return std::string();
}

// The given value in the spec's type, or why it does not fit.
std::variant<KeyValue, std::string> typed(const KeySpec& spec, const KeyValue& v) {
  switch (spec.type) {
    case KeyType::kBool:
      if (std::holds_alternative<bool>(v)) return v;
      return std::string("must be true or false");
    case KeyType::kInteger:
      if (std::holds_alternative<int64_t>(v)) return v;
      // 5.0 from a JSON writer that never prints integers is still 5.
      if (const double* d = std::get_if<double>(&v);
          d != nullptr && std::floor(*d) == *d && std::fabs(*d) < 9.0e15)
        return KeyValue{static_cast<int64_t>(*d)};
      return std::string("must be an integer");
    case KeyType::kNumber:
      if (std::holds_alternative<int64_t>(v) || std::holds_alternative<double>(v))
        return KeyValue{key_number(v)};
      return std::string("must be a number");
    case KeyType::kString:
      if (std::holds_alternative<std::string>(v)) return v;
      return std::string("must be a string");
  }
  return std::string("has an unknown type");
}

std::string range_text(const KeySpec& spec) {
  return number_text(spec.min) + " to " + number_text(spec.max);
}

}  // namespace

std::string_view key_type_name(KeyType t) {
  switch (t) {
    case KeyType::kBool:
      return "boolean";
    case KeyType::kInteger:
      return "integer";
    case KeyType::kNumber:
      return "number";
    case KeyType::kString:
      break;
  }
  return "string";
}

std::string key_value_text(const KeyValue& v) {
  if (const bool* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  if (const int64_t* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (const double* d = std::get_if<double>(&v)) return number_text(*d);
  return quoted(std::get<std::string>(v));
}

const KeyValue* find_key(const KeyValues& values, std::string_view name) {
  for (const auto& [key, value] : values)
    if (key == name) return &value;
  return nullptr;
}

std::string key_names(std::span<const KeySpec> specs) {
  std::string out;
  for (const KeySpec& s : specs) out += (out.empty() ? "" : ", ") + std::string(s.name);
  return out.empty() ? "none" : out;
}

ResolvedKeys resolve_keys(const KeyValues& given, std::span<const KeySpec> specs) {
  ResolvedKeys r;
  r.values.reserve(specs.size());
  r.is_set.assign(specs.size(), false);
  for (const auto& [name, value] : given) {
    bool known = false;
    for (const KeySpec& s : specs) known = known || s.name == name;
    if (!known)
      r.problems.push_back(
          {KeyProblem::kUnknown, name, "is not a key here (allowed: " + key_names(specs) + ")"});
  }
  for (size_t i = 0; i < specs.size(); ++i) {
    const KeySpec& spec = specs[i];
    r.values.push_back(zero_of(spec.type));
    const KeyValue* v = find_key(given, spec.name);
    if (v == nullptr) {
      if (spec.required) {
        r.problems.push_back({KeyProblem::kMissing, std::string(spec.name), "is required"});
        continue;
      }
      std::visit(
          [&](const auto& d) {
            using D = std::decay_t<decltype(d)>;
            if constexpr (std::is_same_v<D, std::monostate>) {
              return;
            } else if constexpr (std::is_same_v<D, std::string_view>) {
              r.values[i] = std::string(d);
            } else {
              r.values[i] = d;
            }
            r.is_set[i] = true;
          },
          spec.fallback);
      continue;
    }
    auto t = typed(spec, *v);
    if (const std::string* why = std::get_if<std::string>(&t)) {
      r.problems.push_back({KeyProblem::kType, std::string(spec.name), *why});
      continue;
    }
    KeyValue value = std::get<KeyValue>(std::move(t));
    if ((spec.type == KeyType::kInteger || spec.type == KeyType::kNumber) && spec.min <= spec.max) {
      const double n = key_number(value);
      if (n < spec.min || n > spec.max) {
        r.problems.push_back(
            {KeyProblem::kRange, std::string(spec.name), "must be " + range_text(spec)});
        continue;
      }
    }
    if (spec.non_empty && key_string(value).empty()) {
      r.problems.push_back({KeyProblem::kType, std::string(spec.name), "must not be empty"});
      continue;
    }
    if (spec.check != nullptr) {
      if (std::string why = spec.check(value); !why.empty()) {
        r.problems.push_back({KeyProblem::kCheck, std::string(spec.name), why});
        continue;
      }
    }
    r.values[i] = std::move(value);
    r.is_set[i] = true;
  }
  return r;
}

}  // namespace gslb
