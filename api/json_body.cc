#include "api/json_body.h"

#include <strings.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace gslb::api {
namespace {

using nlohmann::json;

// One parse that never throws out of here and takes nothing silently: nlohmann keeps the last
// of repeated keys, and reports a number it cannot hold (1e400) as out_of_range, which is not a
// parse_error; both name the field they are at.
Outcome<json> parse_strict(const std::string& text) {
  struct Frame {
    bool array = false;
    size_t count = 0;
    std::string label;  // how the parent addresses this value: "members", "[2]"
    std::string key;    // objects: the key being read
    std::set<std::string> keys;
  };
  std::vector<Frame> stack;
  std::string duplicate;
  auto path = [&](bool with_key) {
    std::string p;
    auto add = [&](const std::string& l) {
      if (l.empty()) return;
      p += (l[0] == '[' || p.empty()) ? l : "." + l;
    };
    for (size_t i = 1; i < stack.size(); ++i) add(stack[i].label);
    if (with_key && !stack.empty()) {
      if (stack.back().array)
        add("[" + std::to_string(stack.back().count) + "]");
      else
        add(stack.back().key);
    }
    return p;
  };
  json::parser_callback_t cb = [&](int, json::parse_event_t ev, json& parsed) {
    switch (ev) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start: {
        Frame f;
        f.array = ev == json::parse_event_t::array_start;
        if (!stack.empty())
          f.label = stack.back().array ? "[" + std::to_string(stack.back().count) + "]"
                                       : stack.back().key;
        stack.push_back(std::move(f));
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        if (!stack.empty()) stack.pop_back();
        if (!stack.empty() && stack.back().array) ++stack.back().count;
        break;
      case json::parse_event_t::key: {
        Frame& f = stack.back();
        f.key = parsed.get<std::string>();
        if (!f.keys.insert(f.key).second && duplicate.empty()) duplicate = path(true);
        break;
      }
      case json::parse_event_t::value:
        if (!stack.empty() && stack.back().array) ++stack.back().count;
        break;
    }
    return true;
  };
  json j;
  try {
    j = json::parse(text, cb);
  } catch (const json::parse_error& e) {
    return bad_request("the body is not valid JSON (byte " + std::to_string(e.byte) + ")");
  } catch (const json::exception& e) {
    // Only out_of_range is known to get here: a number beyond a double.
    const std::string field = path(true);
    return bad_request(
        (field.empty() ? std::string("a number") : field) + ": the number is out of range", field);
  }
  if (!duplicate.empty())
    return invalid(duplicate + ": the key is given twice (a later one would silently win)",
                   duplicate);
  return j;
}

}  // namespace

Outcome<nlohmann::json> read_json_object(const HttpRequest& req) {
  std::string type = req.content_type.substr(0, req.content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  if (strcasecmp(type.c_str(), "application/json") != 0)
    return unsupported_media_type("the body must be application/json (got " +
                                  (req.content_type.empty() ? std::string("no Content-Type")
                                                            : "\"" + req.content_type + "\"") +
                                  ")");
  auto j = parse_strict(req.body);
  if (!j) return j.error();
  if (!j->is_object()) return invalid("the body must be a JSON object");
  return std::move(*j);
}

HttpResponse json_response(int status, const nlohmann::json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  return r;
}

HttpResponse no_content() {
  HttpResponse r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

Outcome<bool> bool_param(const HttpRequest& req, const char* name, bool fallback) {
  auto v = req.param(name);
  if (!v) return fallback;
  if (*v == "true" || *v == "1" || v->empty()) return true;
  if (*v == "false" || *v == "0") return false;
  return bad_request(std::string("query parameter ") + name + ": expected true or false", name);
}

Outcome<size_t> limit_param(const HttpRequest& req, size_t fallback) {
  auto l = req.param("limit");
  if (!l) return fallback;
  char* end = nullptr;
  long v = strtol(l->c_str(), &end, 10);
  if (l->empty() || *end != '\0' || v < 1 || v > 10000)
    return bad_request("limit: expected an integer 1 to 10000", "limit");
  return static_cast<size_t>(v);
}

}  // namespace gslb::api
