// The status page through dispatch(): rendered from the read routes' data with every value
// escaped, its shell (no data) for a request without a read token, its headers, its static files
// with ETags; GET /v1/events that the page's timeline polls.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "api/html_text.h"
#include "tests/unit/api/api_test_env.h"

namespace gslb::api {
namespace {

using nlohmann::json;
using testing::body_of;
using testing::header;
using testing::kAdminToken;
using testing::kReadToken;
using testing::request;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class UiPage : public testing::ApiEnv {
 protected:
  int64_t member_id(const std::string& name) { return member_row(name)->id; }
  void observe(const std::string& agent, const std::string& member, bool up,
               const std::string& detail = {}) {
    ObservationRow o;
    o.agent_id = agent;
    o.member_id = member_id(member);
    o.up = up;
    o.rtt_us = 2500;
    o.checked_at_ms = now_ms();
    o.detail = detail;
    ASSERT_TRUE(store_->write_observations({o}).ok());
  }
};

TEST(HtmlText, EscapesEveryMarkupCharacter) {
  EXPECT_EQ(html_escape("<a href=\"x\" title='y'>&amp;</a>"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
  EXPECT_EQ(html_escape("plain"), "plain");
  EXPECT_EQ(rtt_text(230), "230 \xC2\xB5s");
  EXPECT_EQ(rtt_text(1500), "1.5 ms");
  EXPECT_EQ(duration_text(45999), "45 s");
  EXPECT_EQ(duration_text(200000), "3 min 20 s");
  EXPECT_EQ(duration_text(7500000), "2 h 5 min");
  EXPECT_EQ(duration_text(-5), "0 s");
}

TEST_F(UiPage, RendersServicesMembersAndState) {
  observe("agent-a", "paris", false, "connection refused");
  HttpResponse r = get("/");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(header(r, "Content-Security-Policy").rfind("default-src 'self'", 0), 0u);
  EXPECT_EQ(header(r, "Cache-Control"), "no-store");
  EXPECT_NE(r.body.find("data-service=\"app.gslb.test\""), std::string::npos);
  EXPECT_NE(r.body.find("<tr class=\"member state-up\" data-member=\"tokyo\">"), std::string::npos);
  EXPECT_NE(r.body.find("<tr class=\"member state-down\" data-member=\"paris\">"),
            std::string::npos);
  EXPECT_NE(r.body.find("agent-a: down \xC2\xB7 2.5 ms"), std::string::npos);
  EXPECT_NE(r.body.find("1/2 up"), std::string::npos);
  EXPECT_NE(r.body.find("<span class=\"ev-what\">app.gslb.test / paris</span>"), std::string::npos);
  EXPECT_EQ(r.body.find("{{"), std::string::npos) << "a marker left unfilled";
}

TEST_F(UiPage, EscapesWhatTheDatabaseHolds) {
  observe("agent-a", "paris", true, "<script>alert(1)</script>");
  HttpResponse r = get("/");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body.find("<script>alert"), std::string::npos);
  EXPECT_NE(r.body.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
}

TEST_F(UiPage, ADrainShowsItsCountdown) {
  ASSERT_EQ(call(testing::json_request("PATCH", "/v1/services/app.gslb.test/members/tokyo",
                                       {{"drained", true}}))
                .status,
            200);
  HttpResponse r = get("/");
  EXPECT_NE(r.body.find("<span class=\"badge draining\">draining</span>"), std::string::npos);
  EXPECT_NE(r.body.find("draining: 3"), std::string::npos) << "ttl 30 + 5 s margin";
}

TEST_F(UiPage, WithTokensThePageNeedsAReadToken) {
  use_tokens();
  for (const char* target : {"/", "/ui/explain?name=app.gslb.test"}) {
    HttpResponse r = get(target);
    EXPECT_EQ(r.status, 401) << target;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(header(r, "WWW-Authenticate").rfind("Bearer", 0), 0u);
    EXPECT_NE(r.body.find("data-auth=\"needed\""), std::string::npos);
    for (const char* secret : {"app.gslb.test", "tokyo", "192.0.2."})
      EXPECT_EQ(r.body.find(secret), std::string::npos) << target << " shows " << secret;
  }
  for (const char* token : {kReadToken, kAdminToken}) {
    HttpResponse r = get("/", std::string("Bearer ") + token);
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("data-member=\"tokyo\""), std::string::npos);
    EXPECT_NE(r.body.find("data-auth=\"token\""), std::string::npos);
  }
  // The static files hold no data: the shell needs them before it has a token.
  EXPECT_EQ(get("/ui/ui.js").status, 200);
  EXPECT_EQ(get("/ui/ui.css").status, 200);
}

TEST_F(UiPage, ExplainWithoutTheDnsRoleSaysSoOnThePage) {
  HttpResponse r = get("/ui/explain?name=app.gslb.test&type=&client=");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_NE(r.body.find("<p class=\"error\">explain needs the dns role"), std::string::npos);
  EXPECT_NE(r.body.find("value=\"app.gslb.test\""), std::string::npos);
  // Without a name: the form only.
  EXPECT_EQ(get("/ui/explain").status, 200);
}

TEST_F(UiPage, ExplainRendersTheAnswer) {
  publish_snapshot(now_ms());
  HttpResponse r = get("/ui/explain?name=app.gslb.test&client=198.51.100.0%2F24");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("<dd class=\"x-rcode\">NOERROR</dd>"), std::string::npos);
  EXPECT_NE(r.body.find("from 198.51.100.0/24"), std::string::npos);
  EXPECT_NE(r.body.find("<table class=\"x-members\">"), std::string::npos);
  EXPECT_EQ(get("/ui/explain?name=app.gslb.test&client=bad").status, 400);
}

TEST_F(UiPage, StaticFilesHaveTypesAndEtags) {
  HttpResponse js = get("/ui/ui.js");
  ASSERT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(header(js, "Cache-Control"), "no-cache");
  const std::string etag = header(js, "ETag");
  ASSERT_EQ(etag.size(), 18u) << etag;
  HttpRequest again = request("GET", "/ui/ui.js");
  again.if_none_match = etag;
  HttpResponse cached = call(again);
  EXPECT_EQ(cached.status, 304);
  EXPECT_TRUE(cached.body.empty());
  HttpResponse css = get("/ui/ui.css");
  EXPECT_EQ(css.content_type, "text/css; charset=utf-8");
  EXPECT_NE(header(css, "ETag"), etag);
}

TEST_F(UiPage, EventsOfEveryMemberNewestFirst) {
  observe("agent-a", "tokyo", false);
  observe("agent-a", "paris", false);
  HttpResponse r = get("/v1/events?limit=10");
  ASSERT_EQ(r.status, 200) << r.body;
  json events = body_of(r)["events"];
  ASSERT_EQ(events.size(), 2u) << events;
  EXPECT_EQ(events[0]["member"], "paris");
  EXPECT_EQ(events[0]["service"], "app.gslb.test");
  EXPECT_EQ(events[0]["new"], "down");
  EXPECT_EQ(events[1]["member"], "tokyo");
  EXPECT_EQ(get("/v1/events?limit=1").status, 200);
  EXPECT_EQ(body_of(get("/v1/events?limit=1"))["events"].size(), 1u);
  EXPECT_EQ(get("/v1/events?limit=0").status, 400);
}

TEST_F(UiPage, MetricsSayWhetherAMemberHasItsQuorum) {
  ASSERT_EQ(
      call(testing::json_request("PATCH", "/v1/services/app.gslb.test", {{"quorum", 2}})).status,
      200);
  observe("agent-a", "tokyo", true);
  observe("agent-b", "tokyo", true);
  observe("agent-a", "paris", true);
  const std::string m = get("/metrics").body;
  EXPECT_NE(m.find("gslbd_member_quorum_met{service=\"app.gslb.test\",member=\"tokyo\"} 1"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("gslbd_member_quorum_met{service=\"app.gslb.test\",member=\"paris\"} 0"),
            std::string::npos);
  EXPECT_NE(m.find("gslbd_member_fresh_agents{service=\"app.gslb.test\",member=\"tokyo\"} 2"),
            std::string::npos);
}

}  // namespace
}  // namespace gslb::api
