#include "tools/gslbctl/commands.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tools/gslbctl/api_client.h"
#include "tools/gslbctl/cli.h"
#include "tools/gslbctl/server_url.h"
#include "tools/gslbctl/views.h"
#include "tools/gslbctl/yaml.h"

namespace gslbctl {

namespace {

// ordered_json: -o json and apply keep the key order of the answer and of the document.
using json = nlohmann::ordered_json;
using View = gslb::Result<std::string> (*)(std::string_view);

int fail(const Streams& io, const std::string& message) {
  fprintf(io.err, "gslbctl: %s\n", message.c_str());
  return kExitRefused;
}

// A script can tell "the server said no" (1) from "no server to ask" (3).
int fail(const Streams& io, const gslb::Error& e) {
  fail(io, e.message);
  return e.kind == gslb::ErrorKind::io ? kExitUnreachable : kExitRefused;
}

std::string pretty(const std::string& body) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return body.empty() || body.back() == '\n' ? body : body + "\n";
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

// Resource names are DNS names without the trailing dot (API.md); accept one typed with it.
std::string segment(std::string_view name) {
  if (name.size() > 1 && name.back() == '.') name.remove_suffix(1);
  return encode_component(name);
}

std::string member_target(const std::string& service, const std::string& member) {
  return "/v1/services/" + segment(service) + "/members/" + segment(member);
}

// Prints a successful answer: JSON as is for -o json, as YAML for -o yaml, else through `view`.
int show(const Invocation& inv, const Streams& io, const std::string& body, View view) {
  if (inv.output == OutputMode::kYaml) {
    const json j = json::parse(body, nullptr, false);
    fputs(j.is_discarded() ? pretty(body).c_str() : to_yaml(j).c_str(), io.out);
    return 0;
  }
  if (inv.output == OutputMode::kJson || view == nullptr) {
    fputs(pretty(body).c_str(), io.out);
    return 0;
  }
  auto text = view(body);
  if (!text) return fail(io, text.failure());
  fputs(text->c_str(), io.out);
  return 0;
}

int get(const Invocation& inv, const ApiClient& api, const Streams& io) {
  const std::string& what = inv.args[0];
  std::string target;
  View view = nullptr;
  if (what == "zones") {
    target = "/v1/zones";
    view = view_zones;
  } else if (what == "services") {
    target = "/v1/services";
    view = view_services;
  } else if (what == "members") {
    target = "/v1/services/" + segment(inv.args[1]) + "/members";
    view = view_members;
  } else if (what == "health") {
    target = "/v1/health";
    view = view_health;
  } else if (what == "agents") {
    target = "/v1/agents";
    view = view_agents;
  } else if (what == "checks") {
    target = "/v1/checks";
    view = view_checks;
  } else if (what == "catalogue") {
    target = "/v1/catalogue";
    view = view_catalogue;
  } else {
    target = "/v1/config";  // the document: JSON in both modes
  }
  auto body = api.call("GET", target);
  if (!body) return fail(io, body.failure());
  return show(inv, io, *body, view);
}

// The document to PUT: FILE as written. Its zone file paths are left alone: they name files
// on the server, under its --zone-dir, which this machine may not even see.
gslb::Result<std::string> read_document(const std::string& file) {
  std::string text;
  if (file == "-") {
    std::ostringstream s;
    s << std::cin.rdbuf();
    text = s.str();
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) return gslb::make_error(file + ": " + strerror(errno));
    std::ostringstream s;
    s << in.rdbuf();
    if (in.bad()) return gslb::make_error(file + ": read error");
    text = s.str();
  }
  const std::string name = file == "-" ? "standard input" : file;
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 3, column 5: ...".
    std::string what = e.what();
    if (const size_t close = what.find("] "); close != std::string::npos)
      what = what.substr(close + 2);
    return gslb::make_error(name + ": not JSON: " + what);
  }
  if (!doc.is_object())
    return gslb::make_error(name + ": expected a JSON object (the declarative document)");
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

int apply(const Invocation& inv, const ApiClient& api, const Streams& io) {
  auto doc = read_document(inv.file);
  if (!doc) return fail(io, doc.failure());
  auto body = api.call("PUT", inv.dry_run ? "/v1/config?dry_run=true" : "/v1/config", *doc);
  if (!body) return fail(io, body.failure());
  return show(inv, io, *body, view_apply);
}

// drain/enable --region: one request for every member of the region.
int change_region(const Invocation& inv, const ApiClient& api, const Streams& io, int64_t now_ms) {
  json selection = {{"region", inv.region}};
  if (!inv.only_service.empty()) selection["service"] = inv.only_service;
  std::string target = inv.command == "drain" ? "/v1/drain" : "/v1/enable";
  if (inv.force) target += "?force=true";
  auto body = api.call("POST", target, selection.dump());
  if (!body) return fail(io, body.failure());
  if (inv.output != OutputMode::kTable) return show(inv, io, *body, nullptr);
  const json answered = json::parse(*body, nullptr, false);
  if (!answered.is_object() || !answered.contains("members") || !answered["members"].is_array())
    return fail(io, "the server's answer has no members list");
  for (const json& m : answered["members"]) {
    auto text = view_member_change(m.value("service", std::string("?")), m.dump(), now_ms);
    if (!text) return fail(io, text.failure());
    fputs(text->c_str(), io.out);
  }
  return 0;
}

int change_member(const Invocation& inv, const ApiClient& api, const Streams& io, int64_t now_ms) {
  if (!inv.region.empty()) return change_region(inv, api, io, now_ms);
  const std::string& service = inv.args[0];
  const std::string& member = inv.args[1];
  json patch;
  if (inv.command == "drain") {
    patch = {{"drained", true}};
  } else if (inv.command == "enable") {
    patch = {{"enabled", true}, {"drained", false}};
  } else if (inv.command == "disable") {
    patch = {{"enabled", false}};
  } else {  // set-weight; cli.cc checked the digits
    errno = 0;
    const long long weight = strtoll(inv.args[2].c_str(), nullptr, 10);
    if (errno == ERANGE) return fail(io, "set-weight: " + inv.args[2] + " is out of range");
    patch = {{"weight", weight}};
  }
  const std::string target = member_target(service, member);
  auto body = api.call("PATCH", inv.force ? target + "?force=true" : target, patch.dump());
  if (!body) return fail(io, body.failure());
  // The answer is the member as answered (with its state); fetch it when a server sends less.
  const json answered = json::parse(*body, nullptr, false);
  if (!answered.is_object() || !answered.contains("state")) {
    body = api.call("GET", target);
    if (!body) return fail(io, body.failure());
  }
  if (inv.output != OutputMode::kTable) return show(inv, io, *body, nullptr);
  std::string name(service);
  if (name.size() > 1 && name.back() == '.') name.pop_back();
  auto text = view_member_change(name, *body, now_ms);
  if (!text) return fail(io, text.failure());
  fputs(text->c_str(), io.out);
  return 0;
}

int explain(const Invocation& inv, const ApiClient& api, const Streams& io) {
  std::string target =
      "/v1/explain?name=" + encode_component(inv.args[0]) + "&type=" + encode_component(inv.type);
  if (!inv.client.empty()) target += "&client=" + encode_component(inv.client);
  if (!inv.assume_down.empty()) target += "&assume_down=" + encode_component(inv.assume_down);
  auto body = api.call("GET", target);
  if (!body) return fail(io, body.failure());
  return show(inv, io, *body, view_explain);
}

int status(const Invocation& inv, const ApiClient& api, const Streams& io) {
  auto body = api.call("GET", "/v1/health");
  if (!body) return fail(io, body.failure());
  return show(inv, io, *body, view_status);
}

}  // namespace

int run_command(const Invocation& inv, const ApiClient& api, const Streams& io, int64_t now_ms) {
  const std::string& c = inv.command;
  if (c == "get") return get(inv, api, io);
  if (c == "apply") return apply(inv, api, io);
  if (c == "drain" || c == "enable" || c == "disable" || c == "set-weight")
    return change_member(inv, api, io, now_ms);
  if (c == "explain") return explain(inv, api, io);
  if (c == "status") return status(inv, api, io);
  return fail(io, "unknown command " + c);  // parse_command_line() lets none through
}

}  // namespace gslbctl
