// probe_spec_from_check: check rows to ProbeSpecs (defaults, every option key, the errors), and
// the probe registry's list of types.
#include "healthd/probes/probe_spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "healthd/probes/probe.h"
#include "zones/store/store_rows.h"

namespace gslb {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

CheckRow check(std::string type, std::string options = "{}") {
  CheckRow c;
  c.id = 7;
  c.name = "web";
  c.type = std::move(type);
  c.options_json = std::move(options);
  return c;
}

std::string error_of(const CheckRow& c, const std::string& address = "192.0.2.1") {
  auto r = probe_spec_from_check(c, address);
  return r ? std::string("(no error)") : r.error();
}

TEST(ProbeRegistry, KnowsEveryProbeType) {
  for (const char* type : {"icmp", "tcp", "http", "https", "dns"}) {
    EXPECT_NE(find_probe(type), nullptr) << type;
  }
  EXPECT_EQ(find_probe("smtp"), nullptr);
  EXPECT_EQ(find_probe(""), nullptr);
  EXPECT_EQ(find_probe("HTTP"), nullptr);
}

TEST(ProbeSpecFromCheck, HttpDefaults) {
  auto c = check("http");
  c.path = "";
  auto s = probe_spec_from_check(c, "192.0.2.1");
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->type, "http");
  EXPECT_EQ(s->address, boost::asio::ip::make_address("192.0.2.1"));
  EXPECT_EQ(s->port, 80);
  EXPECT_EQ(s->path, "/");
  EXPECT_EQ(s->host, "");
  EXPECT_TRUE(s->expect_status.empty());
  EXPECT_EQ(s->expect_body, "");
  EXPECT_TRUE(s->verify_tls);
  EXPECT_EQ(s->load_header, "");
  EXPECT_EQ(s->load_json_field, "");
  EXPECT_EQ(s->timeout, 500ms);  // CheckRow's default timeout_ms
}

TEST(ProbeSpecFromCheck, ANameWithTheRootDotIsACnameTargetToResolve) {
  auto s = probe_spec_from_check(check("http"), "lb.cdn.example.test.");
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->target_name, "lb.cdn.example.test.");
  EXPECT_EQ(s->port, 80);
  EXPECT_TRUE(probe_spec_from_check(check("http"), "192.0.2.1")->target_name.empty());
  // Without the dot it is neither an address nor a target name.
  EXPECT_THAT(error_of(check("http"), "lb.cdn.example.test"), HasSubstr("bad address"));
}

TEST(ProbeSpecFromCheck, DefaultPortsPerType) {
  EXPECT_EQ(probe_spec_from_check(check("https"), "192.0.2.1")->port, 443);
  EXPECT_EQ(probe_spec_from_check(check("dns"), "192.0.2.1")->port, 53);
  auto icmp = check("icmp");
  icmp.port = 80;  // meaningless for icmp: dropped
  EXPECT_EQ(probe_spec_from_check(icmp, "192.0.2.1")->port, 0);
}

TEST(ProbeSpecFromCheck, CopiesColumns) {
  auto c = check("https");
  c.port = 8443;
  c.path = "/healthz";
  c.host = "www.example.test";
  c.expect_status = "200,204";
  c.expect_body = "ok";
  c.timeout_ms = 1500;
  auto s = probe_spec_from_check(c, "2001:db8::1");
  ASSERT_TRUE(s) << s.error();
  EXPECT_TRUE(s->address.is_v6());
  EXPECT_EQ(s->port, 8443);
  EXPECT_EQ(s->path, "/healthz");
  EXPECT_EQ(s->host, "www.example.test");
  EXPECT_THAT(s->expect_status, ElementsAre(200, 204));
  EXPECT_EQ(s->expect_body, "ok");
  EXPECT_EQ(s->timeout, 1500ms);
}

TEST(ProbeSpecFromCheck, ExpectStatusTakesRangesAndSpaces) {
  auto c = check("http");
  c.expect_status = " 200-202, 304 ,204";
  auto s = probe_spec_from_check(c, "192.0.2.1");
  ASSERT_TRUE(s) << s.error();
  EXPECT_THAT(s->expect_status, ElementsAre(200, 201, 202, 204, 304));
}

TEST(ProbeSpecFromCheck, BadExpectStatusIsAnError) {
  for (const char* bad : {"abc", "200,", "99", "600", "300-200", "200-", "2OO", "200;204"}) {
    auto c = check("http");
    c.expect_status = bad;
    EXPECT_THAT(error_of(c), HasSubstr("healthd/check 'web': bad expect_status")) << bad;
  }
}

TEST(ProbeSpecFromCheck, HttpOptions) {
  auto s = probe_spec_from_check(
      check("http", R"({"load_header":"X-Load","load_json_field":"load"})"), "192.0.2.1");
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->load_header, "X-Load");
  EXPECT_EQ(s->load_json_field, "load");
}

TEST(ProbeSpecFromCheck, VerifyTlsOption) {
  auto s = probe_spec_from_check(check("https", R"({"verify_tls":false})"), "192.0.2.1");
  ASSERT_TRUE(s) << s.error();
  EXPECT_FALSE(s->verify_tls);
  EXPECT_THAT(error_of(check("https", R"({"verify_tls":"no"})")),
              HasSubstr("option 'verify_tls' must be true or false"));
}

TEST(ProbeSpecFromCheck, DnsDefaultsAndOptions) {
  auto d = probe_spec_from_check(check("dns"), "192.0.2.1");
  ASSERT_TRUE(d) << d.error();
  EXPECT_EQ(d->dns_qname, "");  // the probe asks "."
  EXPECT_EQ(d->dns_qtype, "SOA");
  EXPECT_EQ(d->dns_expect_rcode, "NOERROR");
  EXPECT_EQ(d->dns_expect_answer, "");
  EXPECT_FALSE(d->dns_recurse);

  auto s = probe_spec_from_check(
      check("dns", R"({"dns_qname":"www.example.test.","dns_qtype":"aaaa",)"
                   R"("dns_rcode":"nxdomain","dns_answer":"2001:db8::1","dns_recurse":true})"),
      "192.0.2.1");
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->dns_qname, "www.example.test.");
  EXPECT_EQ(s->dns_qtype, "aaaa");
  EXPECT_EQ(s->dns_expect_rcode, "nxdomain");
  EXPECT_EQ(s->dns_expect_answer, "2001:db8::1");
  EXPECT_TRUE(s->dns_recurse);
}

TEST(ProbeSpecFromCheck, BadDnsOptionValuesAreErrors) {
  EXPECT_THAT(error_of(check("dns", R"({"dns_qtype":"BOGUS"})")),
              HasSubstr("option 'dns_qtype': unknown type 'BOGUS'"));
  EXPECT_THAT(error_of(check("dns", R"({"dns_rcode":"MAYBE"})")),
              HasSubstr("option 'dns_rcode': unknown rcode 'MAYBE'"));
  EXPECT_THAT(error_of(check("dns", R"({"dns_qname":"a..b"})")),
              HasSubstr("option 'dns_qname': bad name"));
  EXPECT_THAT(error_of(check("dns", R"({"dns_answer":""})")),
              HasSubstr("option 'dns_answer' must not be empty"));
  EXPECT_THAT(error_of(check("dns", R"({"dns_qname":5})")),
              HasSubstr("option 'dns_qname' must be a string"));
}

TEST(ProbeSpecFromCheck, UnknownOptionKeyIsNamed) {
  EXPECT_EQ(error_of(check("http", R"({"load_header":"X","verify_tsl":false})")),
            "healthd/check 'web': unknown option 'verify_tsl'");
}

TEST(ProbeSpecFromCheck, OptionForAnotherTypeIsAnError) {
  EXPECT_EQ(error_of(check("http", R"({"verify_tls":false})")),
            "healthd/check 'web': option 'verify_tls' does not apply to http checks");
  auto tcp = check("tcp", R"({"dns_qname":"x."})");
  tcp.port = 22;
  EXPECT_THAT(error_of(tcp), HasSubstr("option 'dns_qname' does not apply to tcp checks"));
}

TEST(ProbeSpecFromCheck, OptionsJsonMustBeAnObject) {
  EXPECT_THAT(error_of(check("http", "{")), HasSubstr("options_json is not valid JSON"));
  EXPECT_THAT(error_of(check("http", "[]")), HasSubstr("options_json is not a JSON object"));
  EXPECT_TRUE(probe_spec_from_check(check("http", ""), "192.0.2.1"));
}

TEST(ProbeSpecFromCheck, RowErrors) {
  EXPECT_EQ(error_of(check("smtp")), "healthd/check 'web': unknown type 'smtp'");
  EXPECT_EQ(error_of(check("http"), "not-an-ip"), "healthd/check 'web': bad address 'not-an-ip'");
  EXPECT_EQ(error_of(check("tcp")), "healthd/check 'web': tcp checks need a port");
  auto c = check("tcp");
  c.port = 70000;
  EXPECT_THAT(error_of(c), HasSubstr("port 70000 out of range"));
  c = check("http");
  c.timeout_ms = 0;
  EXPECT_THAT(error_of(c), HasSubstr("timeout_ms must be positive"));
  c = check("http");
  c.path = "health";
  EXPECT_THAT(error_of(c), HasSubstr("path must start with '/'"));
  c.path = "/a b";
  EXPECT_THAT(error_of(c), HasSubstr("path must not contain spaces or controls"));
  c.path = "/\r\nX-Injected: 1";
  EXPECT_THAT(error_of(c), HasSubstr("path must not contain spaces or controls"));
  c = check("https");
  c.host = "www.example.test\r\n";
  EXPECT_THAT(error_of(c), HasSubstr("host must not contain spaces or controls"));
}

TEST(ProbeSpecFromCheck, DnsMnemonics) {
  EXPECT_EQ(dns_type_from_name("A"), 1);
  EXPECT_EQ(dns_type_from_name("aaaa"), 28);
  EXPECT_EQ(dns_type_from_name("TYPE65280"), 65280);
  EXPECT_EQ(dns_type_from_name("NOPE"), std::nullopt);
  EXPECT_EQ(dns_rcode_from_name("ServFail"), 2u);
  EXPECT_EQ(dns_rcode_name(3), "NXDOMAIN");
  EXPECT_EQ(dns_rcode_name(12), "RCODE12");
}

}  // namespace
}  // namespace gslb
