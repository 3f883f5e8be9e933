// QueryEngine::answer end to end: query packets in, responses out, and every response parsed by
// ldns (the independent oracle for our hand-written codec) before any assertion. Zones come from
// tests/unit/data/example.test.zone and its child sub.example.test.zone.
#include "server/query_engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <ldns/ldns.h>

#include <memory>
#include <string>
#include <vector>

#include "server/wire/response.h"
#include "tests/unit/testing/ldns_response.h"
#include "tests/unit/testing/packet_builder.h"
#include "tests/unit/testing/zone_builder.h"
#include "zones/model/snapshot_builder.h"
#include "zones/zonefile/zone_file.h"

namespace gslb {
namespace {

using testing::Bytes;
using testing::ecs_option;
using testing::edns_option;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::LdnsResponse;
using testing::make_query;
using testing::PacketBuilder;
using ::testing::Pair;
using testing::QuerySpec;
namespace flag = testing::flag;

constexpr uint16_t kTypeDs = rrtype::DS, kTypeTxt = rrtype::TXT, kClassCh = rrclass::kCh;
constexpr const char* kSoaRdata =
    "ns1.example.test. hostmaster.example.test. 2024010101 7200 3600 1209600 300";
constexpr const char* kDsRdata =
    "12345 13 2 3490a6806d47f17a34c29e2ce80e8a999ffbe4bee0d3cc51a8b02b30e7f8e8ac";

std::shared_ptr<const Snapshot> load(std::initializer_list<const char*> files) {
  std::vector<ZoneData> zones;
  for (const char* f : files) {
    auto z = load_zone_file(std::string(GSLBD_TEST_DATA) + "/" + f);
    if (!z) {
      ADD_FAILURE() << z.error();
      return nullptr;
    }
    zones.push_back(std::move(*z));
  }
  auto s = build_snapshot(zones);
  if (!s) {
    ADD_FAILURE() << s.error();
    return nullptr;
  }
  return *s;
}

std::string negative_soa(uint32_t ttl = 300) {
  return "example.test. " + std::to_string(ttl) + " SOA " + kSoaRdata;
}

class QueryEngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    parent_ = load({"example.test.zone"});
    both_ = load({"example.test.zone", "sub.example.test.zone"});
  }
  static void TearDownTestSuite() {
    parent_.reset();
    both_.reset();
  }
  void SetUp() override { ASSERT_TRUE(parent_ && both_) << "test zones do not load"; }

  // The raw response (empty when dropped). The buffer is dirtied first, as a reused worker
  // buffer would be, so stale bytes cannot pass for written ones.
  Bytes raw(const Bytes& query, Transport t = Transport::kUdp, const Snapshot* snap = nullptr) {
    std::vector<uint8_t> out(65535, 0xA5);
    QueryEngine engine(config_);
    size_t n = engine.answer(snap ? *snap : *parent_, t, query.data(), query.size(), out.data(),
                             out.size());
    out.resize(n);
    return out;
  }

  // The response parsed by ldns; a response ldns rejects fails the test. Also checks the
  // header invariants of every answer: QR set, ID echoed, RA clear.
  LdnsResponse ask_packet(const Bytes& query, Transport t = Transport::kUdp,
                          const Snapshot* snap = nullptr) {
    Bytes r = raw(query, t, snap);
    last_size_ = r.size();
    LdnsResponse p(r);
    if (p.ok()) {
      EXPECT_TRUE(p.qr());
      EXPECT_EQ(p.id(), static_cast<uint16_t>(query[0] << 8 | query[1]));
      EXPECT_FALSE(p.ra());
    }
    return p;
  }
  LdnsResponse ask(const QuerySpec& spec, Transport t = Transport::kUdp,
                   const Snapshot* snap = nullptr) {
    return ask_packet(make_query(spec), t, snap);
  }

  static std::shared_ptr<const Snapshot> parent_;  // example.test. only
  static std::shared_ptr<const Snapshot> both_;    // example.test. and sub.example.test.
  EngineConfig config_;
  size_t last_size_ = 0;
};
std::shared_ptr<const Snapshot> QueryEngineTest::parent_;
std::shared_ptr<const Snapshot> QueryEngineTest::both_;

// ---------------------------------------------------------------------------------------------
// Header and question.

TEST_F(QueryEngineTest, ExactMatchIsAnAuthoritativeAnswer) {
  auto r = ask({.qname = "www.example.test."});
  EXPECT_EQ(r.rcode(), LDNS_RCODE_NOERROR);
  EXPECT_TRUE(r.aa());
  EXPECT_FALSE(r.tc());
  EXPECT_THAT(r.question(), ElementsAre("www.example.test. A"));
  EXPECT_THAT(r.answer(), ElementsAre("www.example.test. 3600 A 192.0.2.1"));
  EXPECT_EQ(r.nscount(), 0u);
  EXPECT_EQ(r.arcount(), 0u);
  EXPECT_FALSE(r.edns());
}

TEST_F(QueryEngineTest, QuestionAndOwnerKeepTheClientsCase) {
  auto r = ask({.qname = "WwW.ExAmPlE.TEST.", .qtype = rrtype::AAAA});
  EXPECT_THAT(r.question(), ElementsAre("WwW.ExAmPlE.TEST. AAAA"));
  EXPECT_THAT(r.answer(), ElementsAre("WwW.ExAmPlE.TEST. 3600 AAAA 2001:db8::1"));
}

TEST_F(QueryEngineTest, HeaderEchoesIdRdAndCd) {
  auto r = ask({.id = 0xA1B2, .rd = false, .cd = true});
  EXPECT_FALSE(r.rd());
  EXPECT_TRUE(r.cd());
  EXPECT_EQ(r.opcode(), LDNS_PACKET_QUERY);
  auto r2 = ask({.id = 0x0001, .rd = true, .cd = false});
  EXPECT_TRUE(r2.rd());
  EXPECT_FALSE(r2.cd());
}

TEST_F(QueryEngineTest, QueryBuiltByLdnsIsAnswered) {
  // An independent encoder for the request too: ldns builds it, we answer, ldns parses.
  ldns_pkt* q = nullptr;
  ASSERT_EQ(ldns_pkt_query_new_frm_str(&q, "mail.example.test.", LDNS_RR_TYPE_AAAA,
                                       LDNS_RR_CLASS_IN, LDNS_RD),
            LDNS_STATUS_OK);
  ldns_pkt_set_id(q, 4242);
  ldns_pkt_set_edns_udp_size(q, 4096);
  ldns_pkt_set_edns_do(q, true);
  uint8_t* wire = nullptr;
  size_t size = 0;
  ASSERT_EQ(ldns_pkt2wire(&wire, q, &size), LDNS_STATUS_OK);
  Bytes query(wire, wire + size);
  free(wire);
  ldns_pkt_free(q);
  auto r = ask_packet(query);
  EXPECT_EQ(r.id(), 4242);
  EXPECT_TRUE(r.aa());
  EXPECT_THAT(r.answer(), ElementsAre("mail.example.test. 3600 AAAA 2001:db8::25"));
  EXPECT_TRUE(r.edns());
  EXPECT_TRUE(r.edns_do());
}

TEST_F(QueryEngineTest, ResponsesAndRuntsAreDropped) {
  Bytes response = make_query({});
  response[2] |= 0x80;
  EXPECT_TRUE(raw(response).empty());
  EXPECT_TRUE(raw(Bytes(11, 0)).empty());
  EXPECT_TRUE(raw(Bytes{}).empty());
}

// ---------------------------------------------------------------------------------------------
// Negative answers.

TEST_F(QueryEngineTest, NoDataCarriesSoaWithMinOfTtlAndMinimum) {
  auto r = ask({.qname = "www.example.test.", .qtype = rrtype::MX});
  EXPECT_EQ(r.rcode(), LDNS_RCODE_NOERROR);
  EXPECT_TRUE(r.aa());
  EXPECT_THAT(r.answer(), IsEmpty());
  EXPECT_THAT(r.authority(), ElementsAre(negative_soa(300)));  // min(3600, 300)
}

TEST_F(QueryEngineTest, NxDomainCarriesSoa) {
  auto r = ask({.qname = "nope.example.test."});
  EXPECT_EQ(r.rcode(), LDNS_RCODE_NXDOMAIN);
  EXPECT_TRUE(r.aa());
  EXPECT_THAT(r.answer(), IsEmpty());
  EXPECT_THAT(r.authority(), ElementsAre(negative_soa(300)));
}

TEST_F(QueryEngineTest, NegativeTtlIsTheSoaTtlWhenSmallerThanMinimum) {
  auto r = ask({.qname = "nope.sub.example.test."}, Transport::kUdp, both_.get());
  EXPECT_EQ(r.rcode(), LDNS_RCODE_NXDOMAIN);
  EXPECT_THAT(
      r.authority(),
      ElementsAre("sub.example.test. 60 SOA ns1.sub.example.test. hostmaster.sub.example.test. "
                  "1 7200 3600 1209600 900"));  // min(60, 900)
}

TEST_F(QueryEngineTest, SoaQueryKeepsTheSoaTtl) {
  auto r = ask({.qname = "example.test.", .qtype = rrtype::SOA});
  EXPECT_THAT(r.answer(), ElementsAre(std::string("example.test. 3600 SOA ") + kSoaRdata));
}

TEST_F(QueryEngineTest, OutOfZoneIsRefused) {
  for (const char* name : {"www.example.net.", "test.", "badexample.test.", "."}) {
    auto r = ask({.qname = name});
    EXPECT_EQ(r.rcode(), LDNS_RCODE_REFUSED) << name;
    EXPECT_FALSE(r.aa()) << name;
    EXPECT_EQ(r.ancount() + r.nscount() + r.arcount(), 0u) << name;
    EXPECT_EQ(r.qdcount(), 1u) << name;
  }
}

TEST_F(QueryEngineTest, RefusedAnswerToAnEdnsQueryKeepsTheOpt) {
  auto r = ask({.qname = "www.example.net.", .edns = true, .dnssec_ok = true});
  EXPECT_EQ(r.rcode(), LDNS_RCODE_REFUSED);
  EXPECT_TRUE(r.edns());
  EXPECT_TRUE(r.edns_do());
}

TEST_F(QueryEngineTest, ApexNsAnswerCarriesInZoneAddresses) {
  auto r = ask({.qname = "example.test.", .qtype = rrtype::NS});
  EXPECT_TRUE(r.aa());
  EXPECT_THAT(r.answer(), ElementsAre("example.test. 3600 NS ns1.example.test.",
                                      "example.test. 3600 NS ns2.example.test."));
  EXPECT_THAT(r.additional(), ElementsAre("ns1.example.test. 3600 A 192.0.2.53",
                                          "ns2.example.test. 3600 AAAA 2001:db8::53"));
}

TEST_F(QueryEngineTest, UnknownQtypeIsNoData) {
  // RFC 8906 s3.1.3: unknown types get an answer (NODATA), never silence.
  auto r = ask({.qname = "www.example.test.", .qtype = 999});
  EXPECT_EQ(r.rcode(), LDNS_RCODE_NOERROR);
  EXPECT_TRUE(r.aa());
  EXPECT_THAT(r.answer(), IsEmpty());
  EXPECT_THAT(r.authority(), ElementsAre(negative_soa()));
}

TEST_F(QueryEngineTest, Rfc3597TypeIsServedVerbatim) {
  auto r = ask({.qname = "opaque.example.test.", .qtype = 65280});
  EXPECT_TRUE(r.aa());
  ASSERT_EQ(r.ancount(), 1u);
  std::unique_ptr<ldns_rr_list, void (*)(ldns_rr_list*)> an(r.rrs(LDNS_SECTION_ANSWER),
                                                            ldns_rr_list_deep_free);
  const ldns_rr* rr = ldns_rr_list_rr(an.get(), 0);
  EXPECT_EQ(ldns_rr_get_type(rr), 65280);
  ASSERT_EQ(ldns_rr_rd_count(rr), 1u);
  const ldns_rdf* d = ldns_rr_rdf(rr, 0);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(ldns_rdf_data(d)), ldns_rdf_size(d)),
            std::string("\x0a\x00\x00\x01", 4));
}

// ---------------------------------------------------------------------------------------------
// Zones and delegations.

TEST_F(QueryEngineTest, LongestSuffixZoneAnswers) {
  auto r = ask({.qname = "www.sub.example.test."}, Transport::kUdp, both_.get());
  EXPECT_TRUE(r.aa());
  EXPECT_THAT(r.answer(), ElementsAre("www.sub.example.test. 600 A 192.0.2.211"));
  auto apex =
      ask({.qname = "sub.example.test.", .qtype = rrtype::NS}, Transport::kUdp, both_.get());
  EXPECT_TRUE(apex.aa());
  EXPECT_THAT(apex.answer(), ElementsAre("sub.example.test. 600 NS ns1.sub.example.test."));
}

TEST_F(QueryEngineTest, ReferralHasNsAuthorityAndGlueAndNoAa) {
  auto r = ask({.qname = "host.deleg.example.test."});
  EXPECT_EQ(r.rcode(), LDNS_RCODE_NOERROR);
  EXPECT_FALSE(r.aa());  // RFC 1034 s4.3.1: referrals are not authoritative
  EXPECT_THAT(r.answer(), IsEmpty());
  EXPECT_THAT(r.authority(), ElementsAre("deleg.example.test. 3600 NS ns.deleg.example.test.",
                                         "deleg.example.test. 3600 NS ns.example.net."));
  EXPECT_THAT(r.additional(), ElementsAre("ns.deleg.example.test. 3600 A 192.0.2.200"));
}

TEST_F(QueryEngineTest, ChildNamesAreReferredWhenOnlyTheParentIsLoaded) {
  auto r = ask({.qname = "www.sub.example.test."});
  EXPECT_FALSE(r.aa());
  EXPECT_THAT(r.authority(), ElementsAre("sub.example.test. 3600 NS ns1.sub.example.test."));
  EXPECT_THAT(r.additional(), ElementsAre("ns1.sub.example.test. 3600 A 192.0.2.210"));
}

TEST_F(QueryEngineTest, GlueNameAndCutItselfAreReferred) {
  for (const char* name : {"ns.deleg.example.test.", "deleg.example.test."}) {
    for (uint16_t t : {rrtype::A, rrtype::NS, rrtype::ANY}) {
      auto r = ask({.qname = name, .qtype = t});
      EXPECT_FALSE(r.aa()) << name << " " << t;
      EXPECT_THAT(r.answer(), IsEmpty()) << name << " " << t;
      EXPECT_EQ(r.nscount(), 2u) << name << " " << t;
      EXPECT_EQ(r.arcount(), 1u) << name << " " << t;
    }
  }
}

TEST_F(QueryEngineTest, DsAtACutIsAnsweredFromTheParentSide) {
  // RFC 4035 s3.1.4.1: DS lives on the parent side of the cut.
  auto r = ask({.qname = "deleg.example.test.", .qtype = kTypeDs});
  EXPECT_EQ(r.rcode(), LDNS_RCODE_NOERROR);
  EXPECT_TRUE(r.aa());
  EXPECT_THAT(r.answer(), ElementsAre(std::string("deleg.example.test. 3600 DS ") + kDsRdata));
}

TEST_F(QueryEngineTest, DsAtChildApexIsAnsweredFromTheParentWhenBothAreLoaded) {
  // RFC 4035 s3.1.4.1: a server authoritative for both sides answers DS from the parent zone;
  // the child zone has no DS at its apex.
  auto r = ask({.qname = "sub.example.test.", .qtype = kTypeDs}, Transport::kUdp, both_.get());
  EXPECT_EQ(r.rcode(), LDNS_RCODE_NOERROR);
  EXPECT_TRUE(r.aa());
  EXPECT_THAT(r.answer(), ElementsAre(std::string("sub.example.test. 3600 DS ") + kDsRdata));
}

// ---------------------------------------------------------------------------------------------
// CNAME and wildcards.

TEST_F(QueryEngineTest, CnameChainIsChasedInZone) {
  auto r = ask({.qname = "chain.example.test."});
  EXPECT_EQ(r.rcode(), LDNS_RCODE_NOERROR);
  EXPECT_TRUE(r.aa());
  EXPECT_THAT(r.answer(), ElementsAre("chain.example.test. 3600 CNAME alias.example.test.",
                                      "alias.example.test. 3600 CNAME www.example.test.",
                                      "www.example.test. 3600 A 192.0.2.1"));
}

TEST_F(QueryEngineTest, CnameQueryGetsTheCnameOnly) {
  auto r = ask({.qname = "chain.example.test.", .qtype = rrtype::CNAME});
  EXPECT_THAT(r.answer(), ElementsAre("chain.example.test. 3600 CNAME alias.example.test."));
}

TEST_F(QueryEngineTest, CnameOutOfZoneIsNotChased) {
  auto r = ask({.qname = "away.example.test."});
  EXPECT_EQ(r.rcode(), LDNS_RCODE_NOERROR);
  EXPECT_TRUE(r.aa());
  EXPECT_THAT(r.answer(), ElementsAre("away.example.test. 3600 CNAME www.example.net."));
  EXPECT_EQ(r.nscount(), 0u);
}

TEST_F(QueryEngineTest, CnameLoopTerminates) {
  auto r = ask({.qname = "loop1.example.test."});
  EXPECT_EQ(r.rcode(), LDNS_RCODE_NOERROR);
  EXPECT_THAT(r.answer(), ElementsAre("loop1.example.test. 3600 CNAME loop2.example.test.",
                                      "loop2.example.test. 3600 CNAME loop1.example.test."));
}

TEST_F(QueryEngineTest, CnameToMissingNameIsNxDomainWithTheChain) {
  // RFC 6604 s3: the rcode is that of the last name in the chain.
  auto r = ask({.qname = "dangling.example.test."});
  EXPECT_EQ(r.rcode(), LDNS_RCODE_NXDOMAIN);
  EXPECT_TRUE(r.aa());
  EXPECT_THAT(r.answer(), ElementsAre("dangling.example.test. 3600 CNAME missing.example.test."));
  EXPECT_THAT(r.authority(), ElementsAre(negative_soa()));
}

TEST_F(QueryEngineTest, CnameIntoADelegationGivesTheCnameAndAReferral) {
  auto r = ask({.qname = "todeleg.example.test."});
  EXPECT_THAT(r.answer(), ElementsAre("todeleg.example.test. 3600 CNAME host.deleg.example.test."));
  EXPECT_EQ(r.nscount(), 2u);
  EXPECT_THAT(r.additional(), ElementsAre("ns.deleg.example.test. 3600 A 192.0.2.200"));
}

TEST_F(QueryEngineTest, WildcardIsSynthesizedWithTheQueryNameAsOwner) {
  auto r = ask({.qname = "Foo.wild.example.test."});
  EXPECT_EQ(r.rcode(), LDNS_RCODE_NOERROR);
  EXPECT_TRUE(r.aa());
  EXPECT_THAT(r.answer(), ElementsAre("Foo.wild.example.test. 3600 A 192.0.2.99"));
  auto deep = ask({.qname = "a.b.c.wild.example.test.", .qtype = kTypeTxt});
  EXPECT_THAT(deep.answer(), ElementsAre("a.b.c.wild.example.test. 3600 TXT \"wildcard\""));
}

TEST_F(QueryEngineTest, WildcardWithoutTheTypeIsNoData) {
  auto r = ask({.qname = "foo.wild.example.test.", .qtype = rrtype::AAAA});
  EXPECT_EQ(r.rcode(), LDNS_RCODE_NOERROR);
  EXPECT_THAT(r.answer(), IsEmpty());
  EXPECT_THAT(r.authority(), ElementsAre(negative_soa()));
}

TEST_F(QueryEngineTest, CnameTargetMatchedByAWildcardIsSynthesized) {
  auto r = ask({.qname = "wildcname.example.test."});
  EXPECT_THAT(r.answer(), ElementsAre("wildcname.example.test. 3600 CNAME a.wild.example.test.",
                                      "a.wild.example.test. 3600 A 192.0.2.99"));
}

TEST_F(QueryEngineTest, EmptyNonTerminalBlocksTheWildcardAndGivesNoData) {
  // y.wild exists (x.y.wild is below it), so *.wild does not apply to it (RFC 4592 s2.2.2).
  auto r = ask({.qname = "y.wild.example.test."});
  EXPECT_EQ(r.rcode(), LDNS_RCODE_NOERROR);
  EXPECT_TRUE(r.aa());
  EXPECT_THAT(r.answer(), IsEmpty());
  EXPECT_THAT(r.authority(), ElementsAre(negative_soa()));
  // Below the empty non-terminal the closest encloser is y.wild, which has no wildcard.
  auto below = ask({.qname = "z.y.wild.example.test."});
  EXPECT_EQ(below.rcode(), LDNS_RCODE_NXDOMAIN);
}

// ---------------------------------------------------------------------------------------------
// Query types and classes.

TEST_F(QueryEngineTest, AnyIsMinimalOverUdpAndFullOverTcp) {
  // RFC 8482 s4.2: one RRset is a complete answer to ANY.
  auto udp = ask({.qname = "www.example.test.", .qtype = rrtype::ANY});
  EXPECT_TRUE(udp.aa());
  EXPECT_THAT(udp.answer(), ElementsAre("www.example.test. 3600 A 192.0.2.1"));
  auto tcp = ask({.qname = "www.example.test.", .qtype = rrtype::ANY}, Transport::kTcp);
  EXPECT_THAT(tcp.answer(), ElementsAre("www.example.test. 3600 A 192.0.2.1",
                                        "www.example.test. 3600 AAAA 2001:db8::1"));
}

TEST_F(QueryEngineTest, AxfrAndIxfrAreRefused) {
  for (uint16_t t : {rrtype::AXFR, rrtype::IXFR}) {
    for (Transport tr : {Transport::kUdp, Transport::kTcp}) {
      auto r = ask({.qname = "example.test.", .qtype = t}, tr);
      EXPECT_EQ(r.rcode(), LDNS_RCODE_REFUSED) << t;
      EXPECT_EQ(r.ancount() + r.nscount(), 0u) << t;
    }
  }
}

TEST_F(QueryEngineTest, OtherMetaTypesAreNotImp) {
  for (uint16_t t : {128, 249, 250, 253, 254}) {
    auto r = ask({.qname = "example.test.", .qtype = t});
    EXPECT_EQ(r.rcode(), LDNS_RCODE_NOTIMPL) << t;
  }
}

TEST_F(QueryEngineTest, OptAsQtypeIsFormErr) {
  auto r = ask({.qname = "example.test.", .qtype = rrtype::OPT});
  EXPECT_EQ(r.rcode(), LDNS_RCODE_FORMERR);
}

TEST_F(QueryEngineTest, UnknownClassIsRefusedAndClassAnyIsServed) {
  auto hs = ask({.qname = "www.example.test.", .qclass = 4});
  EXPECT_EQ(hs.rcode(), LDNS_RCODE_REFUSED);
  auto any = ask({.qname = "www.example.test.", .qclass = 255});
  EXPECT_EQ(any.rcode(), LDNS_RCODE_NOERROR);
  EXPECT_THAT(any.answer(), ElementsAre("www.example.test. 3600 A 192.0.2.1"));
  EXPECT_EQ(any.rr_class(LDNS_SECTION_ANSWER), LDNS_RR_CLASS_IN);
}

TEST_F(QueryEngineTest, ChaosIdServerAnswersTheIdentity) {
  config_.identity = "ns1.gslb.test";
  for (const char* name : {"id.server.", "ID.SERVER.", "hostname.bind.", "version.bind."}) {
    auto r = ask({.qname = name, .qtype = kTypeTxt, .qclass = kClassCh});
    EXPECT_EQ(r.rcode(), LDNS_RCODE_NOERROR) << name;
    EXPECT_TRUE(r.aa()) << name;
    EXPECT_THAT(r.answer(), ElementsAre(std::string(name) + " 0 TXT \"ns1.gslb.test\"")) << name;
    EXPECT_EQ(r.rr_class(LDNS_SECTION_ANSWER), kClassCh) << name;
  }
}

TEST_F(QueryEngineTest, ChaosLongIdentityIsSplitIntoStrings) {
  config_.identity = std::string(300, 'x');
  auto r = ask({.qname = "id.server.", .qtype = kTypeTxt, .qclass = kClassCh});
  EXPECT_THAT(r.answer(), ElementsAre("id.server. 0 TXT \"" + std::string(255, 'x') + "\" \"" +
                                      std::string(45, 'x') + "\""));
}

TEST_F(QueryEngineTest, ChaosIsRefusedWithoutIdentityOrForOtherNames) {
  auto none = ask({.qname = "id.server.", .qtype = kTypeTxt, .qclass = kClassCh});
  EXPECT_EQ(none.rcode(), LDNS_RCODE_REFUSED);
  EXPECT_EQ(none.ancount(), 0u);
  config_.identity = "ns1.gslb.test";
  auto other = ask({.qname = "authors.bind.", .qtype = kTypeTxt, .qclass = kClassCh});
  EXPECT_EQ(other.rcode(), LDNS_RCODE_REFUSED);
  auto type_a = ask({.qname = "id.server.", .qtype = rrtype::A, .qclass = kClassCh});
  EXPECT_EQ(type_a.rcode(), LDNS_RCODE_REFUSED);
}

// ---------------------------------------------------------------------------------------------
// EDNS.

TEST_F(QueryEngineTest, EdnsQueryGetsOptWithOurSizeAndDo) {
  auto r = ask({.edns = true, .udp_size = 4096, .dnssec_ok = true});
  EXPECT_TRUE(r.edns());
  EXPECT_EQ(r.edns_udp_size(), 1232);
  EXPECT_EQ(r.edns_version(), 0);
  EXPECT_TRUE(r.edns_do());
  EXPECT_THAT(r.edns_options(), IsEmpty());
  auto no_do = ask({.edns = true});
  EXPECT_FALSE(no_do.edns_do());
}

TEST_F(QueryEngineTest, UnsupportedEdnsVersionIsBadVers) {
  // RFC 6891 s6.1.3: BADVERS is 16, its upper bits in the OPT's extended rcode.
  auto r = ask({.edns = true, .version = 1});
  EXPECT_EQ(r.rcode(), 16);
  EXPECT_TRUE(r.edns());
  EXPECT_EQ(r.edns_version(), 0);
  EXPECT_EQ(r.ancount() + r.nscount(), 0u);
  EXPECT_FALSE(r.aa());
}

TEST_F(QueryEngineTest, NsidIsSentWhenAskedAndConfigured) {
  config_.nsid = "node-7";
  auto r = ask({.edns = true, .options = edns_option(opt_code::kNsid, "")});
  EXPECT_THAT(r.edns_options(), ElementsAre(Pair(opt_code::kNsid, "node-7")));
  auto not_asked = ask({.edns = true});
  EXPECT_THAT(not_asked.edns_options(), IsEmpty());
  config_.nsid.clear();
  auto not_configured = ask({.edns = true, .options = edns_option(opt_code::kNsid, "")});
  EXPECT_THAT(not_configured.edns_options(), IsEmpty());
}

TEST_F(QueryEngineTest, EcsIsEchoedWithScopeZero) {
  // RFC 7871 s7.2.1: family, source prefix and address echoed; scope 0 for static answers.
  auto r = ask({.edns = true, .options = ecs_option(1, 24, 0, {198, 51, 100})});
  EXPECT_THAT(r.edns_options(),
              ElementsAre(Pair(opt_code::kEcs, std::string("\x00\x01\x18\x00\xc6\x33\x64", 7))));
  auto v6 = ask({.edns = true, .options = ecs_option(2, 56, 0, {0x20, 1, 0xd, 0xb8, 1, 2, 3})});
  EXPECT_THAT(v6.edns_options(),
              ElementsAre(Pair(opt_code::kEcs,
                               std::string("\x00\x02\x38\x00\x20\x01\x0d\xb8\x01\x02\x03", 11))));
}

TEST_F(QueryEngineTest, NsidAndEcsTogether) {
  config_.nsid = "n";
  auto r =
      ask({.edns = true, .options = ecs_option(1, 0, 0, {}) + edns_option(opt_code::kNsid, "")});
  EXPECT_THAT(r.edns_options(),
              ElementsAre(Pair(opt_code::kNsid, "n"),
                          Pair(opt_code::kEcs, std::string("\x00\x01\x00\x00", 4))));
}

TEST_F(QueryEngineTest, MalformedOptIsFormErrWithoutOpt) {
  // RFC 6891 s7: no OPT in the answer to a malformed OPT.
  auto r = ask({.edns = true, .options = ecs_option(1, 24, 0, {10, 1})});
  EXPECT_EQ(r.rcode(), LDNS_RCODE_FORMERR);
  EXPECT_FALSE(r.edns());
  EXPECT_THAT(r.question(), ElementsAre("www.example.test. A"));
  EXPECT_FALSE(r.aa());
}

TEST_F(QueryEngineTest, FormErrWithoutQuestionHasNoQuestion) {
  auto r = ask_packet(PacketBuilder().header(0x7777, flag::kRd, 0, 0, 0, 0).bytes());
  EXPECT_EQ(r.rcode(), LDNS_RCODE_FORMERR);
  EXPECT_EQ(r.qdcount(), 0u);
  EXPECT_TRUE(r.rd());
}

TEST_F(QueryEngineTest, OtherOpcodeIsNotImpAndEchoed) {
  PacketBuilder b;
  b.header(0x4444, flag::opcode(4), 1, 0, 0, 0).question("example.test.", rrtype::SOA);
  auto r = ask_packet(b.bytes());
  EXPECT_EQ(r.rcode(), LDNS_RCODE_NOTIMPL);
  EXPECT_EQ(r.opcode(), LDNS_PACKET_NOTIFY);
  EXPECT_THAT(r.question(), ElementsAre("example.test. SOA"));
}

// ISC genreport "opcodeflg": opcode 15, header only, every flag set. NOTIMP carries QR, the
// opcode and the rcode; RD and CD belong to QUERY and are not echoed, nor is anything else.
TEST_F(QueryEngineTest, NotImpEchoesNoFlagOfTheRejectedOpcode) {
  constexpr uint16_t kEveryFlag = 0x07F0;  // AA TC RD RA Z AD CD
  for (uint8_t op : {1, 2, 3, 4, 5, 6, 15}) {
    Bytes r = raw(PacketBuilder().header(0x5150, flag::opcode(op) | kEveryFlag, 0, 0, 0, 0).bytes(),
                  Transport::kUdp, nullptr);
    ASSERT_EQ(r.size(), 12u) << int{op};
    EXPECT_EQ(r[2], 0x80 | op << 3) << int{op};
    EXPECT_EQ(r[3], LDNS_RCODE_NOTIMPL) << int{op};
  }
}

TEST_F(QueryEngineTest, NotImpWithAQuestionClearsRdAndCd) {
  PacketBuilder b;
  b.header(0x5151, flag::opcode(15) | flag::kRd | flag::kCd, 1, 0, 0, 0)
      .question("example.test.", rrtype::SOA);
  auto r = ask_packet(b.bytes());
  EXPECT_EQ(r.rcode(), LDNS_RCODE_NOTIMPL);
  EXPECT_EQ(r.opcode(), 15);
  EXPECT_FALSE(r.rd());
  EXPECT_FALSE(r.cd());
  EXPECT_THAT(r.question(), ElementsAre("example.test. SOA"));
}

TEST_F(QueryEngineTest, NotImpToARequestWithOptCarriesOne) {
  PacketBuilder b;
  b.header(0x5153, flag::opcode(5), 1, 0, 0, 1)
      .question("example.test.", rrtype::SOA)
      .opt(1232, ecs_option(1, 24, 0, {198, 51, 100}), 0, true);
  auto r = ask_packet(b.bytes());
  EXPECT_EQ(r.rcode(), LDNS_RCODE_NOTIMPL);
  EXPECT_TRUE(r.edns());
  EXPECT_EQ(r.opcode(), LDNS_PACKET_UPDATE);
  EXPECT_EQ(raw(b.bytes())[11], 1);  // ARCOUNT: the OPT (ldns counts it apart)
}

TEST_F(QueryEngineTest, QueryStillEchoesRdAndCd) {
  PacketBuilder b;
  b.header(0x5152, flag::kRd | flag::kCd, 1, 0, 0, 0).question("www.example.test.", rrtype::A);
  auto r = ask_packet(b.bytes());
  EXPECT_EQ(r.rcode(), LDNS_RCODE_NOERROR);
  EXPECT_TRUE(r.rd());
  EXPECT_TRUE(r.cd());
}

// ---------------------------------------------------------------------------------------------
// Size limits and truncation.

TEST_F(QueryEngineTest, BigRRsetOverUdpWithoutEdnsIsTruncatedAndEmpty) {
  auto r = ask({.qname = "big.example.test.", .qtype = kTypeTxt});
  EXPECT_LE(last_size_, 512u);
  EXPECT_TRUE(r.tc());
  EXPECT_TRUE(r.aa());
  EXPECT_EQ(r.ancount() + r.nscount() + r.arcount(), 0u);  // RFC 2181 s9: no partial RRset
  EXPECT_THAT(r.question(), ElementsAre("big.example.test. TXT"));
}

TEST_F(QueryEngineTest, BigRRsetOverTcpIsWhole) {
  auto r = ask({.qname = "big.example.test.", .qtype = kTypeTxt}, Transport::kTcp);
  EXPECT_FALSE(r.tc());
  EXPECT_EQ(r.ancount(), 12u);
  EXPECT_GT(last_size_, 2400u);
}

TEST_F(QueryEngineTest, EdnsLimitIsTheSmallerOfClientsAndOurs) {
  // mid: three 200-octet TXT records, about 700 octets.
  auto plain = ask({.qname = "mid.example.test.", .qtype = kTypeTxt});
  EXPECT_TRUE(plain.tc());
  auto edns =
      ask({.qname = "mid.example.test.", .qtype = kTypeTxt, .edns = true, .udp_size = 1232});
  EXPECT_FALSE(edns.tc());
  EXPECT_EQ(edns.ancount(), 3u);
  auto small_client =
      ask({.qname = "mid.example.test.", .qtype = kTypeTxt, .edns = true, .udp_size = 600});
  EXPECT_TRUE(small_client.tc());
  EXPECT_LE(last_size_, 600u);
  EXPECT_TRUE(small_client.edns());  // the OPT survives truncation
  // The client accepts 4096, we send at most 1232: big (about 2.6 kB) is truncated.
  auto big = ask({.qname = "big.example.test.", .qtype = kTypeTxt, .edns = true, .udp_size = 4096});
  EXPECT_TRUE(big.tc());
  EXPECT_LE(last_size_, 1232u);
  EXPECT_TRUE(big.edns());
}

TEST_F(QueryEngineTest, ConfiguredPayloadCapsUdp) {
  config_.max_udp_payload = 4096;
  auto big = ask({.qname = "big.example.test.", .qtype = kTypeTxt, .edns = true, .udp_size = 4096});
  EXPECT_FALSE(big.tc());
  EXPECT_EQ(big.ancount(), 12u);
  EXPECT_EQ(big.edns_udp_size(), 4096);
}

TEST_F(QueryEngineTest, TcpIgnoresTheUdpLimit) {
  auto r = ask({.qname = "big.example.test.", .qtype = kTypeTxt, .edns = true, .udp_size = 512},
               Transport::kTcp);
  EXPECT_FALSE(r.tc());
  EXPECT_EQ(r.ancount(), 12u);
}

// ---------------------------------------------------------------------------------------------
// Compression, on exact sizes.

TEST_F(QueryEngineTest, ReferralIsCompressed) {
  // 12 header + 29 question (host.deleg.example.test. is 25 octets)
  // + NS deleg -> ns.deleg: owner pointer 2 + 10 + "ns"+pointer 5          = 17
  // + NS deleg -> ns.example.net.: pointer 2 + 10 + 16 (nothing to share)  = 28
  // + glue ns.deleg A: pointer 2 + 10 + 4                                  = 16   => 102
  auto r = ask({.qname = "host.deleg.example.test."});
  ASSERT_EQ(r.nscount(), 2u);
  EXPECT_EQ(last_size_, 102u);
  size_t uncompressed = 12 + 25 + 4;
  for (ldns_pkt_section s : {LDNS_SECTION_AUTHORITY, LDNS_SECTION_ADDITIONAL}) {
    std::unique_ptr<ldns_rr_list, void (*)(ldns_rr_list*)> l(r.rrs(s), ldns_rr_list_deep_free);
    for (size_t i = 0; i < ldns_rr_list_rr_count(l.get()); ++i)
      uncompressed += ldns_rr_uncompressed_size(ldns_rr_list_rr(l.get(), i));
  }
  EXPECT_LT(last_size_, uncompressed);
}

TEST_F(QueryEngineTest, MxAnswerIsCompressed) {
  // 12 + 18 question; MX 10 mail: 2 + 10 + 2 + 7 = 21; MX 20 mail2.example.net.: 2 + 10 + 2 + 19
  // = 33; mail A: 2 + 10 + 4 = 16; mail AAAA: 2 + 10 + 16 = 28  => 128
  auto r = ask({.qname = "example.test.", .qtype = rrtype::MX});
  EXPECT_THAT(r.answer(), ElementsAre("example.test. 3600 MX 10 mail.example.test.",
                                      "example.test. 3600 MX 20 mail2.example.net."));
  EXPECT_THAT(r.additional(), ElementsAre("mail.example.test. 3600 A 192.0.2.25",
                                          "mail.example.test. 3600 AAAA 2001:db8::25"));
  EXPECT_EQ(last_size_, 128u);
}

TEST_F(QueryEngineTest, SrvTargetIsNotCompressed) {
  // RFC 2782 / RFC 3597 s4: only RFC 1035 types may have compressed rdata names.
  Bytes wire = raw(make_query({.qname = "srv.example.test.", .qtype = rrtype::SRV}));
  LdnsResponse r(wire);
  EXPECT_THAT(r.answer(), ElementsAre("srv.example.test. 3600 SRV 0 5 443 www.example.test."));
  const std::string full(
      "\x03www\x07"
      "example\x04test\x00",
      18);
  EXPECT_NE(std::string(wire.begin(), wire.end()).find(full), std::string::npos);
}

// render_response on its own, with capacities the engine never uses, to reach the edge where
// only part of the plan fits.
class RenderEdge : public QueryEngineTest {
 protected:
  size_t render(const QuerySpec& spec, size_t capacity, Bytes& out) {
    request_ = make_query(spec);
    EXPECT_EQ(parse_query(request_.data(), request_.size(), q_), ParseOutcome::kOk);
    parent_->lookup(q_.name(), q_.qtype, false, answer_);
    out.assign(capacity, 0xA5);
    return render_response(q_, request_.data(), answer_, rrclass::kIn,
                           static_cast<Rcode>(answer_.rcode), EdnsReply{}, out.data(), capacity);
  }
  Bytes request_;
  Query q_;
  Answer answer_;
};

TEST_F(RenderEdge, OptionalAdditionalThatDoesNotFitIsLeftOutWithoutTc) {
  Bytes out;
  // Room for the 84-octet MX answer and the 16-octet A, not the 28-octet AAAA.
  size_t n = render({.qname = "example.test.", .qtype = rrtype::MX}, 100, out);
  out.resize(n);
  LdnsResponse r(out);
  EXPECT_FALSE(r.tc());
  EXPECT_EQ(r.ancount(), 2u);
  EXPECT_THAT(r.additional(), ElementsAre("mail.example.test. 3600 A 192.0.2.25"));
}

TEST_F(RenderEdge, RequiredGlueThatDoesNotFitTruncates) {
  // RFC 9471: a referral without its in-domain glue is truncated. 86 octets hold the NS RRset.
  Bytes out;
  size_t n = render({.qname = "host.deleg.example.test."}, 95, out);
  out.resize(n);
  LdnsResponse r(out);
  EXPECT_TRUE(r.tc());
  EXPECT_EQ(r.ancount() + r.nscount() + r.arcount(), 0u);
  EXPECT_EQ(r.qdcount(), 1u);
}

TEST_F(RenderEdge, NoRoomForTheQuestionMeansNoResponse) {
  Bytes out;
  EXPECT_EQ(render({.qname = "host.deleg.example.test."}, 20, out), 0u);
}

// 30 MX records with distinct two-label targets (nothing to compress) make a 700-octet answer;
// over UDP without EDNS it is truncated at 512. Query names of 23 lengths move the cut across
// every octet of one 23-octet record, so in some of them it falls inside a target name. The
// 512-octet buffer holds stale bytes (0xFE: a compression pointer far outside it), as a reused
// worker buffer does. Exits 0 when every response is a truncated one.
void answer_mx_truncated_inside_names() {
  std::vector<std::string> lines = {
      "example.test. 3600 IN SOA ns1.example.test. h.example.test. 1 7200 3600 1209600 300",
      "example.test. 3600 IN NS ns1.example.test."};
  for (int i = 10; i < 40; ++i)
    lines.push_back("*.example.test. 3600 IN MX 10 m" + std::to_string(i) + ".t" +
                    std::to_string(i) + ".");
  ZoneData z;
  z.origin = testing::wire_name("example.test.");
  z.source = "mx";
  for (const std::string& l : lines) z.records.push_back(testing::record(l));
  auto snap = build_snapshot({z});
  if (!snap) std::exit(2);
  EngineConfig config;
  QueryEngine engine(config);
  for (int pad = 1; pad <= 23; ++pad) {
    Bytes q = make_query({.qname = std::string(static_cast<size_t>(pad), 'a') + ".example.test.",
                          .qtype = rrtype::MX});
    std::vector<uint8_t> out(512, 0xFE);
    size_t n = engine.answer(**snap, Transport::kUdp, q.data(), q.size(), out.data(), out.size());
    if (n == 0 || (out[2] & 0x02) == 0) std::exit(3);
  }
  std::exit(0);
}

// In a child process: what it guards against is a wild read or an endless pointer walk inside
// the writer, which would take the whole test binary down.
TEST(QueryEngineDeathTest, TruncationInsideANameReadsNoStaleBytes) {
  EXPECT_EXIT(answer_mx_truncated_inside_names(), ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace gslb
