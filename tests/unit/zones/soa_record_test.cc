// soa_record: an inline zone's SOA from its row, in the wire form ldns gives the same record in
// a zone file, whether the row's names are absolute, relative to the zone, "@" or empty.
#include <gtest/gtest.h>

#include "tests/unit/testing/zone_builder.h"
#include "zones/model/service_table_builder.h"

namespace gslb {
namespace {

ZoneRow row(const std::string& mname, const std::string& rname) {
  ZoneRow z;
  z.id = 3;
  z.name = "gslb.test.";
  z.ttl = 120;
  z.soa_mname = mname;
  z.soa_rname = rname;
  z.soa_serial = 2024010101;
  z.soa_refresh = 3600;
  z.soa_retry = 600;
  z.soa_expire = 604800;
  z.soa_minimum = 60;
  return z;
}

TEST(SoaRecord, MatchesTheRecordLdnsReadsFromText) {
  const Record want = testing::record(
      "gslb.test. 120 IN SOA ns1.gslb.test. hostmaster.gslb.test. 2024010101 3600 600 604800 60");
  for (auto [mname, rname] :
       {std::pair{"ns1.gslb.test.", "hostmaster.gslb.test."}, {"ns1", "hostmaster"}}) {
    auto soa = soa_record(row(mname, rname), "zones row 3");
    ASSERT_TRUE(soa.ok()) << soa.error();
    EXPECT_EQ(soa->owner, want.owner) << mname;
    EXPECT_EQ(soa->type, want.type);
    EXPECT_EQ(soa->ttl, want.ttl);
    EXPECT_EQ(soa->rdata, want.rdata) << mname;
    EXPECT_EQ(soa->where, "zones row 3");
  }
}

TEST(SoaRecord, AtAndEmptyNamesAreTheZone) {
  const Record want =
      testing::record("gslb.test. 120 IN SOA gslb.test. gslb.test. 2024010101 3600 600 604800 60");
  for (const char* name : {"@", ""}) {
    auto soa = soa_record(row(name, name), "zones row 3");
    ASSERT_TRUE(soa.ok()) << soa.error();
    EXPECT_EQ(soa->rdata, want.rdata) << '"' << name << '"';
  }
}

TEST(SoaRecord, ABadNameIsAnErrorNamingTheRowAndField) {
  auto soa = soa_record(row("ns1..gslb.test.", "hostmaster"), "zones row 3");
  ASSERT_FALSE(soa.ok());
  EXPECT_EQ(soa.error().rfind("zones row 3: SOA mname \"ns1..gslb.test.\": ", 0), 0u)
      << soa.error();
}

}  // namespace
}  // namespace gslb
