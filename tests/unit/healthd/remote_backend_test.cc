// The agent mode's pure parts: node URLs (parse_http_url) and the check list a node answers
// turned into the rows the checker probes (config_from_check_list).
#include <gtest/gtest.h>

#include "healthd/http_client.h"
#include "healthd/remote_backend.h"
#include "healthd/targets.h"

namespace gslb {
namespace {

TEST(HttpUrl, HostPortAndBasePath) {
  auto u = parse_http_url("http://127.0.0.1:8053");
  ASSERT_TRUE(u.ok()) << u.error();
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, "8053");
  EXPECT_EQ(u->base_path, "");
  auto v6 = parse_http_url("http://[::1]:9000/gslb/");
  ASSERT_TRUE(v6.ok()) << v6.error();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, "9000");
  EXPECT_EQ(v6->base_path, "/gslb");
  auto plain = parse_http_url("http://ns1.example.test");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->port, "80");
  EXPECT_FALSE(plain->tls);
}

TEST(HttpUrl, HttpsDefaultsToPort443) {
  auto named = parse_http_url("https://ns1.example.test");
  ASSERT_TRUE(named.ok()) << named.error();
  EXPECT_TRUE(named->tls);
  EXPECT_EQ(named->host, "ns1.example.test");
  EXPECT_EQ(named->port, "443");
  auto v6 = parse_http_url("https://[::1]:8443/gslb");
  ASSERT_TRUE(v6.ok()) << v6.error();
  EXPECT_TRUE(v6->tls);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, "8443");
  EXPECT_EQ(v6->base_path, "/gslb");
}

TEST(HttpUrl, RefusalsSayWhatIsWrong) {
  EXPECT_NE(parse_http_url("ftp://127.0.0.1:1").error().find("expected http://"),
            std::string::npos);
  EXPECT_NE(parse_http_url("127.0.0.1:8053").error().find("expected http://"), std::string::npos);
  EXPECT_NE(parse_http_url("http://127.0.0.1:0").error().find("bad port"), std::string::npos);
  EXPECT_NE(parse_http_url("http://127.0.0.1:65536").error().find("bad port"), std::string::npos);
  EXPECT_NE(parse_http_url("http://127.0.0.1:80x").error().find("bad port"), std::string::npos);
  EXPECT_NE(parse_http_url("http://:80").error().find("no host"), std::string::npos);
  EXPECT_NE(parse_http_url("http://[::1:80").error().find("]"), std::string::npos);
}

TEST(ReportExposure, PlainHttpOnlyOnLoopbackUnlessAskedFor) {
  for (const char* url :
       {"http://127.0.0.1:8053", "http://127.9.8.7:1", "http://[::1]:8053", "http://localhost:8053",
        "http://LocalHost:1/gslb", "https://192.0.2.1:8443", "https://ns1.example.net"}) {
    auto r = check_report_exposure({url}, {});
    ASSERT_TRUE(r.ok()) << url << ": " << r.error();
    EXPECT_TRUE(r->empty()) << url;
  }
  for (const char* url : {"http://192.0.2.1:8080", "http://0.0.0.0:8053", "http://[::]:8053",
                          "http://[2001:db8::1]:8053", "http://ns1.example.net:8053",
                          "http://localhost.example.net:8053", "http://128.0.0.1:8053"}) {
    auto r = check_report_exposure({"https://ns2.example.net", url}, {});
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.failure().kind, ErrorKind::invalid) << url;
    EXPECT_NE(r.error().find(std::string("--report-to ") + url + " is not a loopback address"),
              std::string::npos)
        << r.error();
    EXPECT_NE(r.error().find("--report-plain-http"), std::string::npos) << r.error();
    EXPECT_TRUE(check_report_exposure({url}, {.plain_http = true}).ok()) << url;
  }
  // A URL that does not parse says so before anything else is judged.
  EXPECT_NE(check_report_exposure({"ftp://192.0.2.1:1"}, {}).error().find("expected http://"),
            std::string::npos);
}

TEST(ReportExposure, CaFileWithoutAnHttpsNodeIsAnErrorBesideOneAWarning) {
  auto alone = check_report_exposure({"http://127.0.0.1:8053"}, {.ca_file = true});
  ASSERT_FALSE(alone.ok());
  EXPECT_EQ(alone.error(),
            "--ca-file applies only to https:// nodes; http://127.0.0.1:8053 is plain HTTP");
  auto mixed = check_report_exposure(
      {"https://ns1.example.net", "http://127.0.0.1:8053", "http://[::1]:8054"}, {.ca_file = true});
  ASSERT_TRUE(mixed.ok()) << mixed.error();
  EXPECT_EQ(*mixed, (std::vector<std::string>{
                        "--ca-file does not apply to http://127.0.0.1:8053: it is plain HTTP",
                        "--ca-file does not apply to http://[::1]:8054: it is plain HTTP"}));
  auto https_only = check_report_exposure({"https://ns1.example.net"}, {.ca_file = true});
  ASSERT_TRUE(https_only.ok());
  EXPECT_TRUE(https_only->empty());
}

constexpr char kList[] = R"({
  "generation": 12,
  "checks": [{"id": 7, "name": "web", "type": "http", "port": 8080, "path": "/h", "host": "x",
              "expect_status": [200, 204], "expect_body": "ok", "interval_ms": 200,
              "timeout_ms": 150, "rise": 2, "fall": 3, "options": {"verify_tls": false}}],
  "targets": [{"member_id": 3, "service": "a.test", "member": "m3", "address": "192.0.2.3",
               "check": "web", "check_id": 7},
              {"member_id": 4, "service": "b.test", "member": "m4", "address": "192.0.2.3",
               "check": "web", "check_id": 7},
              {"member_id": 5, "service": "b.test", "member": "m5", "address": "2001:db8::5",
               "check": "web", "check_id": 7}]
})";

TEST(CheckList, BecomesTheRowsTheCheckerProbes) {
  auto rows = config_from_check_list(kList);
  ASSERT_TRUE(rows.ok()) << rows.error();
  ASSERT_EQ(rows->checks.size(), 1u);
  const CheckRow& c = rows->checks[0];
  EXPECT_EQ(c.id, 7);
  EXPECT_EQ(c.type, "http");
  EXPECT_EQ(c.port, 8080u);
  EXPECT_EQ(c.path, "/h");
  EXPECT_EQ(c.expect_status, "200,204");
  EXPECT_EQ(c.interval_ms, 200u);
  EXPECT_EQ(c.timeout_ms, 150u);
  EXPECT_EQ(c.rise, 2u);
  EXPECT_EQ(c.fall, 3u);
  EXPECT_EQ(c.options_json, R"({"verify_tls":false})");
  // Members sharing an address share a target: probed once, written for both.
  TargetSet set = targets_from_config(*rows);
  EXPECT_TRUE(set.problems.empty());
  ASSERT_EQ(set.targets.size(), 2u);
  EXPECT_EQ(set.targets[0].key.address, "192.0.2.3");
  EXPECT_EQ(set.targets[0].member_ids, (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(set.targets[1].key.address, "2001:db8::5");
  EXPECT_EQ(set.targets[1].member_ids, (std::vector<int64_t>{5}));
}

TEST(CheckList, MalformedListsAreRefused) {
  EXPECT_FALSE(config_from_check_list("not json").ok());
  EXPECT_FALSE(config_from_check_list("[]").ok());
  EXPECT_FALSE(config_from_check_list(R"({"checks": []})").ok());
  EXPECT_FALSE(config_from_check_list(R"({"checks": [{"name": "x"}], "targets": []})").ok());
  EXPECT_FALSE(config_from_check_list(R"({"checks": [], "targets": [{"member_id": 1}]})").ok());
  auto empty = config_from_check_list(R"({"checks": [], "targets": []})");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(targets_from_config(*empty).targets.empty());
}

}  // namespace
}  // namespace gslb
