// The status page rendered on the server: api/ui/index.html with its {{markers}} filled from
// the bodies of the read routes (api/read_bodies.h), so the page and the JSON API show the same
// data. The markup of a service, a member and an event here is the markup api/ui/ui.js builds
// from the JSON: the script updates this page in place. Every value goes through html_escape.
#include "api/ui_page.h"

#include <time.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/handlers.h"
#include "api/html_text.h"
#include "api/read_bodies.h"
#include "api/ui_files.h"
#include "api/write_transaction.h"

namespace gslb::api {
namespace {

using nlohmann::json;

constexpr size_t kEvents = 30;  // the timeline's length, as ui.js asks /v1/events for

// A value as text: strings as they are, numbers and booleans as JSON writes them, null empty.
std::string text_of(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_null()) return {};
  return j.dump();
}
std::string esc(const json& j) {
  return html_escape(text_of(j));
}

// "2024-05-01 12:00:03 UTC": one clock for every reader of the page.
std::string time_text(int64_t ms) {
  const time_t t = static_cast<time_t>(ms / 1000);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[40];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}
std::string iso_time(int64_t ms) {
  const time_t t = static_cast<time_t>(ms / 1000);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[40];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}
std::string time_html(int64_t ms) {
  return "<time datetime=\"" + iso_time(ms) + "\">" + time_text(ms) + "</time>";
}

std::string load_text(const json& load) {
  if (!load.is_number()) return "\xE2\x80\x93";
  char buf[32];
  snprintf(buf, sizeof buf, "%.2f", load.get<double>());
  return buf;
}

std::string observation_html(const json& o) {
  const bool up = o.value("up", false), stale = o.value("stale", false);
  std::string text = esc(o["agent"]) + ": " + (up ? "up" : "down");
  if (o["rtt_us"].is_number()) text += " \xC2\xB7 " + rtt_text(o["rtt_us"].get<int64_t>());
  if (o["load"].is_number()) text += " \xC2\xB7 load " + load_text(o["load"]);
  text += " \xC2\xB7 " + duration_text(o.value("age_ms", int64_t{0})) + " ago";
  if (stale) text += " (stale)";
  if (!text_of(o["detail"]).empty()) text += " \xC2\xB7 " + esc(o["detail"]);
  return std::string("<li class=\"") + (up ? "up" : "down") + (stale ? " stale" : "") + "\">" +
         text + "</li>";
}

std::string drain_html(const json& m) {
  if (!m.value("drained", false)) return "\xE2\x80\x93";
  if (m["state"] == "draining")
    return "draining: " + duration_text(m["drain_remaining_ms"].get<int64_t>()) + " left";
  return "drained since " + time_html(m["drained_since_ms"].get<int64_t>());
}

std::string member_html(const json& m) {
  const std::string state = esc(m["state"]);
  std::string h = "<tr class=\"member state-" + state + "\" data-member=\"" + esc(m["name"]) +
                  "\">\n<td class=\"m-name\">" + esc(m["name"]) + "</td><td class=\"m-address\">" +
                  esc(m["address"]) + "</td>";
  h += "<td class=\"m-state\"><span class=\"badge " + state + "\">" + state + "</span>";
  if (m["state"] != "up" && m["state"] != "down" && m["health"] == "down")
    h += " <span class=\"badge down\">down</span>";
  if (m.value("stale", false)) h += " <span class=\"badge stale\">stale</span>";
  h += "</td><td class=\"m-agents\">";
  if (m["observations"].empty()) {
    h += "<span class=\"muted\">not observed</span>";
  } else {
    h += "<ul class=\"obs\">";
    for (const json& o : m["observations"]) h += observation_html(o);
    h += "</ul>";
  }
  h += "</td><td class=\"m-rtt num\">" +
       (m["rtt_us"].is_number() ? rtt_text(m["rtt_us"].get<int64_t>()) : "\xE2\x80\x93") +
       "</td><td class=\"m-load num\">" + load_text(m["load"]) +
       "</td><td class=\"m-weight num\">" + esc(m["weight"]) + "</td><td class=\"m-drain\">" +
       drain_html(m) + "</td><td class=\"m-actions\"></td>\n</tr>\n";
  return h;
}

std::string services_html(const json& health) {
  if (health["services"].empty()) return "<p class=\"muted\">no GSLB services</p>";
  std::string h;
  for (const json& s : health["services"]) {
    h += "<section class=\"service\" data-service=\"" + esc(s["name"]) +
         "\">\n<h3><span class=\"s-name\">" + esc(s["name"]) + "</span> <span class=\"meta\">" +
         "<span class=\"s-policy\">" + esc(s["policy"]) + "</span> \xC2\xB7 fallback " +
         "<span class=\"s-fallback\">" + esc(s["fallback"]) + "</span> \xC2\xB7 " +
         "<span class=\"s-count\">" + esc(s["members_up"]) + "/" + esc(s["members_total"]) +
         " up</span></span></h3>\n<table class=\"members\"><thead><tr><th>member</th>"
         "<th>address</th><th>state</th><th>agents</th><th>RTT</th><th>load</th><th>weight</th>"
         "<th>drain</th><th class=\"m-actions\"></th></tr></thead>\n<tbody>\n";
    for (const json& m : s["members"]) h += member_html(m);
    h += "</tbody></table>\n</section>\n";
  }
  return h;
}

std::string events_html(const json& events) {
  if (events["events"].empty()) return "<p class=\"muted\">no events yet</p>";
  std::string h = "<ol class=\"timeline\">\n";
  for (const json& e : events["events"]) {
    h += "<li class=\"" + esc(e["new"]) + "\">" + time_html(e["at_ms"].get<int64_t>()) +
         " <span class=\"ev-what\">" + esc(e["service"]) + " / " + esc(e["member"]) +
         "</span>: <span class=\"ev-old\">" + esc(e["old"]) + "</span> \xE2\x86\x92 " +
         "<span class=\"ev-new\">" + esc(e["new"]) + "</span> <span class=\"muted\">by " +
         esc(e["agent"]);
    if (!text_of(e["detail"]).empty()) h += " \xC2\xB7 " + esc(e["detail"]);
    h += "</span></li>\n";
  }
  return h + "</ol>";
}

std::string agents_html(const json& agents) {
  if (agents["agents"].empty()) return "<p class=\"muted\">no agent has reported yet</p>";
  std::string h = "<ul class=\"agents\">\n";
  for (const json& a : agents["agents"])
    h += "<li><span class=\"a-id\">" + esc(a["id"]) + "</span> <span class=\"muted\">region " +
         (text_of(a["region"]).empty() ? std::string("\xE2\x80\x93") : esc(a["region"])) +
         " \xC2\xB7 seen " + duration_text(a.value("age_ms", int64_t{0})) + " ago</span></li>\n";
  return h + "</ul>";
}

std::string explain_html(const json& x) {
  std::string h = "<dl><dt>question</dt><dd>" + esc(x["name"]) + " " + esc(x["type"]) +
                  (x["client"].is_null() ? "" : " from " + esc(x["client"])) +
                  "</dd><dt>rcode</dt><dd class=\"x-rcode\">" + esc(x["rcode"]) +
                  "</dd><dt>answer</dt><dd>";
  if (x["answers"].empty()) {
    h += "<span class=\"muted\">no records</span>";
  } else {
    h += "<ul class=\"x-answers\">";
    for (const json& rr : x["answers"])
      h += "<li>" + esc(rr["name"]) + " " + esc(rr["ttl"]) + " " + esc(rr["type"]) + " " +
           esc(rr["data"]) + "</li>";
    h += "</ul>";
  }
  h += "</dd>";
  if (x["decision"].is_object()) {
    const json& d = x["decision"];
    h += "<dt>service</dt><dd>" + esc(x["service"]["name"]) + " (" + esc(x["service"]["policy"]) +
         ")</dd><dt>candidates</dt><dd>" + esc(d["candidates"]) +
         (d.value("degraded", false) ? " (degraded)" : "") + "</dd><dt>TTL</dt><dd>" +
         esc(d["ttl"]) + "</dd><dt>ECS scope</dt><dd>/" + esc(d["ecs_scope"]) + "</dd>";
  }
  h += "</dl>";
  if (!x["members"].empty()) {
    h += "<table class=\"x-members\"><thead><tr><th>member</th><th>address</th><th>state</th>"
         "<th>eligible</th><th>picked</th></tr></thead><tbody>";
    for (const json& m : x["members"]) {
      const bool picked = m.value("picked", false);
      h += std::string("<tr") + (picked ? " class=\"picked\"" : "") + " data-member=\"" +
           esc(m["name"]) + "\"><td>" + esc(m["name"]) + "</td><td>" + esc(m["address"]) +
           "</td><td>" + esc(m["state"]) + "</td><td>" +
           (m.value("eligible", false) ? "yes" : "no") + "</td><td>" + (picked ? "yes" : "no") +
           "</td></tr>";
    }
    h += "</tbody></table>";
  }
  return h;
}

// index.html with each {{key}} replaced by its value (unknown keys by nothing).
std::string fill(std::string_view tmpl, const std::vector<std::pair<std::string, std::string>>& v) {
  std::string out;
  out.reserve(tmpl.size() + 8192);
  size_t pos = 0;
  while (pos < tmpl.size()) {
    size_t open = tmpl.find("{{", pos);
    size_t close = open == std::string_view::npos ? open : tmpl.find("}}", open + 2);
    if (close == std::string_view::npos) {
      out.append(tmpl.substr(pos));
      break;
    }
    out.append(tmpl.substr(pos, open - pos));
    const std::string_view key = tmpl.substr(open + 2, close - open - 2);
    for (const auto& [k, value] : v)
      if (k == key) out += value;
    pos = close + 2;
  }
  return out;
}

// The page's own headers: no inline script or style can run (the CSP allows only this origin's
// files), the page is not framed, and the state it holds is not kept by caches.
HttpResponse html_response(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  r.headers = {{"Content-Security-Policy",
                "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"},
               {"X-Content-Type-Options", "nosniff"},
               {"Referrer-Policy", "no-referrer"},
               {"Cache-Control", "no-store"}};
  return r;
}

struct Explained {
  std::string name, type = "A", client;  // the form's values
  std::string html;                      // the answer or the error, rendered
  int status = 200;
};

// The whole page for a reader the router let through.
HttpResponse page(ApiContext& ctx, const Explained& x) {
  int status = x.status;
  std::string notice, services, events, agents;
  int64_t now = wall_ms();
  if (auto h = health_body(ctx, std::nullopt)) {
    now = (*h)["now_ms"].get<int64_t>();
    services = services_html(*h);
  } else {
    notice = html_escape(h.error().message);
    status = h.error().status;
  }
  if (auto e = events_body(ctx, kEvents))
    events = events_html(*e);
  else
    events = "<p class=\"error\">" + html_escape(e.error().message) + "</p>";
  if (auto a = agents_body(ctx))
    agents = agents_html(*a);
  else
    agents = "<p class=\"error\">" + html_escape(a.error().message) + "</p>";
  return html_response(status,
                       fill(ui_index_html(), {{"auth", ctx.shared().tokens ? "token" : "open"},
                                              {"now_ms", std::to_string(now)},
                                              {"now", time_html(now)},
                                              {"notice", notice},
                                              {"services", services},
                                              {"events", events},
                                              {"agents", agents},
                                              {"explain_name", html_escape(x.name)},
                                              {"explain_type", html_escape(x.type)},
                                              {"explain_client", html_escape(x.client)},
                                              {"explain", x.html}}));
}

}  // namespace

HttpResponse page_refused(const HttpResponse& refusal) {
  json j = json::parse(refusal.body, nullptr, false);
  const std::string why = j.is_object() ? text_of(j.value("message", json())) : std::string();
  const int64_t now = wall_ms();
  const std::string notice =
      "This page shows what a read token may read, and this request has none it accepts (" +
      html_escape(why) +
      "). Enter a read or admin token above: it stays in this tab (sessionStorage) and is sent "
      "as Authorization: Bearer. Without JavaScript, send that header from a reverse proxy in "
      "front of gslbd.";
  HttpResponse r =
      html_response(refusal.status, fill(ui_index_html(), {{"auth", "needed"},
                                                           {"now_ms", std::to_string(now)},
                                                           {"now", time_html(now)},
                                                           {"notice", notice},
                                                           {"explain_type", "A"}}));
  for (const auto& h : refusal.headers) r.headers.push_back(h);
  return r;
}

HttpResponse get_ui_page(ApiContext& ctx, const HttpRequest&, const Params&) {
  return page(ctx, Explained{});
}

HttpResponse get_ui_explain(ApiContext& ctx, const HttpRequest& req, const Params&) {
  Explained x;
  x.name = req.param("name").value_or("");
  x.client = req.param("client").value_or("");
  // An emptied form field means the default, as an absent parameter does.
  HttpRequest question = req;
  question.query.clear();
  for (const auto& [k, v] : req.query)
    if (!v.empty() && (k == "name" || k == "type" || k == "client"))
      question.query.emplace_back(k, v);
  if (auto t = question.param("type")) x.type = *t;
  if (!x.name.empty()) {
    if (auto answer = explain_body(ctx, question)) {
      x.html = explain_html(*answer);
    } else {
      x.html = "<p class=\"error\">" + html_escape(answer.error().message) + "</p>";
      x.status = answer.error().status;
    }
  }
  return page(ctx, x);
}

}  // namespace gslb::api
