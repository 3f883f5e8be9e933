#include "tools/gslbctl/yaml.h"

#include <cctype>
#include <string_view>

namespace gslbctl {
namespace {

using json = nlohmann::ordered_json;

// Words YAML 1.1 and 1.2 readers turn into booleans or null.
bool is_keyword(std::string_view s) {
  static constexpr std::string_view kWords[] = {
      "true", "false", "yes",   "no",  "on", "off", "null", "y",    "n",
      "~",    "True",  "False", "Yes", "No", "On",  "Off",  "Null", "Y",
      "N",    "TRUE",  "FALSE", "YES", "NO", "ON",  "OFF",  "NULL"};
  for (std::string_view w : kWords)
    if (s == w) return true;
  return false;
}

// A string that a YAML reader could take for a number (123, -1.5, 1e3, 0x1f, .inf, 1_000, 12:30).
bool looks_numeric(std::string_view s) {
  if (s.empty()) return false;
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i < s.size() && s[i] == '.') return true;  // .5, .inf, .nan
  return i < s.size() && isdigit(static_cast<unsigned char>(s[i]));
}

bool plain_ok(std::string_view s) {
  if (s.empty() || is_keyword(s) || looks_numeric(s)) return false;
  if (s.front() == ' ' || s.back() == ' ') return false;
  // Indicators that start something else when they come first.
  if (std::string_view("-?:,[]{}#&*!|>'\"%@`").find(s.front()) != std::string_view::npos)
    return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F || c >= 0x80) return false;  // escapes and non-ASCII: quoted
    if (c == ':' && (i + 1 == s.size() || s[i + 1] == ' ')) return false;
    if (c == '#' && i > 0 && s[i - 1] == ' ') return false;
    if (c == ',' || c == '[' || c == ']' || c == '{' || c == '}') return false;
  }
  return true;
}

std::string scalar(const json& v) {
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (plain_ok(s)) return s;
    return v.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return v.dump(-1, ' ', false, json::error_handler_t::replace);  // numbers, true, false, null
}

bool is_collection(const json& v) {
  return (v.is_object() || v.is_array()) && !v.empty();
}

void write(std::string& out, const json& v, int indent);

void write_key(std::string& out, const std::string& key) {
  out += plain_ok(key) ? key : json(key).dump(-1, ' ', false, json::error_handler_t::replace);
  out += ':';
}

void write_entries(std::string& out, const json& v, int indent) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      out += pad;
      write_key(out, it.key());
      if (is_collection(*it)) {
        out += '\n';
        write(out, *it, indent + 2);
      } else {
        out += ' ';
        write(out, *it, indent + 2);
      }
    }
    return;
  }
  for (const json& item : v) {
    out += pad + "-";
    if (item.is_object() && !item.empty()) {
      // The first key on the dash's line, the rest aligned under it.
      std::string inner;
      write_entries(inner, item, indent + 2);
      out += ' ';
      out += inner.substr(static_cast<size_t>(indent) + 2);
    } else if (is_collection(item)) {
      out += '\n';
      write(out, item, indent + 2);
    } else {
      out += ' ';
      write(out, item, indent + 2);
    }
  }
}

void write(std::string& out, const json& v, int indent) {
  if (v.is_object()) {
    if (v.empty()) {
      out += "{}\n";
      return;
    }
    write_entries(out, v, indent);
    return;
  }
  if (v.is_array()) {
    if (v.empty()) {
      out += "[]\n";
      return;
    }
    write_entries(out, v, indent);
    return;
  }
  out += scalar(v);
  out += '\n';
}

}  // namespace

std::string to_yaml(const json& value) {
  std::string out = "---\n";
  write(out, value, 0);
  return out;
}

}  // namespace gslbctl
