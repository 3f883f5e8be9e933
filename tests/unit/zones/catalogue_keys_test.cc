// The document validator learns check options and policy keys from the plug-in catalogue: an
// unknown or misplaced key is refused at its JSON path with the keys that are allowed, a bad
// value with the key's own rule, and a service stores its policy's keys with their defaults.
#include <gtest/gtest.h>

#include <string>

#include "zones/base/keys.h"
#include "zones/config/config_desired.h"

namespace gslb::config {
namespace {

ObjectContext context() {
  ObjectContext c;
  c.zones = {"gslb.test."};
  c.checks = {"web"};
  return c;
}

template <typename T>
std::string error_of(const Result<T>& r) {
  EXPECT_FALSE(r.ok()) << "accepted";
  return r.ok() ? std::string() : r.error();
}

std::string check_error(const std::string& type, const std::string& options) {
  return error_of(parse_check_object(
      R"({"name": "c", "type": ")" + type + R"(", "port": 8080, "options": )" + options + "}",
      context()));
}

TEST(CatalogueCheckOptions, AKeyOfAnotherTypeIsNamedAsSuch) {
  // The issue's own example: "tls" is nobody's option, verify_tls is https's only.
  EXPECT_EQ(check_error("http", R"({"tls": false})"),
            "options.tls: unknown option (http checks take load_header, load_json_field)");
  EXPECT_EQ(check_error("http", R"({"verify_tls": false})"),
            "options.verify_tls: an option of https checks, not http (http checks take "
            "load_header, load_json_field)");
}

TEST(CatalogueCheckOptions, AMisspeltDnsOptionListsTheAllowedKeys) {
  EXPECT_EQ(check_error("dns", R"({"dns_rcod": "NXDOMAIN"})"),
            "options.dns_rcod: unknown option (dns checks take dns_qname, dns_qtype, dns_rcode, "
            "dns_answer, dns_recurse)");
}

TEST(CatalogueCheckOptions, ValuesAreCheckedByTheProbesOwnRules) {
  EXPECT_EQ(check_error("dns", R"({"dns_rcode": "MAYBE"})"),
            "options.dns_rcode: unknown rcode 'MAYBE'");
  EXPECT_EQ(check_error("dns", R"({"dns_recurse": "yes"})"),
            "options.dns_recurse: must be true or false");
  EXPECT_EQ(check_error("https", R"({"load_header": ""})"),
            "options.load_header: must not be empty");
  EXPECT_EQ(check_error("http", R"({"load_header": ["a"]})"),
            "options.load_header: expected a boolean, number or string");
  // Every problem, not just the first.
  EXPECT_EQ(check_error("dns", R"({"dns_qtype": "BOGUS", "nope": 1})"),
            "options.nope: unknown option (dns checks take dns_qname, dns_qtype, dns_rcode, "
            "dns_answer, dns_recurse)\noptions.dns_qtype: unknown type 'BOGUS'");
}

TEST(CatalogueCheckOptions, AValidSetIsKeptAsGiven) {
  auto c = parse_check_object(
      R"({"name": "c", "type": "dns", "options": {"dns_qname": "gslb.test.", "dns_qtype": "A"}})",
      context());
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->options_json, R"({"dns_qname":"gslb.test.","dns_qtype":"A"})");
}

TEST(CatalogueCheckTypes, TheTypeListAndPortRuleComeFromTheCatalogue) {
  EXPECT_EQ(error_of(parse_check_object(R"({"name": "c", "type": "smtp"})", context())),
            "type: unknown check type \"smtp\" (icmp, tcp, http, https, dns)");
  EXPECT_EQ(error_of(parse_check_object(R"({"name": "c", "type": "tcp"})", context())),
            "port: a tcp check needs a port (1 to 65535)");
}

std::string service_error(const std::string& keys) {
  return error_of(parse_service_object(R"({"name": "app.gslb.test", )" + keys + "}", context()));
}

TEST(CataloguePolicyKeys, AKeyOfAnotherPolicyIsRefused) {
  EXPECT_EQ(service_error(R"("policy": "weighted", "rtt_tolerance_pct": 5)"),
            "rtt_tolerance_pct: a key of policy rtt, not weighted");
  // The default policy is weighted.
  EXPECT_EQ(service_error(R"("rtt_tolerance_us": 5)"),
            "rtt_tolerance_us: a key of policy rtt, not weighted");
}

TEST(CataloguePolicyKeys, ValuesAreCheckedByThePolicysOwnRules) {
  EXPECT_EQ(service_error(R"("policy": "rtt", "rtt_tolerance_pct": 1001)"),
            "rtt_tolerance_pct: must be 0 to 1000");
  EXPECT_EQ(service_error(R"("policy": "rtt", "rtt_tolerance_us": "5")"),
            "rtt_tolerance_us: must be an integer");
}

TEST(CataloguePolicyKeys, AServiceStoresEveryKeyOfItsPolicyWithDefaults) {
  auto s = parse_service_object(R"({"name": "app.gslb.test", "policy": "rtt",
                                    "rtt_tolerance_us": 250})",
                                context());
  ASSERT_TRUE(s.ok()) << s.error();
  const KeyValues want = {{"rtt_tolerance_pct", int64_t{10}}, {"rtt_tolerance_us", int64_t{250}}};
  EXPECT_EQ(s->row.policy_options, want);
  auto w = parse_service_object(R"({"name": "app.gslb.test", "policy": "weighted"})", context());
  ASSERT_TRUE(w.ok()) << w.error();
  EXPECT_TRUE(w->row.policy_options.empty());
}

// ---- the key vocabulary itself ----

const KeySpec kSpecs[] = {
    {.name = "count", .type = KeyType::kInteger, .fallback = int64_t{3}, .min = 1, .max = 9},
    {.name = "ratio", .type = KeyType::kNumber, .min = 0, .max = 1},
    {.name = "label", .type = KeyType::kString, .required = true},
};

TEST(ResolveKeys, DefaultsFillInAndUnsetKeysAreMarked) {
  ResolvedKeys r = resolve_keys({{"label", std::string("x")}}, kSpecs);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(key_integer(r.values[0]), 3);
  EXPECT_TRUE(r.is_set[0]);
  EXPECT_FALSE(r.is_set[1]);
  EXPECT_EQ(key_string(r.values[2]), "x");
}

TEST(ResolveKeys, EveryProblemIsListedWithItsKind) {
  ResolvedKeys r = resolve_keys({{"count", int64_t{10}}, {"ratio", std::string("a")}, {"x", true}},
                                kSpecs);
  ASSERT_EQ(r.problems.size(), 4u);
  EXPECT_EQ(r.problems[0].kind, KeyProblem::kUnknown);
  EXPECT_EQ(r.problems[0].key, "x");
  EXPECT_EQ(r.problems[1].kind, KeyProblem::kRange);
  EXPECT_EQ(r.problems[1].message, "must be 1 to 9");
  EXPECT_EQ(r.problems[2].kind, KeyProblem::kType);
  EXPECT_EQ(r.problems[3].kind, KeyProblem::kMissing);
  EXPECT_EQ(r.problems[3].key, "label");
}

TEST(ResolveKeys, AWholeNumberIsAnIntegerAndAnIntegerANumber) {
  ResolvedKeys r = resolve_keys(
      {{"count", 4.0}, {"ratio", int64_t{1}}, {"label", std::string("x")}}, kSpecs);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<int64_t>(r.values[0]), 4);
  EXPECT_EQ(std::get<double>(r.values[1]), 1.0);
  EXPECT_FALSE(resolve_keys({{"count", 4.5}, {"label", std::string("x")}}, kSpecs).ok());
}

}  // namespace
}  // namespace gslb::config
