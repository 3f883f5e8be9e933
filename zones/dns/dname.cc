#include "zones/dns/dname.h"

#include <cstring>

namespace gslb {

void lowercase_name(uint8_t* wire, size_t len) {
  size_t i = 0;
  while (i < len && wire[i] != 0) {
    size_t l = wire[i];
    for (size_t k = i + 1; k <= i + l && k < len; ++k) wire[k] = ascii_lower(wire[k]);
    i += l + 1;
  }
}

std::string lowercase_name(std::string_view wire) {
  std::string out(wire);
  lowercase_name(reinterpret_cast<uint8_t*>(out.data()), out.size());
  return out;
}

size_t label_count(std::string_view wire) {
  size_t n = 0, i = 0;
  while (i < wire.size() && wire[i] != 0) {
    i += static_cast<uint8_t>(wire[i]) + 1;
    ++n;
  }
  return n;
}

Result<std::string> name_from_text(std::string_view text, std::string_view origin) {
  if (text == "@") {
    if (origin.empty()) return make_error("\"@\" used without an origin");
    return std::string(origin);
  }
  if (text == ".") return std::string(1, '\0');
  if (text.empty()) return make_error("empty domain name");
  std::string out;
  std::string label;
  bool absolute = false;
  auto flush = [&]() -> Result<void> {
    if (label.empty()) return make_error("empty label in \"" + std::string(text) + "\"");
    if (label.size() > kMaxLabelLength)
      return make_error("label longer than 63 octets in \"" + std::string(text) + "\"");
    out.push_back(static_cast<char>(label.size()));
    out += label;
    label.clear();
    return {};
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\') {
      if (i + 1 >= text.size())
        return make_error("dangling backslash in \"" + std::string(text) + "\"");
      if (i + 3 < text.size() + 0 && isdigit(static_cast<unsigned char>(text[i + 1])) &&
          isdigit(static_cast<unsigned char>(text[i + 2])) &&
          isdigit(static_cast<unsigned char>(text[i + 3]))) {
        int v = (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
        if (v > 255) return make_error("bad escape in \"" + std::string(text) + "\"");
        label.push_back(static_cast<char>(v));
        i += 3;
      } else {
        label.push_back(text[++i]);
      }
    } else if (c == '.') {
      if (auto r = flush(); !r) return r.failure();
      if (i + 1 == text.size()) absolute = true;
    } else {
      label.push_back(c);
    }
  }
  if (!absolute) {
    if (!label.empty()) {
      if (auto r = flush(); !r) return r.failure();
    }
    if (origin.empty())
      return make_error("relative name \"" + std::string(text) + "\" without an origin");
    out += origin;
  } else {
    out.push_back('\0');
  }
  if (out.size() > kMaxNameLength)
    return make_error("name longer than 255 octets: \"" + std::string(text) + "\"");
  return out;
}

std::string name_to_text(std::string_view wire) {
  std::string out;
  size_t i = 0;
  while (i < wire.size() && wire[i] != 0) {
    size_t l = static_cast<uint8_t>(wire[i]);
    for (size_t k = i + 1; k <= i + l && k < wire.size(); ++k) {
      unsigned char c = static_cast<unsigned char>(wire[k]);
      if (c == '.' || c == '\\' || c == '"' || c == ';' || c == '(' || c == ')' || c == '@' ||
          c == '$') {
        out.push_back('\\');
        out.push_back(static_cast<char>(c));
      } else if (c <= 0x20 || c >= 0x7f) {
        char buf[5];
        snprintf(buf, sizeof buf, "\\%03u", c);
        out += buf;
      } else {
        out.push_back(static_cast<char>(c));
      }
    }
    out.push_back('.');
    i += l + 1;
  }
  if (out.empty()) out = ".";
  return out;
}

bool name_is_at_or_below(std::string_view name, std::string_view zone) {
  if (zone.size() > name.size()) return false;
  // Walk labels of `name` until the remaining suffix has the zone's length, so that a match is
  // only accepted on a label boundary.
  size_t i = 0;
  while (name.size() - i > zone.size()) i += static_cast<uint8_t>(name[i]) + 1;
  return name.size() - i == zone.size() && name.compare(i, std::string_view::npos, zone) == 0;
}

}  // namespace gslb
