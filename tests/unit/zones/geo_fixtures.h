// MMDB fixtures for the geo tests, written at run time by tools/mmdb/write_mmdb.pl (Debian's
// MaxMind::DB::Writer), and libmaxminddb's own answer to compare GeoDatabase::lookup against.
#pragma once

#include <arpa/inet.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>

#include "zones/geo/geo_code.h"
#include "zones/geo/geo_database.h"

namespace gslb::testing {

// A fresh directory under /tmp, removed with its files at the end of the test.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/gslbd-geo-XXXXXX";
    if (mkdtemp(tmpl) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    if (!path_.empty()) std::system(("rm -rf '" + path_ + "'").c_str());
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Networks, one JSON object a line, the way write_mmdb.pl reads them.
inline constexpr std::string_view kCityNetworks = R"(
{"network":"192.0.2.0/24","country":"JP","continent":"AS","subdivision":"13","asn":64500,"org":"Example","latitude":35.68,"longitude":139.69}
{"network":"198.51.96.0/20","country":"US","continent":"NA","subdivision":"CA","asn":64501}
{"network":"203.0.113.0/25","country":"gb","continent":"EU","subdivision":"ENG"}
{"network":"127.0.0.0/8","registered_country":"AU","continent":"OC"}
{"network":"127.0.0.0/20","country":"SE","continent":"EU"}
{"network":"2001:db8::/32","country":"DE","continent":"EU","asn":64502,"latitude":52.52,"longitude":13.40}
{"network":"2001:db8:1::/48","country":"FR","continent":"EU"}
)";
// The same without IPv6, for an ip_version 4 tree.
inline constexpr std::string_view kIpv4Networks = R"(
{"network":"192.0.2.0/24","country":"JP","continent":"AS","subdivision":"13","asn":64500}
{"network":"198.51.96.0/20","country":"US","continent":"NA"}
{"network":"127.0.0.0/20","country":"SE","continent":"EU"}
)";

inline std::string writer_script() {
  return std::string(GSLBD_SOURCE_DIR) + "/tools/mmdb/write_mmdb.pl";
}

// Writes `out` from `networks` (or, with generate > 0, that many generated networks); options
// as write_mmdb.pl takes them ("--ip-version 4 --record-size 24"). False when the writer fails.
inline bool write_mmdb(const std::string& out, std::string_view networks,
                       const std::string& options = "", int generate = 0) {
  std::string cmd = "perl '" + writer_script() + "' --type city " + options;
  if (generate > 0) {
    cmd += " --generate " + std::to_string(generate) + " --seed 3 '" + out + "' 2>/dev/null";
  } else {
    std::string input = out + ".jsonl";
    std::ofstream(input) << networks;
    cmd += " '" + out + "' < '" + input + "' 2>/dev/null";
  }
  return std::system(cmd.c_str()) == 0;
}

// What a server using libmaxminddb alone would answer (MMDB_lookup_sockaddr, then
// MMDB_get_value per field): the reference GeoDatabase::lookup must match. Full-length
// addresses only (libmaxminddb has no prefix argument).
inline GeoFacts reference_lookup(const MMDB_s* mmdb, uint8_t family, const uint8_t* address) {
  sockaddr_storage ss{};
  if (family == 4) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    memcpy(&sin->sin_addr, address, 4);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    memcpy(&sin6->sin6_addr, address, 16);
  }
  int error = 0;
  MMDB_lookup_result_s r = MMDB_lookup_sockaddr(mmdb, reinterpret_cast<sockaddr*>(&ss), &error);
  GeoFacts f;
  if (error != MMDB_SUCCESS) return f;
  // libmaxminddb gives an IPv4 address's netmask in the IPv6 tree's terms.
  int netmask = r.netmask;
  if (family == 4 && mmdb->metadata.ip_version == 6) netmask = netmask > 96 ? netmask - 96 : 0;
  f.prefix = static_cast<uint8_t>(netmask);
  if (!r.found_entry) return f;
  f.found = true;
  MMDB_entry_data_s d;
  auto code = [&](auto... path) -> uint32_t {
    if (MMDB_get_value(&r.entry, &d, path..., nullptr) == MMDB_SUCCESS && d.has_data &&
        d.type == MMDB_DATA_TYPE_UTF8_STRING)
      return geo_code(std::string_view(d.utf8_string, d.data_size));
    return 0;
  };
  f.country = code("country", "iso_code");
  if (f.country == 0) f.country = code("registered_country", "iso_code");
  f.continent = code("continent", "code");
  f.subdivision = code("subdivisions", "0", "iso_code");
  if (MMDB_get_value(&r.entry, &d, "autonomous_system_number", nullptr) == MMDB_SUCCESS &&
      d.has_data && d.type == MMDB_DATA_TYPE_UINT32)
    f.asn = d.uint32;
  MMDB_entry_data_s lon;
  if (MMDB_get_value(&r.entry, &d, "location", "latitude", nullptr) == MMDB_SUCCESS && d.has_data &&
      MMDB_get_value(&r.entry, &lon, "location", "longitude", nullptr) == MMDB_SUCCESS &&
      lon.has_data) {
    f.has_location = true;
    f.latitude = static_cast<float>(d.double_value);
    f.longitude = static_cast<float>(lon.double_value);
  }
  return f;
}

// "found JP/AS/13 asn 64500 at 35.68,139.69 /24": what a failing comparison prints.
inline std::string describe(const GeoFacts& f) {
  std::string s = f.found ? "found " : "not found ";
  s += geo_code_text(f.country) + "/" + geo_code_text(f.continent) + "/" +
       geo_code_text(f.subdivision) + " asn " + std::to_string(f.asn);
  if (f.has_location) s += " at " + std::to_string(f.latitude) + "," + std::to_string(f.longitude);
  return s + " /" + std::to_string(f.prefix);
}

}  // namespace gslb::testing
