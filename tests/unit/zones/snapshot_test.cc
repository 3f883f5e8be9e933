// build_snapshot and Snapshot::lookup, without the wire: what the builder rejects, how it indexes
// names (case, empty non-terminals, cuts, additional targets) and what plan lookup() makes.
// End-to-end behaviour on the wire is in server/query_engine_test.cc.
#include "zones/model/snapshot.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/testing/zone_builder.h"
#include "zones/model/snapshot_builder.h"

namespace gslb {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::OwnedQName;
using testing::zone;

constexpr const char* kSoa =
    "example.test. 3600 IN SOA ns1.example.test. hostmaster.example.test. 1 7200 3600 1209600 300";
constexpr const char* kNs = "example.test. 3600 IN NS ns1.example.test.";
constexpr const char* kDs =
    "12345 13 2 3490a6806d47f17a34c29e2ce80e8a999ffbe4bee0d3cc51a8b02b30e7f8e8ac";

ZoneData example_zone() {
  static const std::string ds = std::string("deleg.example.test. 3600 IN DS ") + kDs;
  return zone("example.test.",
              {
                  kSoa,
                  "example.test. 3600 IN NS NS1.Example.TEST.",
                  "example.test. 3600 IN MX 10 host.deleg.example.test.",
                  "example.test. 3600 IN MX 20 mail.example.test.",
                  "ns1.example.test. 3600 IN A 192.0.2.53",
                  "mail.example.test. 3600 IN A 192.0.2.25",
                  "mail.example.test. 3600 IN AAAA 2001:db8::25",
                  "WWW.Example.TEST. 600 IN A 192.0.2.1",
                  "www.example.test. 300 IN A 192.0.2.2",
                  "www.example.test. 300 IN A 192.0.2.2",
                  "a.b.c.example.test. 3600 IN A 192.0.2.3",
                  "deleg.example.test. 3600 IN NS ns.deleg.example.test.",
                  ds,
                  "ns.deleg.example.test. 3600 IN A 192.0.2.200",
                  "host.deleg.example.test. 3600 IN A 192.0.2.201",
                  "inner.deleg.example.test. 3600 IN NS ns.inner.deleg.example.test.",
                  "alias.example.test. 3600 IN CNAME WWW.example.test.",
                  "*.wild.example.test. 3600 IN A 192.0.2.99",
              });
}

std::shared_ptr<const Snapshot> build(const std::vector<ZoneData>& zones) {
  auto s = build_snapshot(zones);
  if (!s) {
    ADD_FAILURE() << s.error();
    return nullptr;
  }
  return *s;
}

std::string type_name(uint16_t t) {
  switch (t) {
    case rrtype::A:
      return "A";
    case rrtype::NS:
      return "NS";
    case rrtype::CNAME:
      return "CNAME";
    case rrtype::SOA:
      return "SOA";
    case rrtype::MX:
      return "MX";
    case rrtype::AAAA:
      return "AAAA";
    case rrtype::DS:
      return "DS";
    default:
      return "TYPE" + std::to_string(t);
  }
}

// The plan, one line per entry: "answer <qname> A x1", "authority example.test. SOA x1"...
std::vector<std::string> plan(const Answer& a) {
  std::vector<std::string> out;
  for (size_t i = 0; i < a.count; ++i) {
    const AnswerEntry& e = a.entries[i];
    const char* section = e.section == Section::kAnswer      ? "answer"
                          : e.section == Section::kAuthority ? "authority"
                                                             : "additional";
    std::string owner = e.owner == nullptr
                            ? "<qname>"
                            : name_to_text(std::string_view(reinterpret_cast<const char*>(e.owner),
                                                            kMaxNameLength));
    out.push_back(std::string(section) + " " + owner + " " + type_name(e.rrset->type) + " x" +
                  std::to_string(e.rrset->rdatas.size()) + (e.required ? "" : " optional"));
  }
  return out;
}

class SnapshotLookup : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { snap_ = build({example_zone()}); }
  static void TearDownTestSuite() { snap_.reset(); }

  Answer look(std::string_view name, uint16_t qtype, bool full_any = false) {
    OwnedQName q(name);
    Answer a;
    snap_->lookup(q.get(), qtype, full_any, a);
    return a;
  }
  static std::shared_ptr<const Snapshot> snap_;
};
std::shared_ptr<const Snapshot> SnapshotLookup::snap_;

// ---------------------------------------------------------------------------------------------
// The builder.

TEST(BuildSnapshot, RejectsZoneWithoutApexNs) {
  auto s = build_snapshot({zone("example.test.", {kSoa})});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error(), "example.test.zone: zone example.test. has no NS records at its apex");
}

TEST(BuildSnapshot, RejectsSoaBelowTheApex) {
  auto s = build_snapshot({zone(
      "example.test.",
      {kSoa, kNs, "sub.example.test. 3600 IN SOA ns1.example.test. h.example.test. 1 1 1 1 1"})});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error(),
            "rr3: SOA record at sub.example.test. is not at the zone apex example.test.");
}

TEST(BuildSnapshot, RejectsCnameAtTheApex) {
  auto s = build_snapshot(
      {zone("example.test.", {kSoa, kNs, "example.test. 3600 IN CNAME other.test."})});
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error(), HasSubstr("CNAME"));
}

TEST(BuildSnapshot, RejectsSecondCnameAtOneName) {
  auto s =
      build_snapshot({zone("example.test.", {kSoa, kNs, "a.example.test. 3600 IN CNAME b.test.",
                                             "a.example.test. 3600 IN CNAME c.test."})});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error(), "rr4: second CNAME record at a.example.test.");
}

TEST(BuildSnapshot, RejectsOwnerThatOnlySharesCharacters) {
  auto s =
      build_snapshot({zone("example.test.", {kSoa, kNs, "badexample.test. 3600 IN A 192.0.2.1"})});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error(), "rr3: badexample.test. is outside zone example.test.");
}

TEST(BuildSnapshot, RejectsTheSameZoneTwice) {
  auto s = build_snapshot({example_zone(), example_zone()});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error(), "example.test.zone: zone example.test. is loaded twice");
}

TEST(BuildSnapshot, RejectsTheSameZoneTwiceInAnotherCase) {
  ZoneData upper = zone("EXAMPLE.test.",
                        {"EXAMPLE.test. 3600 IN SOA ns1.example.test. h.example.test. 1 1 1 1 1",
                         "EXAMPLE.test. 3600 IN NS ns1.example.test."});
  auto s = build_snapshot({example_zone(), upper});
  EXPECT_FALSE(s.ok());
}

TEST(BuildSnapshot, EmptyListGivesEmptySnapshot) {
  auto s = build_snapshot({});
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ((*s)->zone_count(), 0u);
  OwnedQName q("www.example.test.");
  Answer a;
  (*s)->lookup(q.get(), rrtype::A, false, a);
  EXPECT_EQ(a.rcode, static_cast<uint8_t>(Rcode::kRefused));
}

TEST(BuildSnapshot, NegativeTtlIsMinOfSoaTtlAndMinimum) {
  // RFC 2308 s5: min(SOA TTL, MINIMUM), whichever is smaller.
  auto low_minimum = build({zone("a.test.", {"a.test. 3600 IN SOA ns.a.test. h.a.test. 1 2 3 4 300",
                                             "a.test. 3600 IN NS ns.a.test."})});
  auto low_ttl = build({zone("b.test.", {"b.test. 60 IN SOA ns.b.test. h.b.test. 1 2 3 4 900",
                                         "b.test. 60 IN NS ns.b.test."})});
  ASSERT_TRUE(low_minimum && low_ttl);
  const Zone& a = *low_minimum->zones()[0];
  const Zone& b = *low_ttl->zones()[0];
  EXPECT_EQ(a.negative_ttl, 300u);
  EXPECT_EQ(a.negative_soa.ttl, 300u);
  EXPECT_EQ(a.soa->ttl, 3600u);  // the SOA itself keeps its TTL
  EXPECT_EQ(b.negative_ttl, 60u);
  EXPECT_EQ(b.negative_soa.ttl, 60u);
}

TEST(BuildSnapshot, DuplicatesCollapseAndTheRRsetTakesTheSmallestTtl) {
  auto s = build({example_zone()});
  ASSERT_TRUE(s);
  const Zone& z = *s->zones()[0];
  const Node* www = z.find(testing::record("www.example.test. 1 IN A 192.0.2.1").owner);
  ASSERT_NE(www, nullptr);
  const RRset* a = www->find(rrtype::A);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->rdatas.size(), 2u);  // .1 and .2; the repeated .2 is dropped (RFC 2181 s5)
  EXPECT_EQ(a->ttl, 300u);          // RFC 2181 s5.2
}

TEST(BuildSnapshot, OwnersAndRdataNamesAreLowercased) {
  auto s = build({example_zone()});
  ASSERT_TRUE(s);
  const Zone& z = *s->zones()[0];
  const Node* alias = z.find(testing::record("alias.example.test. 1 IN A 192.0.2.1").owner);
  ASSERT_NE(alias, nullptr);
  EXPECT_EQ(alias->find(rrtype::CNAME)->rdatas[0],
            testing::record("x. 1 IN NS www.example.test.").rdata);
}

TEST(BuildSnapshot, EmptyNonTerminalsBecomeNodes) {
  auto s = build({example_zone()});
  ASSERT_TRUE(s);
  const Zone& z = *s->zones()[0];
  for (const char* name : {"b.c.example.test.", "c.example.test.", "wild.example.test."}) {
    const Node* n = z.find(testing::record(std::string(name) + " 1 IN A 192.0.2.1").owner);
    ASSERT_NE(n, nullptr) << name;
    EXPECT_TRUE(n->rrsets.empty()) << name;
  }
}

TEST(BuildSnapshot, MarksCutsAndTheTopmostCutAbove) {
  auto s = build({example_zone()});
  ASSERT_TRUE(s);
  const Zone& z = *s->zones()[0];
  auto node = [&](const char* name) {
    return z.find(testing::record(std::string(name) + " 1 IN A 192.0.2.1").owner);
  };
  const Node* deleg = node("deleg.example.test.");
  ASSERT_NE(deleg, nullptr);
  EXPECT_TRUE(deleg->is_cut);
  EXPECT_EQ(deleg->cut, deleg);
  EXPECT_FALSE(z.apex->is_cut);
  EXPECT_EQ(z.apex->cut, nullptr);
  EXPECT_EQ(node("ns.deleg.example.test.")->cut, deleg);
  EXPECT_TRUE(node("inner.deleg.example.test.")->is_cut);
  EXPECT_EQ(node("inner.deleg.example.test.")->cut, deleg);  // the topmost cut wins
  EXPECT_EQ(node("www.example.test.")->cut, nullptr);
}

// ---------------------------------------------------------------------------------------------
// lookup()

TEST(SnapshotFindZone, PicksTheLongestSuffix) {
  auto s =
      build({example_zone(),
             zone("sub.example.test.",
                  {"sub.example.test. 60 IN SOA ns.sub.example.test. h.sub.example.test. 1 2 3 4 5",
                   "sub.example.test. 60 IN NS ns.sub.example.test."})});
  ASSERT_TRUE(s);
  auto origin_of = [&](const char* name) -> std::string {
    const Zone* z = s->find_zone(OwnedQName(name).get());
    return z == nullptr ? "none" : name_to_text(z->origin);
  };
  EXPECT_EQ(origin_of("www.sub.example.test."), "sub.example.test.");
  EXPECT_EQ(origin_of("SUB.example.test."), "sub.example.test.");
  EXPECT_EQ(origin_of("www.example.test."), "example.test.");
  EXPECT_EQ(origin_of("example.test."), "example.test.");
  EXPECT_EQ(origin_of("xsub.example.test."), "example.test.");
  EXPECT_EQ(origin_of("test."), "none");
  EXPECT_EQ(origin_of("badexample.test."), "none");
  EXPECT_EQ(origin_of("."), "none");
}

TEST_F(SnapshotLookup, ExactMatchIsAnAuthoritativeAnswer) {
  Answer a = look("www.example.test.", rrtype::A);
  EXPECT_EQ(a.rcode, 0);
  EXPECT_TRUE(a.authoritative);
  EXPECT_THAT(plan(a), ElementsAre("answer <qname> A x2"));
}

TEST_F(SnapshotLookup, MatchIsCaseInsensitive) {
  Answer a = look("WwW.EXAMPLE.test.", rrtype::A);
  EXPECT_THAT(plan(a), ElementsAre("answer <qname> A x2"));
}

TEST_F(SnapshotLookup, OutsideEveryZoneIsRefused) {
  Answer a = look("www.example.net.", rrtype::A);
  EXPECT_EQ(a.rcode, static_cast<uint8_t>(Rcode::kRefused));
  EXPECT_FALSE(a.authoritative);
  EXPECT_EQ(a.count, 0u);
  EXPECT_EQ(a.zone, nullptr);
}

TEST_F(SnapshotLookup, NoDataCarriesTheNegativeSoa) {
  Answer a = look("www.example.test.", rrtype::MX);
  EXPECT_EQ(a.rcode, 0);
  EXPECT_TRUE(a.authoritative);
  ASSERT_THAT(plan(a), ElementsAre("authority example.test. SOA x1"));
  EXPECT_EQ(a.entries[0].rrset->ttl, 300u);
}

TEST_F(SnapshotLookup, MissingNameIsNxDomainWithSoa) {
  Answer a = look("nope.example.test.", rrtype::A);
  EXPECT_EQ(a.rcode, static_cast<uint8_t>(Rcode::kNxDomain));
  EXPECT_THAT(plan(a), ElementsAre("authority example.test. SOA x1"));
}

TEST_F(SnapshotLookup, EmptyNonTerminalIsNoDataNotNxDomain) {
  for (uint16_t t : {rrtype::A, rrtype::ANY}) {
    Answer a = look("c.example.test.", t);
    EXPECT_EQ(a.rcode, 0) << t;
    EXPECT_THAT(plan(a), ElementsAre("authority example.test. SOA x1")) << t;
  }
}

TEST_F(SnapshotLookup, MxAnswerAddsOptionalInZoneAddressesButNoGlue) {
  // host.deleg is below a cut: only a referral may carry it (it is glue, not authoritative).
  Answer a = look("example.test.", rrtype::MX);
  EXPECT_THAT(plan(a),
              ElementsAre("answer <qname> MX x2", "additional mail.example.test. A x1 optional",
                          "additional mail.example.test. AAAA x1 optional"));
}

TEST_F(SnapshotLookup, NsAnswerAddsAddressesOfMixedCaseTargets) {
  Answer a = look("example.test.", rrtype::NS);
  EXPECT_THAT(plan(a),
              ElementsAre("answer <qname> NS x1", "additional ns1.example.test. A x1 optional"));
}

TEST_F(SnapshotLookup, BelowACutIsAReferralWithRequiredGlue) {
  for (const char* name :
       {"deleg.example.test.", "host.deleg.example.test.", "ns.deleg.example.test.",
        "x.inner.deleg.example.test.", "nothing.deleg.example.test."}) {
    Answer a = look(name, rrtype::A);
    EXPECT_EQ(a.rcode, 0) << name;
    EXPECT_FALSE(a.authoritative) << name;
    EXPECT_THAT(plan(a), ElementsAre("authority deleg.example.test. NS x1",
                                     "additional ns.deleg.example.test. A x1"))
        << name;
  }
}

TEST_F(SnapshotLookup, DsAtTheCutIsAnsweredFromTheParent) {
  Answer a = look("deleg.example.test.", rrtype::DS);
  EXPECT_EQ(a.rcode, 0);
  EXPECT_TRUE(a.authoritative);
  EXPECT_THAT(plan(a), ElementsAre("answer <qname> DS x1"));
}

TEST_F(SnapshotLookup, DsBelowTheCutIsAReferral) {
  Answer a = look("inner.deleg.example.test.", rrtype::DS);
  EXPECT_FALSE(a.authoritative);
  EXPECT_THAT(plan(a), ElementsAre("authority deleg.example.test. NS x1",
                                   "additional ns.deleg.example.test. A x1"));
}

TEST_F(SnapshotLookup, CnameIsFollowedWithTheTargetAsOwner) {
  Answer a = look("alias.example.test.", rrtype::A);
  EXPECT_TRUE(a.authoritative);
  EXPECT_THAT(plan(a), ElementsAre("answer <qname> CNAME x1", "answer www.example.test. A x2"));
}

TEST_F(SnapshotLookup, WildcardAnswerIsOwnedByTheQueryName) {
  Answer a = look("anything.wild.example.test.", rrtype::A);
  EXPECT_EQ(a.rcode, 0);
  EXPECT_THAT(plan(a), ElementsAre("answer <qname> A x1"));
}

TEST_F(SnapshotLookup, AnyIsOneRRsetUnlessFull) {
  EXPECT_THAT(plan(look("example.test.", rrtype::ANY)), ElementsAre("answer <qname> SOA x1"));
  EXPECT_THAT(plan(look("example.test.", rrtype::ANY, /*full_any=*/true)),
              ElementsAre("answer <qname> SOA x1", "answer <qname> NS x1", "answer <qname> MX x2"));
}

}  // namespace
}  // namespace gslb
