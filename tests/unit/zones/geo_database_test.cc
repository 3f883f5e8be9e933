// GeoDatabase (zones/geo/geo_database.h) and geo_code: the facts of the GeoIP2 layout, IPv4 in
// IPv6 and IPv4 trees, the prefix that decided (the ECS scope), every record size, every answer
// against libmaxminddb's own, and files that are not MMDBs (or are damaged ones).
#include "zones/geo/geo_database.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

#include "tests/unit/zones/geo_fixtures.h"
#include "zones/geo/geo_code.h"

namespace gslb {
namespace {

using testing::describe;
using testing::TempDir;

std::vector<uint8_t> v4(const char* text) {
  std::vector<uint8_t> a(4);
  EXPECT_EQ(inet_pton(AF_INET, text, a.data()), 1) << text;
  return a;
}
std::vector<uint8_t> v6(const char* text) {
  std::vector<uint8_t> a(16);
  EXPECT_EQ(inet_pton(AF_INET6, text, a.data()), 1) << text;
  return a;
}

TEST(GeoCode, PacksUpToThreeAlphanumericsBigEndianAndUppercase) {
  EXPECT_EQ(geo_code("JP"), 0x4A50u);
  EXPECT_EQ(geo_code("jp"), 0x4A50u);
  EXPECT_EQ(geo_code("ENG"), 0x454E47u);
  EXPECT_EQ(geo_code("13"), 0x3133u);
  EXPECT_EQ(geo_code("A"), 0x41u);
  for (const char* bad : {"", "ABCD", "J-", "J P", "\xC3\x85"}) EXPECT_EQ(geo_code(bad), 0u) << bad;
  EXPECT_EQ(geo_code_text(geo_code("eng")), "ENG");
  EXPECT_EQ(geo_code_text(geo_code("JP")), "JP");
  EXPECT_EQ(geo_code_text(0), "");
}

// The hand-written fixture in an IPv6 tree (record size 28), opened once for the suite.
class GeoDatabaseCity : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    path_ = dir_->file("city.mmdb");
    ASSERT_TRUE(testing::write_mmdb(path_, testing::kCityNetworks));
    auto db = GeoDatabase::open(path_);
    ASSERT_TRUE(db.ok()) << db.error();
    db_ = new std::shared_ptr<const GeoDatabase>(*db);
  }
  static void TearDownTestSuite() {
    delete db_;
    delete dir_;
  }
  static GeoFacts at4(const char* text, uint8_t prefix = 32) {
    return (*db_)->lookup(4, v4(text).data(), prefix);
  }
  static GeoFacts at6(const char* text, uint8_t prefix = 128) {
    return (*db_)->lookup(6, v6(text).data(), prefix);
  }
  static TempDir* dir_;
  static std::string path_;
  static std::shared_ptr<const GeoDatabase>* db_;
};
TempDir* GeoDatabaseCity::dir_ = nullptr;
std::string GeoDatabaseCity::path_;
std::shared_ptr<const GeoDatabase>* GeoDatabaseCity::db_ = nullptr;

TEST_F(GeoDatabaseCity, ReadsEveryFactOfTheGeoIp2Layout) {
  GeoFacts f = at4("192.0.2.77");
  EXPECT_TRUE(f.found);
  EXPECT_EQ(geo_code_text(f.country), "JP");
  EXPECT_EQ(geo_code_text(f.continent), "AS");
  EXPECT_EQ(geo_code_text(f.subdivision), "13");
  EXPECT_EQ(f.asn, 64500u);
  EXPECT_TRUE(f.has_location);
  EXPECT_NEAR(f.latitude, 35.68, 1e-4);
  EXPECT_NEAR(f.longitude, 139.69, 1e-4);
  EXPECT_EQ(f.prefix, 24);
  EXPECT_EQ((*db_)->database_type(), "GSLBD-Test-City");
  EXPECT_GT((*db_)->build_epoch(), 1600000000u);
  EXPECT_EQ((*db_)->record_count(), 7u);
  EXPECT_EQ((*db_)->path(), path_);
}

TEST_F(GeoDatabaseCity, FieldsTheRecordLacksStayZero) {
  GeoFacts f = at4("203.0.113.9");
  EXPECT_EQ(describe(f), "found GB/EU/ENG asn 0 /25");
  EXPECT_FALSE(f.has_location);
}

TEST_F(GeoDatabaseCity, CountryFallsBackToTheRegisteredCountry) {
  EXPECT_EQ(describe(at4("127.200.0.1")), "found AU/OC/ asn 0 /9");
}

TEST_F(GeoDatabaseCity, IPv4MappedAndIPv4LookupsAgree) {
  EXPECT_EQ(describe(at6("::ffff:192.0.2.77")),
            "found JP/AS/13 asn 64500 at 35.680000,139.690002 /120");
  EXPECT_EQ(geo_code_text(at6("::192.0.2.77").country), "JP");
}

TEST_F(GeoDatabaseCity, IPv6NetworksAndTheirMoreSpecifics) {
  EXPECT_EQ(describe(at6("2001:db8:1::5")), "found FR/EU/ asn 0 /48");
  GeoFacts de = at6("2001:db8:ffff::1");
  EXPECT_EQ(geo_code_text(de.country), "DE");
  EXPECT_EQ(de.asn, 64502u);
  EXPECT_TRUE(de.has_location);
  EXPECT_EQ(de.prefix, 33);  // 2001:db8:8000::/33: the half of the /32 without the /48
}

TEST_F(GeoDatabaseCity, PrefixIsTheNetworksCappedByTheClients) {
  EXPECT_EQ(at4("198.51.100.1").prefix, 20);
  EXPECT_EQ(at4("198.51.100.1", 24).prefix, 20);
  GeoFacts ecs16 = at4("127.0.5.1", 16);  // 127.0.0.0/20 holds 127.0.0.0, the /16's first
  EXPECT_EQ(describe(ecs16), "found SE/EU/ asn 0 /16");
  EXPECT_EQ(at4("127.0.5.1").prefix, 20);
  EXPECT_EQ(at6("2001:db8:1::5", 40).prefix, 40);
}

TEST_F(GeoDatabaseCity, BitsPastThePrefixCountAsZero) {
  // 198.51.100.1/8 is 198.0.0.0: no network, and the whole empty /8 prefix decided.
  GeoFacts f = at4("198.51.100.1", 8);
  EXPECT_FALSE(f.found);
  EXPECT_EQ(f.prefix, 8);
  EXPECT_EQ(at4("192.0.2.77", 0).found, false);
}

TEST_F(GeoDatabaseCity, AnAddressInNoNetworkGivesTheEmptyNetworksPrefix) {
  GeoFacts f = at4("203.0.113.200");  // beside 203.0.113.0/25
  EXPECT_FALSE(f.found);
  EXPECT_EQ(f.prefix, 25);
  EXPECT_EQ(f.country, 0u);
  EXPECT_FALSE(at6("2001:db9::1").found);
}

TEST_F(GeoDatabaseCity, InvalidQuestionsFindNothingWithPrefixZero) {
  auto a = v6("2001:db8:1::5");
  for (GeoFacts f : {(*db_)->lookup(0, a.data(), 0), (*db_)->lookup(5, a.data(), 32),
                     (*db_)->lookup(4, nullptr, 32), (*db_)->lookup(4, a.data(), 33),
                     (*db_)->lookup(6, a.data(), 129), (*db_)->lookup(6, a.data(), 255)}) {
    EXPECT_FALSE(f.found);
    EXPECT_EQ(f.prefix, 0);
  }
}

// Compares every answer for a:b:c:d with libmaxminddb's, over all 2^16 first two bytes, a
// handful of third bytes that reach the fixtures' networks, and IPv6 alike.
void expect_same_as_libmaxminddb(const std::string& path) {
  auto db = GeoDatabase::open(path);
  ASSERT_TRUE(db.ok()) << db.error();
  MMDB_s mmdb;
  ASSERT_EQ(MMDB_open(path.c_str(), MMDB_MODE_MMAP, &mmdb), MMDB_SUCCESS);
  int mismatches = 0;
  size_t found = 0;
  auto compare = [&](uint8_t family, const uint8_t* a) {
    GeoFacts ours = (*db)->lookup(family, a, family == 4 ? 32 : 128);
    GeoFacts ref = testing::reference_lookup(&mmdb, family, a);
    found += ours.found;
    if (describe(ours) != describe(ref) && ++mismatches <= 5)
      ADD_FAILURE() << "family " << int{family} << " " << int{a[0]} << "." << int{a[1]} << "."
                    << int{a[2]} << "." << int{a[3]} << ": ours " << describe(ours)
                    << ", libmaxminddb " << describe(ref);
  };
  for (uint32_t first = 0; first < 0x10000; ++first) {
    for (uint8_t third : {0, 2, 5, 100, 113, 200}) {
      uint8_t a4[4] = {uint8_t(first >> 8), uint8_t(first), third, uint8_t(first * 7)};
      compare(4, a4);
    }
    if (mmdb.metadata.ip_version == 6) {
      uint8_t a6[16] = {uint8_t(first >> 8), uint8_t(first), 0x0d, 0xb8, 0, uint8_t(first & 1)};
      a6[15] = uint8_t(first);
      compare(6, a6);
    }
  }
  MMDB_close(&mmdb);
  EXPECT_EQ(mismatches, 0);
  EXPECT_GT(found, 0u);
}

TEST(GeoDatabaseReference, EveryAnswerMatchesLibmaxminddbForEachRecordSize) {
  TempDir dir;
  for (int size : {24, 28, 32}) {
    SCOPED_TRACE("record size " + std::to_string(size));
    std::string path = dir.file("r" + std::to_string(size) + ".mmdb");
    ASSERT_TRUE(
        testing::write_mmdb(path, testing::kCityNetworks, "--record-size " + std::to_string(size)));
    expect_same_as_libmaxminddb(path);
  }
}

TEST(GeoDatabaseReference, GeneratedNetworksMatchLibmaxminddb) {
  TempDir dir;
  std::string path = dir.file("generated.mmdb");
  ASSERT_TRUE(testing::write_mmdb(path, "", "", 20000));
  expect_same_as_libmaxminddb(path);
}

TEST(GeoDatabaseIpv4Tree, IPv4LooksUpAndIPv6FindsNothing) {
  TempDir dir;
  for (int size : {24, 32}) {
    std::string path = dir.file("v4.mmdb");
    ASSERT_TRUE(testing::write_mmdb(path, testing::kIpv4Networks,
                                    "--ip-version 4 --record-size " + std::to_string(size)));
    auto db = GeoDatabase::open(path);
    ASSERT_TRUE(db.ok()) << db.error();
    EXPECT_EQ((*db)->ip_version(), 4);
    EXPECT_EQ(describe((*db)->lookup(4, v4("192.0.2.1").data(), 32)),
              "found JP/AS/13 asn 64500 /24");
    EXPECT_EQ(describe((*db)->lookup(4, v4("127.0.9.1").data(), 16)), "found SE/EU/ asn 0 /16");
    EXPECT_EQ(describe((*db)->lookup(6, v6("::ffff:192.0.2.1").data(), 128)),
              "not found // asn 0 /0");
    expect_same_as_libmaxminddb(path);
  }
}

// Files that are not MMDBs: an error value naming the file, never a crash.
class GeoDatabaseBadFiles : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(testing::write_mmdb(good_, testing::kCityNetworks)); }
  std::vector<char> good_bytes() const {
    std::ifstream in(good_, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  void write(const std::string& path, const std::vector<char>& bytes) const {
    std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
  }
  TempDir dir_;
  std::string good_ = dir_.file("good.mmdb");
};

TEST_F(GeoDatabaseBadFiles, MissingFileIsNotFound) {
  auto db = GeoDatabase::open(dir_.file("none.mmdb"));
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.failure().kind, ErrorKind::not_found);
  EXPECT_EQ(db.error(), dir_.file("none.mmdb") + ": cannot open (No such file or directory)");
}

TEST_F(GeoDatabaseBadFiles, DirectoryEmptyRandomAndTruncatedFilesAreErrors) {
  std::string empty = dir_.file("empty.mmdb"), random = dir_.file("random.mmdb"),
              cut = dir_.file("cut.mmdb"), head = dir_.file("head.mmdb"),
              sub = dir_.file("sub.mmdb");
  write(empty, {});
  std::mt19937 rng(1);
  std::vector<char> noise(4096);
  for (char& c : noise) c = static_cast<char>(rng());
  write(random, noise);
  std::vector<char> bytes = good_bytes();
  write(cut, std::vector<char>(bytes.begin(), bytes.begin() + bytes.size() / 2));
  write(head, std::vector<char>(bytes.begin(), bytes.begin() + 20));
  ASSERT_EQ(mkdir(sub.c_str(), 0755), 0);
  for (const std::string& path : {empty, random, cut, head, sub}) {
    auto db = GeoDatabase::open(path);
    ASSERT_FALSE(db.ok()) << path;
    EXPECT_EQ(db.error().rfind(path + ": ", 0), 0u) << db.error();
  }
  EXPECT_EQ(GeoDatabase::open(random).error(),
            random + ": not an MMDB file (The MaxMind DB file contains invalid metadata)");
  EXPECT_EQ(GeoDatabase::open(sub).error(), sub + ": is a directory, not an MMDB file");
  EXPECT_EQ(GeoDatabase::open(empty).failure().kind, ErrorKind::corrupt);
}

// Mutated copies of a small valid file: open() refuses them or gives a database whose
// lookups stay inside it (this test earns its keep under ASan+UBSan).
TEST_F(GeoDatabaseBadFiles, MutatedFilesOpenWithAnErrorOrLookUpSafely) {
  const std::vector<char> bytes = good_bytes();
  // The metadata starts after the marker "\xAB\xCD\xEFMaxMind.com" near the end.
  const std::string marker = "\xAB\xCD\xEFMaxMind.com";
  const size_t meta = std::string(bytes.begin(), bytes.end()).rfind(marker);
  ASSERT_NE(meta, std::string::npos);
  std::mt19937 rng(7);
  std::string path = dir_.file("mutant.mmdb");
  int opened = 0;
  for (int round = 0; round < 400; ++round) {
    std::vector<char> m = bytes;
    const int flips = 1 + static_cast<int>(rng() % 8);
    for (int i = 0; i < flips; ++i) {
      // Half the rounds hit the metadata, half the tree and data before it.
      size_t at = round % 2 == 0 ? meta + rng() % (m.size() - meta) : rng() % meta;
      m[at] = static_cast<char>(round % 4 < 2 ? rng() : m[at] ^ (1 << (rng() % 8)));
    }
    write(path, m);
    auto db = GeoDatabase::open(path);
    if (!db.ok()) {
      EXPECT_FALSE(db.error().empty());
      continue;
    }
    ++opened;
    uint8_t a[16];
    for (int i = 0; i < 300; ++i) {
      for (uint8_t& b : a) b = static_cast<uint8_t>(rng());
      uint8_t family = i % 2 == 0 ? 4 : 6;
      GeoFacts f = (*db)->lookup(family, a, static_cast<uint8_t>(rng() % (family == 4 ? 33 : 129)));
      EXPECT_LE(f.prefix, family == 4 ? 32 : 128);
    }
  }
  EXPECT_GT(opened, 0);  // some mutations are harmless: the lookups above did run
}

}  // namespace
}  // namespace gslb
