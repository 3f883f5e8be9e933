// parse_query: every rung of the validation ladder as a table of packets, then what an accepted
// query yields (header bits, lowercase name and label index, EDNS fields).
#include "server/wire/query.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/testing/packet_builder.h"

namespace gslb {
namespace {

using testing::Bytes;
using testing::ecs_option;
using testing::edns_option;
using testing::make_query;
using testing::PacketBuilder;
using testing::QuerySpec;
namespace flag = testing::flag;

ParseOutcome parse(const Bytes& b, Query& q) {
  return parse_query(b.data(), b.size(), q);
}

// A query header for one question and `ar` additional records, then the usual question.
PacketBuilder query_with_additional(uint16_t ar) {
  PacketBuilder b;
  b.header(7, flag::kRd, 1, 0, 0, ar).question("www.example.test.", rrtype::A);
  return b;
}

Bytes with_opt(std::string_view options, uint16_t udp_size = 1232) {
  return query_with_additional(1).opt(udp_size, options).bytes();
}

// ---------------------------------------------------------------------------------------------
// The ladder: one packet per rung, named after the claim.

struct LadderCase {
  const char* name;
  Bytes packet;
  ParseOutcome expected;
};

std::vector<LadderCase> ladder_cases() {
  const Bytes good = make_query({});
  std::vector<LadderCase> c;
  auto add = [&](const char* name, Bytes b, ParseOutcome o) {
    c.push_back({name, std::move(b), o});
  };

  // Drop: nothing to answer, or something that must never be answered.
  add("EmptyPacketIsDropped", {}, ParseOutcome::kDrop);
  add("ElevenOctetsAreDropped", Bytes(good.begin(), good.begin() + 11), ParseOutcome::kDrop);
  {
    Bytes b = good;
    b[2] |= 0x80;  // QR=1
    add("ResponseIsDropped", b, ParseOutcome::kDrop);
  }
  add("ResponseWithoutQuestionIsDropped", PacketBuilder().header(1, flag::kQr, 0, 0, 0, 0).bytes(),
      ParseOutcome::kDrop);

  // FORMERR: the header or the question.
  add("BareHeaderIsFormErr", PacketBuilder().header(1, 0, 0, 0, 0, 0).bytes(),
      ParseOutcome::kFormErr);
  add("TwoQuestionsAreFormErr",
      PacketBuilder()
          .header(1, 0, 2, 0, 0, 0)
          .question("a.test.", 1)
          .question("b.test.", 1)
          .bytes(),
      ParseOutcome::kFormErr);
  add("QdcountOneWithoutQuestionIsFormErr", PacketBuilder().header(1, 0, 1, 0, 0, 0).bytes(),
      ParseOutcome::kFormErr);
  add("PointerInQuestionIsFormErr",
      PacketBuilder()
          .header(1, 0, 1, 0, 0, 0)
          .raw({3, 'w', 'w', 'w', 0xC0, 0x0C})
          .u16(1)
          .u16(1)
          .bytes(),
      ParseOutcome::kFormErr);
  add("QuestionNameOverrunIsFormErr",
      PacketBuilder().header(1, 0, 1, 0, 0, 0).raw({10, 'a', 'b', 'c'}).bytes(),
      ParseOutcome::kFormErr);
  add("QuestionNameWithoutRootIsFormErr",
      PacketBuilder().header(1, 0, 1, 0, 0, 0).raw({3, 'a', 'b', 'c'}).bytes(),
      ParseOutcome::kFormErr);
  add("QuestionWithoutClassIsFormErr",
      PacketBuilder().header(1, 0, 1, 0, 0, 0).name("www.example.test.").u16(1).bytes(),
      ParseOutcome::kFormErr);
  {
    PacketBuilder b;
    b.header(1, 0, 1, 0, 0, 0).u8(64).raw(std::string(64, 'a')).u8(0).u16(1).u16(1);
    add("Label64InQuestionIsFormErr", b.bytes(), ParseOutcome::kFormErr);
  }
  add("ExtendedLabelTypeInQuestionIsFormErr",
      PacketBuilder().header(1, 0, 1, 0, 0, 0).raw({0x41, 0, 0, 1, 0, 1}).bytes(),
      ParseOutcome::kFormErr);
  {
    // Four 63-octet labels: 4 * 64 + 1 = 257 octets.
    PacketBuilder b;
    b.header(1, 0, 1, 0, 0, 0);
    for (int i = 0; i < 4; ++i) b.u8(63).raw(std::string(63, 'a'));
    b.u8(0).u16(1).u16(1);
    add("Name257InQuestionIsFormErr", b.bytes(), ParseOutcome::kFormErr);
  }
  {
    // Three 63-octet labels and one 62: 3 * 64 + 63 + 1 = 256 octets, one too many.
    PacketBuilder b;
    b.header(1, 0, 1, 0, 0, 0);
    for (int i = 0; i < 3; ++i) b.u8(63).raw(std::string(63, 'a'));
    b.u8(62).raw(std::string(62, 'a')).u8(0).u16(1).u16(1);
    add("Name256InQuestionIsFormErr", b.bytes(), ParseOutcome::kFormErr);
  }
  {
    PacketBuilder b;
    b.header(1, 0, 1, 0, 0, 0);
    for (int i = 0; i < 3; ++i) b.u8(63).raw(std::string(63, 'a'));
    b.u8(61).raw(std::string(61, 'a')).u8(0).u16(1).u16(1);
    add("Name255InQuestionIsOk", b.bytes(), ParseOutcome::kOk);
  }
  add("AnswerRecordInQueryIsFormErr",
      PacketBuilder()
          .header(1, 0, 1, 1, 0, 0)
          .question("www.example.test.", 1)
          .raw({0xC0, 0x0C})
          .u16(1)
          .u16(1)
          .u32(60)
          .u16(4)
          .raw({192, 0, 2, 1})
          .bytes(),
      ParseOutcome::kFormErr);
  add("AuthorityRecordInQueryIsFormErr",
      PacketBuilder()
          .header(1, 0, 1, 0, 1, 0)
          .question("www.example.test.", 1)
          .raw({0xC0, 0x0C})
          .u16(1)
          .u16(1)
          .u32(60)
          .u16(4)
          .raw({192, 0, 2, 1})
          .bytes(),
      ParseOutcome::kFormErr);

  // FORMERR: the additional section.
  add("MissingAdditionalRecordIsFormErr", query_with_additional(1).bytes(), ParseOutcome::kFormErr);
  add("TruncatedAdditionalRecordIsFormErr", query_with_additional(1).u8(0).u16(41).u16(512).bytes(),
      ParseOutcome::kFormErr);
  add("AdditionalRdataOverrunIsFormErr",
      query_with_additional(1).u8(0).u16(1).u16(1).u32(0).u16(8).raw({1, 2, 3}).bytes(),
      ParseOutcome::kFormErr);
  add("CompressionLoopInAdditionalNameIsFormErr",
      // The owner is a pointer to itself (offset 34 = 12 + 18-octet name + 4).
      query_with_additional(1).raw({0xC0, 34}).u16(1).u16(1).u32(0).u16(0).bytes(),
      ParseOutcome::kFormErr);
  add("BackwardPointerLoopInAdditionalNameIsFormErr",
      // 34: label "a", then a pointer back to 34: every pointer points backwards, yet it loops.
      query_with_additional(1).raw({1, 'a', 0xC0, 34}).u16(1).u16(1).u32(0).u16(0).bytes(),
      ParseOutcome::kFormErr);
  add("ForwardPointerInAdditionalNameIsFormErr",
      query_with_additional(1).raw({0xC0, 40}).u16(1).u16(1).u32(0).u16(0).u8(0).bytes(),
      ParseOutcome::kFormErr);
  add("PointerToQuestionInAdditionalNameIsOk",
      query_with_additional(1)
          .raw({0xC0, 12})
          .u16(1)
          .u16(1)
          .u32(0)
          .u16(4)
          .raw({192, 0, 2, 1})
          .bytes(),
      ParseOutcome::kOk);
  add("Label64InAdditionalNameIsFormErr",
      query_with_additional(1)
          .u8(64)
          .raw(std::string(64, 'a'))
          .u8(0)
          .u16(1)
          .u16(1)
          .u32(0)
          .u16(0)
          .bytes(),
      ParseOutcome::kFormErr);
  add("TwoOptRecordsAreFormErr", query_with_additional(2).opt(1232).opt(1232).bytes(),
      ParseOutcome::kFormErr);
  add("OptWithNonRootOwnerIsFormErr",
      query_with_additional(1).raw({1, 'x', 0}).u16(41).u16(1232).u32(0).u16(0).bytes(),
      ParseOutcome::kFormErr);
  add("OptOwnedByPointerToQuestionIsFormErr",
      query_with_additional(1).raw({0xC0, 12}).u16(41).u16(1232).u32(0).u16(0).bytes(),
      ParseOutcome::kFormErr);
  add("OptionOverrunningOptRdataIsFormErr",
      with_opt(edns_option(opt_code::kNsid, "abcd").substr(0, 6)), ParseOutcome::kFormErr);
  add("OptionHeaderCutShortIsFormErr", with_opt(std::string("\x00\x03\x00", 3)),
      ParseOutcome::kFormErr);

  // FORMERR: EDNS Client Subnet (RFC 7871 s6).
  add("EcsShorterThanFourOctetsIsFormErr",
      with_opt(edns_option(opt_code::kEcs, std::string("\x00\x01\x00", 3))),
      ParseOutcome::kFormErr);
  add("EcsFamilyThreeIsFormErr", with_opt(ecs_option(3, 0, 0, {})), ParseOutcome::kFormErr);
  add("EcsFamilyZeroIsFormErr", with_opt(ecs_option(0, 0, 0, {})), ParseOutcome::kFormErr);
  add("EcsIpv4Prefix33IsFormErr", with_opt(ecs_option(1, 33, 0, {10, 0, 0, 0, 0})),
      ParseOutcome::kFormErr);
  add("EcsIpv6Prefix129IsFormErr",
      with_opt(ecs_option(2, 129, 0, {0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})),
      ParseOutcome::kFormErr);
  add("EcsAddressLongerThanPrefixIsFormErr", with_opt(ecs_option(1, 24, 0, {10, 1, 2, 0})),
      ParseOutcome::kFormErr);
  add("EcsAddressShorterThanPrefixIsFormErr", with_opt(ecs_option(1, 24, 0, {10, 1})),
      ParseOutcome::kFormErr);
  add("EcsBitsBeyondPrefixAreFormErr", with_opt(ecs_option(1, 23, 0, {10, 1, 3})),
      ParseOutcome::kFormErr);
  add("EcsIpv6BitsBeyondPrefixAreFormErr",
      with_opt(ecs_option(2, 57, 0, {0x20, 1, 0xd, 0xb8, 0, 0, 0, 0x40})), ParseOutcome::kFormErr);
  add("EcsScopeInQueryIsFormErr", with_opt(ecs_option(1, 24, 24, {10, 1, 2})),
      ParseOutcome::kFormErr);
  add("EcsIpv6ScopeInQueryIsFormErr", with_opt(ecs_option(2, 56, 1, {0x20, 1, 0xd, 0xb8, 0, 0, 0})),
      ParseOutcome::kFormErr);
  add("TwoEcsOptionsAreFormErr",
      with_opt(ecs_option(1, 24, 0, {10, 1, 2}) + ecs_option(1, 24, 0, {10, 1, 2})),
      ParseOutcome::kFormErr);

  // FORMERR: DNS Cookies (RFC 7873 s5.2.2).
  add("Cookie7OctetsIsFormErr", with_opt(edns_option(opt_code::kCookie, std::string(7, 'c'))),
      ParseOutcome::kFormErr);
  add("Cookie12OctetsIsFormErr", with_opt(edns_option(opt_code::kCookie, std::string(12, 'c'))),
      ParseOutcome::kFormErr);
  add("Cookie41OctetsIsFormErr", with_opt(edns_option(opt_code::kCookie, std::string(41, 'c'))),
      ParseOutcome::kFormErr);
  add("EmptyCookieIsFormErr", with_opt(edns_option(opt_code::kCookie, "")), ParseOutcome::kFormErr);
  add("TwoCookiesAreFormErr",
      with_opt(edns_option(opt_code::kCookie, std::string(8, 'c')) +
               edns_option(opt_code::kCookie, std::string(8, 'd'))),
      ParseOutcome::kFormErr);

  // NOTIMP: opcodes other than QUERY (RFC 1035 s4.1.1), before looking at the counts.
  {
    PacketBuilder b;
    b.header(1, flag::opcode(4), 1, 0, 0, 0).question("example.test.", rrtype::SOA);
    add("NotifyIsNotImp", b.bytes(), ParseOutcome::kNotImp);
  }
  add("StatusWithoutQuestionIsNotImp",
      PacketBuilder().header(1, flag::opcode(2), 0, 0, 0, 0).bytes(), ParseOutcome::kNotImp);
  {
    PacketBuilder b;
    b.header(1, flag::opcode(5), 1, 0, 1, 0).question("example.test.", rrtype::SOA);
    add("UpdateWithRecordsIsNotImp", b.bytes(), ParseOutcome::kNotImp);
  }

  // Accepted.
  add("PlainQueryIsOk", good, ParseOutcome::kOk);
  add("UnknownOptionIsIgnored", with_opt(edns_option(65001, "xyz")), ParseOutcome::kOk);
  add("EmptyOptIsOk", with_opt(""), ParseOutcome::kOk);
  add("TrailingBytesAfterQuestionAreIgnored",
      PacketBuilder().raw(std::string(good.begin(), good.end())).raw({0xde, 0xad}).bytes(),
      ParseOutcome::kOk);
  return c;
}

void PrintTo(const LadderCase& c, std::ostream* os) {
  *os << c.packet.size() << "-octet packet";
}

class ParseQueryLadder : public ::testing::TestWithParam<LadderCase> {};

TEST_P(ParseQueryLadder, GivesTheNamedOutcome) {
  Query q;
  EXPECT_EQ(static_cast<int>(parse(GetParam().packet, q)), static_cast<int>(GetParam().expected));
}

INSTANTIATE_TEST_SUITE_P(Codec, ParseQueryLadder, ::testing::ValuesIn(ladder_cases()),
                         [](const ::testing::TestParamInfo<LadderCase>& info) {
                           return std::string(info.param.name);
                         });

// ---------------------------------------------------------------------------------------------
// What an accepted query yields.

TEST(ParseQuery, ExtractsIdAndFlags) {
  Query q;
  ASSERT_EQ(parse(make_query({.id = 0xBEEF, .rd = true, .cd = true}), q), ParseOutcome::kOk);
  EXPECT_EQ(q.id, 0xBEEF);
  EXPECT_EQ(q.opcode, 0);
  EXPECT_TRUE(q.rd);
  EXPECT_TRUE(q.cd);
  ASSERT_EQ(parse(make_query({.rd = false, .cd = false}), q), ParseOutcome::kOk);
  EXPECT_FALSE(q.rd);
  EXPECT_FALSE(q.cd);
}

TEST(ParseQuery, LowercasesNameAndIndexesLabels) {
  Query q;
  ASSERT_EQ(parse(make_query({.qname = "WwW.ExAmple.TEST.", .qtype = rrtype::MX, .qclass = 3}), q),
            ParseOutcome::kOk);
  const std::string want(
      "\x03www\x07"
      "example\x04test\x00",
      18);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(q.qname), q.qname_length), want);
  EXPECT_EQ(q.labels, 3);
  EXPECT_EQ(q.label_offsets[0], 0);
  EXPECT_EQ(q.label_offsets[1], 4);
  EXPECT_EQ(q.label_offsets[2], 12);
  EXPECT_EQ(q.label_offsets[3], 17);  // the root label
  EXPECT_EQ(q.qtype, rrtype::MX);
  EXPECT_EQ(q.qclass, 3);
  EXPECT_TRUE(q.has_question);
  EXPECT_EQ(q.question_end, 12 + 18 + 4);
  QName n = q.name();
  EXPECT_EQ(n.wire, q.qname);
  EXPECT_EQ(n.length, 18);
  EXPECT_EQ(n.labels, 3);
}

TEST(ParseQuery, LowercasesOnlyAsciiLetters) {
  Query q;
  PacketBuilder b;
  b.header(1, 0, 1, 0, 0, 0).raw({4, 'A', '@', 0xC1, 'Z', 0}).u16(1).u16(1);
  ASSERT_EQ(parse(b.bytes(), q), ParseOutcome::kOk);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(q.qname), q.qname_length),
            std::string("\x04"
                        "a@\xC1z\x00",
                        6));
}

TEST(ParseQuery, RootNameHasNoLabels) {
  Query q;
  ASSERT_EQ(parse(make_query({.qname = ".", .qtype = rrtype::NS}), q), ParseOutcome::kOk);
  EXPECT_EQ(q.qname_length, 1);
  EXPECT_EQ(q.labels, 0);
  EXPECT_EQ(q.label_offsets[0], 0);
  EXPECT_EQ(q.question_end, 12 + 1 + 4);
}

TEST(ParseQuery, LongestNameKeepsEveryLabelOffset) {
  // 127 one-octet labels: 127 * 2 + 1 = 255 octets, the most labels a name can have.
  std::string text;
  for (int i = 0; i < 127; ++i) text += "a.";
  Query q;
  ASSERT_EQ(parse(make_query({.qname = text}), q), ParseOutcome::kOk);
  EXPECT_EQ(q.qname_length, 255);
  EXPECT_EQ(q.labels, 127);
  EXPECT_EQ(q.label_offsets[126], 252);
  EXPECT_EQ(q.label_offsets[127], 254);
}

TEST(ParseQuery, NoOptMeansNoEdnsAnd512) {
  Query q;
  ASSERT_EQ(parse(make_query({}), q), ParseOutcome::kOk);
  EXPECT_FALSE(q.edns);
  EXPECT_EQ(q.udp_size, 512);
  EXPECT_FALSE(q.dnssec_ok);
  EXPECT_FALSE(q.nsid_requested);
  EXPECT_FALSE(q.ecs.present);
  EXPECT_EQ(q.cookie_length, 0);
}

TEST(ParseQuery, EdnsSizeBelow512Becomes512) {
  Query q;
  ASSERT_EQ(parse(make_query({.edns = true, .udp_size = 100}), q), ParseOutcome::kOk);
  EXPECT_TRUE(q.edns);
  EXPECT_EQ(q.udp_size, 512);
  ASSERT_EQ(parse(make_query({.edns = true, .udp_size = 0}), q), ParseOutcome::kOk);
  EXPECT_EQ(q.udp_size, 512);
  ASSERT_EQ(parse(make_query({.edns = true, .udp_size = 4096}), q), ParseOutcome::kOk);
  EXPECT_EQ(q.udp_size, 4096);
}

TEST(ParseQuery, ReadsEdnsVersionAndDo) {
  Query q;
  ASSERT_EQ(parse(make_query({.edns = true, .version = 3, .dnssec_ok = true}), q),
            ParseOutcome::kOk);
  EXPECT_EQ(q.edns_version, 3);
  EXPECT_TRUE(q.dnssec_ok);
}

TEST(ParseQuery, NsidRequestIsNoted) {
  Query q;
  ASSERT_EQ(parse(make_query({.edns = true, .options = edns_option(opt_code::kNsid, "")}), q),
            ParseOutcome::kOk);
  EXPECT_TRUE(q.nsid_requested);
}

TEST(ParseQuery, ReadsIpv4ClientSubnet) {
  Query q;
  ASSERT_EQ(parse(make_query({.edns = true, .options = ecs_option(1, 22, 0, {198, 51, 100})}), q),
            ParseOutcome::kOk);
  ASSERT_TRUE(q.ecs.present);
  EXPECT_EQ(q.ecs.family, 1);
  EXPECT_EQ(q.ecs.source_prefix, 22);
  EXPECT_EQ(q.ecs.scope_prefix, 0);
  EXPECT_EQ(q.ecs.address[0], 198);
  EXPECT_EQ(q.ecs.address[1], 51);
  EXPECT_EQ(q.ecs.address[2], 100);
  EXPECT_EQ(q.ecs.address[3], 0);
}

TEST(ParseQuery, ReadsIpv6ClientSubnet) {
  Query q;
  ASSERT_EQ(
      parse(
          make_query({.edns = true,
                      .options = ecs_option(2, 56, 0, {0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56})}),
          q),
      ParseOutcome::kOk);
  ASSERT_TRUE(q.ecs.present);
  EXPECT_EQ(q.ecs.family, 2);
  EXPECT_EQ(q.ecs.source_prefix, 56);
  EXPECT_EQ(q.ecs.address[6], 0x56);
  EXPECT_EQ(q.ecs.address[7], 0);
  EXPECT_EQ(q.ecs.address[15], 0);
}

TEST(ParseQuery, ClientSubnetWithZeroPrefixHasNoAddress) {
  Query q;
  ASSERT_EQ(parse(make_query({.edns = true, .options = ecs_option(1, 0, 0, {})}), q),
            ParseOutcome::kOk);
  EXPECT_TRUE(q.ecs.present);
  EXPECT_EQ(q.ecs.source_prefix, 0);
}

TEST(ParseQuery, ReadsClientCookie) {
  Query q;
  const std::string cookie = "\x01\x02\x03\x04\x05\x06\x07\x08";
  ASSERT_EQ(parse(make_query({.edns = true, .options = edns_option(opt_code::kCookie, cookie)}), q),
            ParseOutcome::kOk);
  ASSERT_EQ(q.cookie_length, 8);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(q.cookie), 8), cookie);
}

TEST(ParseQuery, ReadsClientAndServerCookieUpTo40) {
  for (size_t len : {16u, 24u, 40u}) {
    Query q;
    const std::string cookie(len, '\x5a');
    ASSERT_EQ(
        parse(make_query({.edns = true, .options = edns_option(opt_code::kCookie, cookie)}), q),
        ParseOutcome::kOk)
        << len;
    EXPECT_EQ(q.cookie_length, len);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(q.cookie), len), cookie);
  }
}

TEST(ParseQuery, ReadsEveryOptionOfOneOpt) {
  Query q;
  const std::string opts = edns_option(65001, "x") + edns_option(opt_code::kNsid, "") +
                           ecs_option(1, 24, 0, {10, 1, 2}) +
                           edns_option(opt_code::kCookie, std::string(8, 'c'));
  ASSERT_EQ(
      parse(make_query({.edns = true, .udp_size = 1400, .dnssec_ok = true, .options = opts}), q),
      ParseOutcome::kOk);
  EXPECT_EQ(q.udp_size, 1400);
  EXPECT_TRUE(q.dnssec_ok);
  EXPECT_TRUE(q.nsid_requested);
  EXPECT_TRUE(q.ecs.present);
  EXPECT_EQ(q.cookie_length, 8);
}

TEST(ParseQuery, OptAfterAnotherAdditionalRecordIsFound) {
  // A TSIG-like record first (skipped), then the OPT: the OPT need not be last or first.
  Query q;
  Bytes b = query_with_additional(2)
                .raw({0xC0, 12})
                .u16(1)
                .u16(1)
                .u32(0)
                .u16(4)
                .raw({192, 0, 2, 1})
                .opt(2048, edns_option(opt_code::kNsid, ""))
                .bytes();
  ASSERT_EQ(parse(b, q), ParseOutcome::kOk);
  EXPECT_TRUE(q.edns);
  EXPECT_EQ(q.udp_size, 2048);
  EXPECT_TRUE(q.nsid_requested);
}

TEST(ParseQuery, ReusedQueryForgetsPreviousEdns) {
  Query q;
  const std::string opts = edns_option(opt_code::kNsid, "") + ecs_option(1, 24, 0, {10, 1, 2}) +
                           edns_option(opt_code::kCookie, std::string(8, 'c'));
  ASSERT_EQ(
      parse(make_query(
                {.edns = true, .udp_size = 4096, .version = 1, .dnssec_ok = true, .options = opts}),
            q),
      ParseOutcome::kOk);
  ASSERT_EQ(parse(make_query({}), q), ParseOutcome::kOk);
  EXPECT_FALSE(q.edns);
  EXPECT_EQ(q.udp_size, 512);
  EXPECT_EQ(q.edns_version, 0);
  EXPECT_FALSE(q.dnssec_ok);
  EXPECT_FALSE(q.nsid_requested);
  EXPECT_FALSE(q.ecs.present);
  EXPECT_EQ(q.cookie_length, 0);
}

TEST(ParseQuery, NotImpKeepsTheQuestionForTheResponse) {
  Query q;
  PacketBuilder b;
  b.header(9, flag::opcode(4), 1, 0, 0, 0).question("Example.TEST.", rrtype::SOA);
  ASSERT_EQ(parse(b.bytes(), q), ParseOutcome::kNotImp);
  EXPECT_EQ(q.id, 9);
  EXPECT_EQ(q.opcode, 4);
  EXPECT_TRUE(q.has_question);
  EXPECT_EQ(q.question_end, b.size());
}

// RFC 6891 s7: the NOTIMP needs the request's OPT, past NOTIFY's answer and UPDATE's records.
TEST(ParseQuery, NotImpReadsTheOptPastTheOtherSections) {
  Query q;
  PacketBuilder b;
  b.header(9, flag::opcode(4), 1, 1, 0, 1)
      .question("example.test.", rrtype::SOA)
      .raw({0xC0, 12})
      .u16(rrtype::SOA)
      .u16(1)
      .u32(60)
      .u16(0)
      .opt(1400, ecs_option(1, 24, 0, {10, 1, 2}));
  ASSERT_EQ(parse(b.bytes(), q), ParseOutcome::kNotImp);
  EXPECT_TRUE(q.edns);
  EXPECT_EQ(q.udp_size, 1400);
  EXPECT_TRUE(q.ecs.present);
}

TEST(ParseQuery, NotImpWithUnparsableRecordsHasNoEdns) {
  Query q;
  PacketBuilder b;
  b.header(9, flag::opcode(5), 1, 0, 1, 2)
      .question("example.test.", rrtype::SOA)
      .raw({0xC0, 12})
      .u16(rrtype::A)
      .u16(1)
      .u32(60)
      .u16(0)
      .opt(1400, ecs_option(1, 24, 0, {10, 1, 2}));  // read, then ARCOUNT 2 runs past the end
  ASSERT_EQ(parse(b.bytes(), q), ParseOutcome::kNotImp);
  EXPECT_FALSE(q.edns);
  EXPECT_FALSE(q.ecs.present);
}

TEST(ParseQuery, FormErrInQuestionLeavesNoQuestion) {
  Query q;
  PacketBuilder b;
  b.header(1, 0, 1, 0, 0, 0).raw({3, 'w', 'w', 'w', 0xC0, 0x0C}).u16(1).u16(1);
  ASSERT_EQ(parse(b.bytes(), q), ParseOutcome::kFormErr);
  EXPECT_FALSE(q.has_question);
}

TEST(ParseQuery, FormErrInOptKeepsTheQuestion) {
  Query q;
  ASSERT_EQ(parse(with_opt(ecs_option(3, 0, 0, {})), q), ParseOutcome::kFormErr);
  EXPECT_TRUE(q.has_question);
  EXPECT_EQ(q.question_end, 12 + 18 + 4);
}

}  // namespace
}  // namespace gslb
