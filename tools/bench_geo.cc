// bench_geo: ns per GeoDatabase::lookup against the naive way (libmaxminddb's
// MMDB_lookup_sockaddr, then MMDB_get_value for each field), on the same addresses.
//   write_mmdb.pl --generate 500000 --seed 7 --type country --map big.map big.mmdb
//   bench_geo big.mmdb [big.map]
// Addresses: uniform random IPv4 over 1.0.0.0-223.255.255.255 and, with the map, random
// addresses inside its networks (every lookup a hit). Deterministic (fixed seed); the best of
// five rounds is printed. Not run by the tests.
#include <arpa/inet.h>
#include <maxminddb.h>
#include <netinet/in.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "zones/geo/geo_code.h"
#include "zones/geo/geo_database.h"

namespace {

using gslb::GeoFacts;

struct Address {
  uint8_t family;
  uint8_t bytes[16];
};

// The per-query way: what a server would do with libmaxminddb alone.
GeoFacts naive_lookup(const MMDB_s* mmdb, const Address& a) {
  sockaddr_storage ss{};
  if (a.family == 4) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    memcpy(&sin->sin_addr, a.bytes, 4);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    memcpy(&sin6->sin6_addr, a.bytes, 16);
  }
  int error = 0;
  MMDB_lookup_result_s r = MMDB_lookup_sockaddr(mmdb, reinterpret_cast<sockaddr*>(&ss), &error);
  GeoFacts f;
  if (error != MMDB_SUCCESS) return f;
  f.prefix = static_cast<uint8_t>(a.family == 4 && mmdb->metadata.ip_version == 6
                                      ? (r.netmask > 96 ? r.netmask - 96 : 0)
                                      : r.netmask);
  if (!r.found_entry) return f;
  f.found = true;
  MMDB_entry_data_s d;
  auto code = [&](auto... path) -> uint32_t {
    if (MMDB_get_value(&r.entry, &d, path..., nullptr) == MMDB_SUCCESS && d.has_data &&
        d.type == MMDB_DATA_TYPE_UTF8_STRING)
      return gslb::geo_code(std::string_view(d.utf8_string, d.data_size));
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

std::vector<Address> random_ipv4(size_t n, std::mt19937_64& rng) {
  std::vector<Address> out(n);
  std::uniform_int_distribution<uint32_t> pick(0x01000000u, 0xDFFFFFFFu);
  for (auto& a : out) {
    a.family = 4;
    uint32_t v = htonl(pick(rng));
    memcpy(a.bytes, &v, 4);
  }
  return out;
}

// Random addresses inside the networks of a write_mmdb.pl map ("NETWORK COUNTRY" lines).
std::vector<Address> from_map(const char* path, size_t n, std::mt19937_64& rng) {
  std::vector<Address> nets;
  std::vector<int> lengths;
  std::ifstream in(path);
  std::string network, country;
  while (in >> network >> country) {
    auto slash = network.find('/');
    Address a{};
    std::string host = network.substr(0, slash);
    a.family = host.find(':') == std::string::npos ? 4 : 6;
    if (inet_pton(a.family == 4 ? AF_INET : AF_INET6, host.c_str(), a.bytes) != 1) continue;
    nets.push_back(a);
    lengths.push_back(std::stoi(network.substr(slash + 1)));
  }
  std::vector<Address> out;
  if (nets.empty()) return out;
  std::uniform_int_distribution<size_t> which(0, nets.size() - 1);
  for (size_t i = 0; i < n; ++i) {
    size_t k = which(rng);
    Address a = nets[k];
    int bytes = a.family == 4 ? 4 : 16;
    for (int bit = lengths[k]; bit < bytes * 8; ++bit)
      if (rng() & 1) a.bytes[bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
    out.push_back(a);
  }
  return out;
}

template <typename F>
double best_ns(const std::vector<Address>& addresses, F&& f) {
  double best = 1e18;
  for (int round = 0; round < 5; ++round) {
    auto t0 = std::chrono::steady_clock::now();
    uint64_t sum = 0;
    for (const Address& a : addresses) {
      GeoFacts g = f(a);
      sum += g.country + g.prefix;
    }
    auto t1 = std::chrono::steady_clock::now();
    // The sum keeps the loop from being optimised away.
    if (sum == 1) fprintf(stderr, " ");
    double ns = std::chrono::duration<double, std::nano>(t1 - t0).count() / addresses.size();
    if (ns < best) best = ns;
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_geo DB.mmdb [MAP]\n");
    return 2;
  }
  auto t0 = std::chrono::steady_clock::now();
  auto db = gslb::GeoDatabase::open(argv[1]);
  auto t1 = std::chrono::steady_clock::now();
  if (!db) {
    fprintf(stderr, "bench_geo: %s\n", db.error().c_str());
    return 1;
  }
  MMDB_s mmdb;
  if (int s = MMDB_open(argv[1], MMDB_MODE_MMAP, &mmdb); s != MMDB_SUCCESS) {
    fprintf(stderr, "bench_geo: %s: %s\n", argv[1], MMDB_strerror(s));
    return 1;
  }
  printf(
      "%s: %s, %u nodes, %zu records, ip_version %u, record size %u; open() %.0f ms, %.1f MB "
      "held\n",
      argv[1], (*db)->database_type().c_str(), (*db)->node_count(), (*db)->record_count(),
      mmdb.metadata.ip_version, mmdb.metadata.record_size,
      std::chrono::duration<double, std::milli>(t1 - t0).count(), (*db)->memory_bytes() / 1e6);

  std::mt19937_64 rng(42);
  struct Set {
    const char* name;
    std::vector<Address> addresses;
  };
  std::vector<Set> sets;
  sets.push_back({"random IPv4", random_ipv4(1000000, rng)});
  if (argc > 2) sets.push_back({"hits from the map (v4+v6)", from_map(argv[2], 1000000, rng)});
  int mismatches = 0;
  for (const Set& s : sets) {
    size_t found = 0;
    for (const Address& a : s.addresses) {
      uint8_t bits = a.family == 4 ? 32 : 128;
      GeoFacts ours = (*db)->lookup(a.family, a.bytes, bits);
      GeoFacts ref = naive_lookup(&mmdb, a);
      found += ours.found;
      if (ours.found != ref.found || ours.country != ref.country || ours.prefix != ref.prefix) {
        if (++mismatches <= 5)
          printf(
              "mismatch family %u %02x%02x%02x%02x: ours found %d %s /%u, libmaxminddb %d %s /%u\n",
              a.family, a.bytes[0], a.bytes[1], a.bytes[2], a.bytes[3], ours.found,
              gslb::geo_code_text(ours.country).c_str(), ours.prefix, ref.found,
              gslb::geo_code_text(ref.country).c_str(), ref.prefix);
      }
    }
    double naive = best_ns(s.addresses, [&](const Address& a) { return naive_lookup(&mmdb, a); });
    double fast = best_ns(s.addresses, [&](const Address& a) {
      return (*db)->lookup(a.family, a.bytes, a.family == 4 ? 32 : 128);
    });
    printf(
        "%-28s %zu addresses, %.0f%% found: naive %.1f ns/lookup, GeoDatabase %.1f ns/lookup"
        " (%.1fx)\n",
        s.name, s.addresses.size(), 100.0 * found / s.addresses.size(), naive, fast, naive / fast);
  }
  MMDB_close(&mmdb);
  if (mismatches != 0) {
    printf("MISMATCHES: %d\n", mismatches);
    return 1;
  }
  return 0;
}
