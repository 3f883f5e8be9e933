// load_zone_file on the files in tests/unit/data: every supported type reaches ZoneData in wire
// form, the origin comes from $ORIGIN or the SOA owner, and every error names FILE:LINE of the
// line at fault. Semantic errors (outside the origin, SOA count, CNAME exclusivity) come from
// build_snapshot, so those cases load and then build.
#include "zones/zonefile/zone_file.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/testing/packet_builder.h"
#include "zones/dns/dname.h"
#include "zones/model/snapshot_builder.h"

namespace gslb {
namespace {

using testing::wire_name;

std::string data(const std::string& file) {
  return std::string(GSLBD_TEST_DATA) + "/" + file;
}

std::string u32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}
std::string u16(uint16_t v) {
  return {static_cast<char>(v >> 8), static_cast<char>(v)};
}

struct Expected {
  const char* owner;
  uint16_t type;
  uint32_t ttl;
  std::string rdata;
  int line;
};

TEST(LoadZoneFile, LoadsEveryListedTypeAsWireRdata) {
  auto z = load_zone_file(data("all_types.zone"));
  ASSERT_TRUE(z.ok()) << z.error();
  EXPECT_EQ(z->origin, wire_name("example.test."));
  EXPECT_EQ(z->source, data("all_types.zone"));
  const std::vector<Expected> want = {
      {"example.test.", rrtype::SOA, 3600,
       wire_name("ns1.example.test.") + wire_name("hostmaster.example.test.") + u32(2024010101) +
           u32(7200) + u32(3600) + u32(1209600) + u32(300),
       4},
      {"example.test.", rrtype::NS, 3600, wire_name("ns1.example.test."), 5},
      {"ns1.example.test.", rrtype::A, 3600, std::string("\xC0\x00\x02\x35", 4), 6},
      {"ns1.example.test.", rrtype::AAAA, 3600,
       std::string("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\x00\x53", 16), 7},
      {"example.test.", rrtype::MX, 3600, u16(10) + wire_name("mail.example.test."), 8},
      {"alias.example.test.", rrtype::CNAME, 300, wire_name("www.example.test."), 9},
      {"txt.example.test.", rrtype::TXT, 3600, std::string("\x0bhello world\x06second"), 10},
      {"_sip._udp.example.test.", rrtype::SRV, 3600,
       u16(10) + u16(20) + u16(5060) + wire_name("sip.example.test."), 11},
      {"example.test.", 257, 3600, std::string("\x00\x05issueca.example.net", 21), 12},
      {"ptr.example.test.", rrtype::PTR, 3600, wire_name("host.example.net."), 13},
      {"opaque.example.test.", 65280, 3600, std::string("\x0a\x00\x00\x01", 4), 14},
  };
  ASSERT_EQ(z->records.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const Record& r = z->records[i];
    SCOPED_TRACE(std::string(want[i].owner) + " type " + std::to_string(want[i].type));
    EXPECT_EQ(r.owner, wire_name(want[i].owner));
    EXPECT_EQ(r.type, want[i].type);
    EXPECT_EQ(r.ttl, want[i].ttl);
    EXPECT_EQ(r.rdata, want[i].rdata);
    EXPECT_EQ(r.where, data("all_types.zone") + ":" + std::to_string(want[i].line));
  }
}

TEST(LoadZoneFile, AllTypesZoneBuildsASnapshot) {
  auto z = load_zone_file(data("all_types.zone"));
  ASSERT_TRUE(z.ok()) << z.error();
  auto snap = build_snapshot({*z});
  ASSERT_TRUE(snap.ok()) << snap.error();
  EXPECT_EQ((*snap)->zone_count(), 1u);
}

TEST(LoadZoneFile, OriginComesFromTheSoaOwnerWithoutDollarOrigin) {
  auto z = load_zone_file(data("no_origin.zone"));
  ASSERT_TRUE(z.ok()) << z.error();
  EXPECT_EQ(z->origin, wire_name("example.org."));
  ASSERT_EQ(z->records.size(), 4u);
  EXPECT_EQ(z->records[1].owner, wire_name("example.org."));  // blank owner: the previous one
  EXPECT_EQ(z->records[1].type, rrtype::NS);
  EXPECT_EQ(z->records[3].owner, wire_name("www.example.org."));  // relative to the SOA owner
  EXPECT_EQ(z->records[3].where, data("no_origin.zone") + ":5");
}

TEST(LoadZoneFile, OriginComesFromTheFileNameWhenTheSoaOwnerIsRelative) {
  auto z = load_zone_file(data("implied.test.zone"));
  ASSERT_TRUE(z.ok()) << z.error();
  EXPECT_EQ(z->origin, wire_name("implied.test."));
  ASSERT_EQ(z->records.size(), 3u);
  EXPECT_EQ(z->records[0].owner, wire_name("implied.test."));
  EXPECT_EQ(z->records[0].where, data("implied.test.zone") + ":2");
  EXPECT_EQ(z->records[2].owner, wire_name("ns1.implied.test."));
}

// Found by fuzz_zone_file: a line of white space the token reader skips (form feed, vertical
// tab) before the first record crashed the origin guess.
TEST(LoadZoneFile, LinesOfFormFeedsAndVerticalTabsAreBlank) {
  auto z = load_zone_file(data("formfeed.test.zone"));
  ASSERT_TRUE(z.ok()) << z.error();
  EXPECT_EQ(z->origin, wire_name("formfeed.test."));
  ASSERT_EQ(z->records.size(), 3u);
  EXPECT_EQ(z->records[2].owner, wire_name("ns1.formfeed.test."));
}

TEST(LoadZoneFile, RecordsKeepTheLineTheyStartOn) {
  // The SOA spans lines 4-9 (parentheses); blank, comment and $ lines are counted too.
  auto z = load_zone_file(data("example.test.zone"));
  ASSERT_TRUE(z.ok()) << z.error();
  ASSERT_GE(z->records.size(), 3u);
  EXPECT_EQ(z->records[0].type, rrtype::SOA);
  EXPECT_EQ(z->records[0].where, data("example.test.zone") + ":4");
  EXPECT_EQ(z->records[1].where, data("example.test.zone") + ":10");
  EXPECT_EQ(z->records[2].where, data("example.test.zone") + ":11");
}

TEST(LoadZoneFile, RelativeSoaRdataNamesAreRelativeToTheSoaOwner) {
  // Without $ORIGIN, "ns1" and "hostmaster" inside the SOA must become absolute names below the
  // SOA owner (or the file must be rejected): a relative name has no root label and would be
  // read past its end by everything downstream.
  auto z = load_zone_file(data("no_origin_relative_rdata.zone"));
  if (!z.ok()) {
    EXPECT_NE(z.error().find("no_origin_relative_rdata.zone:2"), std::string::npos) << z.error();
    return;
  }
  ASSERT_GE(z->records.size(), 2u);
  const Record& soa = z->records[0];
  ASSERT_EQ(soa.type, rrtype::SOA);
  EXPECT_EQ(soa.rdata, wire_name("ns1.example.org.") + wire_name("hostmaster.example.org.") +
                           u32(1) + u32(7200) + u32(3600) + u32(1209600) + u32(300));
  EXPECT_EQ(z->records[1].rdata, wire_name("ns1.example.org."));
}

TEST(LoadZoneFile, OnlyAnOriginFromTheFileNameIsFlaggedAsOne) {
  auto implied = load_zone_file(data("implied.test.zone"));
  ASSERT_TRUE(implied.ok()) << implied.error();
  EXPECT_TRUE(implied->origin_from_file_name);
  for (const char* file : {"no_origin.zone", "example.test.zone"}) {
    auto z = load_zone_file(data(file));
    ASSERT_TRUE(z.ok()) << z.error();
    EXPECT_FALSE(z->origin_from_file_name) << file;
  }
  auto configured = load_zone_file(data("implied.test.zone"), "implied.test");
  ASSERT_TRUE(configured.ok()) << configured.error();
  EXPECT_FALSE(configured->origin_from_file_name);
}

// ---------------------------------------------------------------------------------------------
// A zone named by its configuration: the file is read relative to that name.

TEST(LoadZoneFileAsConfiguredZone, AFileWithoutOriginIsReadRelativeToTheConfiguredName) {
  // Without the name the file would be zone "zone." (its file name).
  auto z = load_zone_file(data("configured/zone"), "gslb.example.test");
  ASSERT_TRUE(z.ok()) << z.error();
  EXPECT_EQ(z->origin, wire_name("gslb.example.test."));
  EXPECT_FALSE(z->origin_from_file_name);
  ASSERT_EQ(z->records.size(), 7u);
  const Record& soa = z->records[0];
  EXPECT_EQ(soa.owner, wire_name("gslb.example.test."));
  EXPECT_EQ(soa.type, rrtype::SOA);
  EXPECT_EQ(soa.rdata, wire_name("ns1.gslb.example.test.") +
                           wire_name("hostmaster.gslb.example.test.") + u32(2024060101) +
                           u32(3600) + u32(600) + u32(604800) + u32(60));
  EXPECT_EQ(soa.where, data("configured/zone") + ":4");
  EXPECT_EQ(z->records[1].owner, wire_name("gslb.example.test."));  // blank owner: the SOA's
  EXPECT_EQ(z->records[1].rdata, wire_name("ns1.gslb.example.test."));
  EXPECT_EQ(z->records[2].rdata, wire_name("ns2.example.net."));
  EXPECT_EQ(z->records[3].owner, wire_name("ns1.gslb.example.test."));
  EXPECT_EQ(z->records[4].owner, wire_name("www.gslb.example.test."));
  EXPECT_EQ(z->records[5].rdata, u16(10) + wire_name("www.gslb.example.test."));
  EXPECT_EQ(z->records[6].owner, wire_name("host.sub.gslb.example.test."));  // later $ORIGIN
  EXPECT_EQ(z->records[6].where, data("configured/zone") + ":12");
  auto snap = build_snapshot({*z});
  ASSERT_TRUE(snap.ok()) << snap.error();
}

TEST(LoadZoneFileAsConfiguredZone, TheNameMayBeGivenWithADotAndInAnyCase) {
  for (const char* name : {"gslb.example.test.", "GSLB.Example.TEST"}) {
    auto z = load_zone_file(data("configured/zone"), name);
    ASSERT_TRUE(z.ok()) << name << ": " << z.error();
    EXPECT_EQ(lowercase_name(z->origin), wire_name("gslb.example.test.")) << name;
  }
}

TEST(LoadZoneFileAsConfiguredZone, TheConfiguredNameWinsOverTheFileName) {
  auto z = load_zone_file(data("implied.test.zone"), "other.test");
  ASSERT_TRUE(z.ok()) << z.error();
  EXPECT_EQ(z->origin, wire_name("other.test."));
  EXPECT_EQ(z->records[2].owner, wire_name("ns1.other.test."));
}

TEST(LoadZoneFileAsConfiguredZone, AnOriginOrSoaOwnerThatAgreesIsAccepted) {
  auto with_origin = load_zone_file(data("example.test.zone"), "Example.Test");
  ASSERT_TRUE(with_origin.ok()) << with_origin.error();
  EXPECT_EQ(lowercase_name(with_origin->origin), wire_name("example.test."));
  auto with_soa_owner = load_zone_file(data("no_origin.zone"), "example.org");
  ASSERT_TRUE(with_soa_owner.ok()) << with_soa_owner.error();
  EXPECT_EQ(with_soa_owner->records[3].owner, wire_name("www.example.org."));
}

TEST(LoadZoneFileAsConfiguredZone, ARelativeOriginIsRelativeToThePreviousOne) {
  auto z = load_zone_file(data("configured/relative_origin.zone"), "gslb.example.test");
  ASSERT_TRUE(z.ok()) << z.error();
  ASSERT_EQ(z->records.size(), 5u);
  EXPECT_EQ(z->records[3].owner, wire_name("host.sub.gslb.example.test."));
  EXPECT_EQ(z->records[4].owner, wire_name("host.deeper.sub.gslb.example.test."));
}

TEST(LoadZoneFileAsConfiguredZone, AContradictingOriginNamesBothZonesAndTheFix) {
  auto z = load_zone_file(data("configured/other_origin.zone"), "gslb.example.test");
  ASSERT_FALSE(z.ok());
  EXPECT_EQ(z.error(), data("configured/other_origin.zone") +
                           ":2: $ORIGIN other.test. contradicts the configured zone "
                           "gslb.example.test (the file holds zone other.test, not "
                           "gslb.example.test): remove the $ORIGIN line to read the file as "
                           "gslb.example.test, or configure the zone as other.test");
}

TEST(LoadZoneFileAsConfiguredZone, AContradictingSoaOwnerNamesBothZonesAndTheFix) {
  auto z = load_zone_file(data("no_origin.zone"), "gslb.example.test");
  ASSERT_FALSE(z.ok());
  EXPECT_EQ(z.error(), data("no_origin.zone") +
                           ":2: SOA owner example.org. contradicts the configured zone "
                           "gslb.example.test (the file holds zone example.org, not "
                           "gslb.example.test): write the owner as @ to read the file as "
                           "gslb.example.test, or configure the zone as example.org");
}

TEST(LoadZoneFileAsConfiguredZone, AConfiguredNameThatIsNoNameIsAnError) {
  auto z = load_zone_file(data("configured/zone"), "a..b");
  ASSERT_FALSE(z.ok());
  EXPECT_EQ(z.error().rfind(data("configured/zone") + ": configured zone \"a..b\": ", 0), 0u)
      << z.error();
}

// ---------------------------------------------------------------------------------------------
// Errors: the whole message, so the FILE:LINE and the quoted text are exact.

struct ErrorCase {
  const char* name;
  const char* file;
  std::string message;  // after "<data dir>/"
  bool from_builder;    // loads fine; build_snapshot rejects it
};

std::vector<ErrorCase> error_cases() {
  return {
      {"BadIpv4NamesLineAndAddress", "bad_ip.zone", "bad_ip.zone:7: invalid IPv4 address \"1.2.3\"",
       false},
      {"BadIpv6NamesLineAndAddress", "bad_ipv6.zone",
       "bad_ipv6.zone:7: invalid IPv6 address \"2001:db8::1::2\"", false},
      {"BadIpv4OwnerSpelledLikeATypeStillNamesTheAddress", "bad_ip_type_owner.zone",
       "bad_ip_type_owner.zone:4: invalid IPv4 address \"1.2.3\"", false},
      {"UnknownTypeIsNamedWithTheRfc3597Hint", "unknown_type.zone",
       "unknown_type.zone:4: unknown record type \"BOGUS\" (RFC 3597 form: TYPE65280 \\# 4 "
       "0a000001)",
       false},
      {"IncludeIsNotSupported", "include.zone", "include.zone:3: $INCLUDE is not supported", false},
      {"FirstRecordNotSoaWithoutOriginIsRejected", "no_soa_no_origin.zone",
       "no_soa_no_origin.zone:1: the first record is not a SOA and there is no $ORIGIN", false},
      {"MissingFileSaysSo", "does_not_exist.zone",
       "does_not_exist.zone: cannot open zone file: No such file or directory", false},
      {"RecordOutsideOriginNamesItsLine", "outside_origin.zone",
       "outside_origin.zone:5: www.example.net. is outside zone example.test.", true},
      {"NoSoaIsRejected", "no_soa.zone",
       "no_soa.zone: zone example.test. has no SOA record at its apex", true},
      {"SecondSoaNamesItsLine", "two_soa.zone",
       "two_soa.zone:5: second SOA record in zone example.test.", true},
      {"CnameAndOtherDataNamesTheFirstLine", "cname_and_other.zone",
       "cname_and_other.zone:5: www.example.test. has a CNAME and other data (RFC 1034 s3.6.2)",
       true},
  };
}

void PrintTo(const ErrorCase& c, std::ostream* os) {
  *os << c.file;
}

class ZoneFileError : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ZoneFileError, MessageNamesFileAndLine) {
  const ErrorCase& c = GetParam();
  const std::string want = data(c.message);
  auto z = load_zone_file(data(c.file));
  if (c.from_builder) {
    ASSERT_TRUE(z.ok()) << z.error();
    auto snap = build_snapshot({*z});
    ASSERT_FALSE(snap.ok());
    EXPECT_EQ(snap.error(), want);
  } else {
    ASSERT_FALSE(z.ok());
    EXPECT_EQ(z.error(), want);
  }
}

INSTANTIATE_TEST_SUITE_P(Files, ZoneFileError, ::testing::ValuesIn(error_cases()),
                         [](const ::testing::TestParamInfo<ErrorCase>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace gslb
