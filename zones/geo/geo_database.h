// GeoDatabase: one MMDB file (MaxMind GeoIP2/GeoLite2, DB-IP, IPinfo) opened for lookups on the
// query path. open() reads the file once with libmaxminddb, decodes every distinct data record
// into a GeoFacts and keeps a private copy of the search tree whose leaves point at them, so a
// lookup is a short walk down arrays and one copy: no allocation, no lock, no syscall. The file
// is not touched after open(), so one rewritten in place (cp over it) cannot fault a query.
// Immutable after open(); shared read-only (std::shared_ptr<const GeoDatabase>) by any number
// of threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "zones/base/result.h"

namespace gslb {

// What one MMDB says about one client address. Fields a database does not carry stay 0/false.
struct GeoFacts {
  bool found = false;         // the address lies in a network the database has data for
  uint32_t country = 0;       // geo_code(country.iso_code); falls back to registered_country
  uint32_t continent = 0;     // geo_code(continent.code): AF AN AS EU NA OC SA
  uint32_t subdivision = 0;   // geo_code(subdivisions[0].iso_code) (e.g. "CA", "ENG")
  uint32_t asn = 0;           // autonomous_system_number
  bool has_location = false;  // location.latitude/longitude present
  float latitude = 0, longitude = 0;  // degrees
  // How many leading bits of the client's address decided this answer: the MMDB network's
  // prefix length in the client's family (an IPv4 lookup in an IPv6 tree: minus 96), capped at
  // the `prefix` passed to lookup. Every address sharing these bits gets the same facts: this is
  // the ECS scope prefix (RFC 7871 s7.2.1). Also set (to the prefix of the empty network) when
  // !found.
  uint8_t prefix = 0;
};

class GeoDatabase {
 public:
  // Opens and memory-maps the file, checks it is a well-formed MMDB, and precomputes what lookup
  // needs. Errors name the file and say what is wrong ("/x/country.mmdb: not an MMDB file
  // (...)"); their kind is not_found, io or corrupt.
  static Result<std::shared_ptr<const GeoDatabase>> open(const std::string& path);
  ~GeoDatabase();
  GeoDatabase(const GeoDatabase&) = delete;
  GeoDatabase& operator=(const GeoDatabase&) = delete;

  // family 4 (address = 4 bytes) or 6 (16 bytes); `prefix` = the client's significant bits (an
  // ECS source prefix, or 32/128); bits past `prefix` are treated as zero. Family 0 or anything
  // invalid (a null address, a prefix past the family's length, IPv6 in an IPv4-only database):
  // found = false, prefix 0.
  // HOT PATH: called for every DNS query of a geo-steered service from many threads at once:
  // no allocation, no lock, no syscall, no exception, never crashes on any input.
  GeoFacts lookup(uint8_t family, const uint8_t* address, uint8_t prefix) const noexcept;

  const std::string& path() const { return path_; }
  std::string database_type() const { return database_type_; }  // e.g. "GeoLite2-Country"
  uint64_t build_epoch() const { return build_epoch_; }
  size_t record_count() const { return facts_.size() - 1; }  // distinct data records precomputed
  uint32_t node_count() const { return node_count_; }        // search tree nodes
  uint8_t ip_version() const { return ip_version_; }         // 4 or 6: the tree's address size
  // What the copy of the tree and the facts take, for the operator's memory budget.
  size_t memory_bytes() const {
    return strides_.capacity() * sizeof(uint32_t) + facts_.capacity() * sizeof(GeoFacts);
  }

 private:
  GeoDatabase() = default;
  friend struct GeoDatabaseLoader;

  std::string path_;
  std::string database_type_;
  uint64_t build_epoch_ = 0;
  uint32_t node_count_ = 0;
  uint8_t ip_version_ = 6;
  // The search tree, re-cut four bits a level so that a level is one 64-byte cache line: a
  // lookup touches at most 8 (IPv4) or 32 (IPv6) lines instead of 32 or 128 binary nodes, and
  // the file's record size (24, 28, 32 bits) is gone. kStride entries per node; an entry is
  // either the index of the next node, or (kLeaf set) a leaf: the index into facts_ in the low
  // 28 bits and how many of the node's 4 bits it took in bits 28-30. Every index is in range
  // (built so), which lets lookup follow them unchecked.
  static constexpr unsigned kStride = 16;
  static constexpr uint32_t kLeaf = 0x80000000u;
  std::vector<uint32_t> strides_;
  // facts_[0]: the empty record (not found); then one per distinct data record.
  std::vector<GeoFacts> facts_;
  // Where lookups start: the root, and for IPv4 in an IPv6 tree what lies at ::/96 (a stride
  // node, or a leaf entry whose bit count is 0 when a network such as ::/64 covers all IPv4).
  uint32_t root_ = 0;
  uint32_t ipv4_root_ = 0;
};

}  // namespace gslb
