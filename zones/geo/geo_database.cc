// Lookup cost, measured by tools/bench_geo (-O2, g++ 12, one thread) on a generated country
// database of 500 000 networks (450 000 IPv4 /24s and /20s, 50 000 IPv6 /32s; 2.2 M nodes,
// 15 MB), 10^6 addresses, best of five rounds, on 2 cores shared with other builds (load 5-7, so
// the absolute figures are high; the ratios held across runs):
//                                             random IPv4 (12% hit)   addresses in networks
//   libmaxminddb per query (lookup_sockaddr
//   + MMDB_get_value for each fact)                 900-1150 ns            1550-2100 ns
//   own binary copy of the tree, leaves index
//   precomputed GeoFacts                            675-800 ns             720-900 ns
//   the same tree re-cut in 4-bit strides
//   (one 64-byte line a level): this file           140 ns                 220 ns
// The binary walk misses the cache at nearly every level below the top (the tree is 17 MB); a
// stride takes four levels in one line. The cost: 34 MB held for that file (2.2x the file), and
// open() takes 0.2-0.8 s (4.4 s with 500 000 distinct city records, decoded one by one).
#include "zones/geo/geo_database.h"

#include <maxminddb.h>
#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <new>
#include <string_view>
#include <unordered_map>

#include "zones/geo/geo_code.h"

namespace gslb {
namespace {

// MMDB format s"Search tree": data records are numbered past the nodes and a 16-byte separator.
constexpr uint64_t kDataSectionSeparator = 16;

// Record `side` (0 left, 1 right) of node `node` of the file's tree, for the three record sizes
// of the format (24, 28, 32 bits; 28 keeps the left record's high nibble in the middle byte).
// REQUIRES: node < node_count, the tree lies within the file.
uint32_t read_record(const uint8_t* tree, uint16_t record_size, uint32_t node, int side) {
  switch (record_size) {
    case 24: {
      const uint8_t* p = tree + static_cast<size_t>(node) * 6 + side * 3;
      return uint32_t{p[0]} << 16 | uint32_t{p[1]} << 8 | p[2];
    }
    case 28: {
      const uint8_t* p = tree + static_cast<size_t>(node) * 7;
      if (side == 0) return uint32_t{p[3] & 0xF0u} << 20 | uint32_t{p[0]} << 16 | p[1] << 8 | p[2];
      return uint32_t{p[3] & 0x0Fu} << 24 | uint32_t{p[4]} << 16 | p[5] << 8 | p[6];
    }
    default: {
      const uint8_t* p = tree + static_cast<size_t>(node) * 8 + side * 4;
      return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
    }
  }
}

// The error of a file that opened but does not read as a MaxMind DB.
Error corrupt(const std::string& path, const std::string& what) {
  return make_error(ErrorKind::corrupt, path + ": corrupt MMDB file (" + what + ")", path);
}

}  // namespace

// Everything open() does, with the MMDB_s it needs closed on every way out.
struct GeoDatabaseLoader {
  explicit GeoDatabaseLoader(const std::string& p) : path(p) {}
  GeoDatabaseLoader(const GeoDatabaseLoader&) = delete;
  GeoDatabaseLoader& operator=(const GeoDatabaseLoader&) = delete;

  const std::string& path;
  MMDB_s mmdb{};
  bool opened = false;
  // The first problem met decoding a data record (a field of the wrong type is only absent).
  std::string problem;

  ~GeoDatabaseLoader() {
    if (opened) MMDB_close(&mmdb);
  }

  Result<std::shared_ptr<const GeoDatabase>> load() {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) {
      int e = errno;
      return make_error(e == ENOENT ? ErrorKind::not_found : ErrorKind::io,
                        path + ": cannot open (" + strerror(e) + ")", path);
    }
    if (S_ISDIR(st.st_mode))
      return make_error(ErrorKind::io, path + ": is a directory, not an MMDB file", path);
    // libmaxminddb cannot map an empty file and would call it an I/O error.
    if (st.st_size == 0) return make_error(ErrorKind::corrupt, path + ": empty file", path);
    if (int status = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &mmdb); status != MMDB_SUCCESS) {
      std::string why = MMDB_strerror(status);
      if (status == MMDB_IO_ERROR || status == MMDB_FILE_OPEN_ERROR) {
        if (errno != 0) why += std::string(": ") + strerror(errno);
        return make_error(ErrorKind::io, path + ": cannot read (" + why + ")", path);
      }
      if (status == MMDB_OUT_OF_MEMORY_ERROR)
        return make_error(ErrorKind::internal, path + ": " + why, path);
      if (status == MMDB_UNKNOWN_DATABASE_FORMAT_ERROR || status == MMDB_INVALID_METADATA_ERROR)
        return make_error(ErrorKind::corrupt, path + ": not an MMDB file (" + why + ")", path);
      return corrupt(path, why);
    }
    opened = true;
    try {
      return build();
    } catch (const std::bad_alloc&) {
      return make_error(ErrorKind::internal, path + ": out of memory reading the search tree",
                        path);
    }
  }

  Result<std::shared_ptr<const GeoDatabase>> build() {
    const MMDB_metadata_s& meta = mmdb.metadata;
    if (meta.binary_format_major_version != 2)
      return corrupt(
          path, "binary format " + std::to_string(meta.binary_format_major_version) + ", not 2");
    if (meta.ip_version != 4 && meta.ip_version != 6)
      return corrupt(path, "ip_version " + std::to_string(meta.ip_version));
    if (meta.record_size != 24 && meta.record_size != 28 && meta.record_size != 32)
      return corrupt(path, "record size " + std::to_string(meta.record_size));
    const uint32_t nodes = meta.node_count;
    // libmaxminddb checks this too; the copy below must not rely on another library's checks.
    const uint64_t tree_bytes = uint64_t{nodes} * meta.record_size / 4;
    const auto file_size = static_cast<uint64_t>(mmdb.file_size);
    if (nodes == 0 || mmdb.file_size < 0 || tree_bytes + kDataSectionSeparator > file_size)
      return corrupt(path, "search tree of " + std::to_string(nodes) + " nodes past the end");
    // Stride node indices share their entry with the leaf flag (bit 31).
    if (nodes >= GeoDatabase::kLeaf) return corrupt(path, "too many nodes");
    // What lies between the tree's separator and the metadata (libmaxminddb's own bound).
    const uint64_t data_size = mmdb.data_section_size;

    std::shared_ptr<GeoDatabase> db(new GeoDatabase());
    db->path_ = path;
    if (meta.database_type != nullptr) db->database_type_ = meta.database_type;
    db->build_epoch_ = meta.build_epoch;
    db->node_count_ = nodes;
    db->ip_version_ = static_cast<uint8_t>(meta.ip_version);
    db->facts_.emplace_back();  // leaf 0: the empty record

    // Each distinct data record is decoded once, however many networks share it.
    std::unordered_map<uint32_t, uint32_t> leaf_of_record;
    const uint8_t* tree = mmdb.file_content;
    std::vector<uint32_t> binary(uint64_t{nodes} * 2);
    for (uint32_t node = 0; node < nodes; ++node) {
      for (int side = 0; side < 2; ++side) {
        uint32_t record = read_record(tree, meta.record_size, node, side);
        uint32_t leaf = 0;
        if (record < nodes) {
          binary[size_t{node} * 2 + side] = record;
          continue;
        }
        if (record > nodes) {
          uint64_t offset = uint64_t{record} - nodes - kDataSectionSeparator;
          if (record < nodes + kDataSectionSeparator || offset >= data_size)
            return corrupt(path, "node " + std::to_string(node) + " points past the data");
          auto [at, added] = leaf_of_record.try_emplace(record, 0);
          if (added) {
            if (db->facts_.size() > 0x0FFFFFFF) return corrupt(path, "too many data records");
            at->second = static_cast<uint32_t>(db->facts_.size());
            db->facts_.push_back(decode(static_cast<uint32_t>(offset)));
            if (!problem.empty())
              return corrupt(path,
                             "data record at offset " + std::to_string(offset) + ": " + problem);
          }
          leaf = at->second;
        }
        binary[size_t{node} * 2 + side] = nodes + leaf;
      }
    }
    uint32_t ipv4_start = 0;
    if (db->ip_version_ == 6) {
      // As libmaxminddb does: IPv4 lives at ::/96. Stops early at a leaf (no IPv4 data, or a
      // network such as ::/64 holding all of it).
      for (int depth = 0; depth < 96 && ipv4_start < nodes; ++depth)
        ipv4_start = binary[size_t{ipv4_start} * 2];
    }
    recut(*db, binary, ipv4_start);
    return std::shared_ptr<const GeoDatabase>(std::move(db));
  }

  // Cuts the binary tree (records below `nodes` are nodes, the rest nodes + facts index) into
  // 4-bit strides. Each binary node met at a stride boundary becomes one stride node, however
  // many paths reach it (the aliases of ::/96 all lead to one IPv4 subtree), so there are never
  // more stride nodes than binary nodes; a damaged tree's cycles stay cycles, and lookup's
  // bounded walk still ends.
  static void recut(GeoDatabase& db, const std::vector<uint32_t>& binary, uint32_t ipv4_start) {
    const uint32_t nodes = db.node_count_;
    constexpr uint32_t kNone = UINT32_MAX;
    std::vector<uint32_t> stride_of(nodes, kNone);
    std::vector<uint32_t> pending;  // binary nodes given a stride node, not yet filled
    auto stride_node = [&](uint32_t node) {
      if (stride_of[node] == kNone) {
        stride_of[node] = static_cast<uint32_t>(db.strides_.size() / GeoDatabase::kStride);
        db.strides_.resize(db.strides_.size() + GeoDatabase::kStride);
        pending.push_back(node);
      }
      return stride_of[node];
    };
    auto leaf = [&](uint32_t record, uint32_t bits) {
      return GeoDatabase::kLeaf | bits << 28 | (record - nodes);
    };
    db.root_ = stride_node(0);
    db.ipv4_root_ = ipv4_start < nodes ? stride_node(ipv4_start) : leaf(ipv4_start, 0);
    while (!pending.empty()) {
      const uint32_t node = pending.back();
      pending.pop_back();
      const size_t at = size_t{stride_of[node]} * GeoDatabase::kStride;
      for (uint32_t pattern = 0; pattern < GeoDatabase::kStride; ++pattern) {
        uint32_t record = node;
        uint32_t bits = 0;
        while (bits < 4 && record < nodes) {
          record = binary[size_t{record} * 2 + ((pattern >> (3 - bits)) & 1)];
          ++bits;
        }
        // stride_node() may grow strides_: the index is taken before the store.
        uint32_t entry = record < nodes ? stride_node(record) : leaf(record, bits);
        db.strides_[at + pattern] = entry;
      }
    }
  }

  // The value at `path` in the record at `offset`, if it is there. A path that does not fit the
  // data (a string where a map was expected) is absent; anything else sets `problem`.
  bool get(uint32_t offset, MMDB_entry_data_s* out, std::initializer_list<const char*> keys) {
    const char* key_path[5] = {};
    size_t n = 0;
    for (const char* k : keys) key_path[n++] = k;
    MMDB_entry_s entry{&mmdb, offset};
    int status = MMDB_aget_value(&entry, out, key_path);
    if (status == MMDB_SUCCESS) return out->has_data;
    if (status != MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR &&
        status != MMDB_INVALID_LOOKUP_PATH_ERROR && problem.empty())
      problem = MMDB_strerror(status);
    return false;
  }

  // A code at any of the paths: GeoIP2 and DB-IP nest it in a map ("country" -> "iso_code"),
  // IPinfo keeps it flat ("country": "JP", "country_code": "JP").
  uint32_t code(uint32_t offset, std::initializer_list<std::initializer_list<const char*>> paths) {
    for (auto keys : paths) {
      MMDB_entry_data_s d;
      if (get(offset, &d, keys) && d.type == MMDB_DATA_TYPE_UTF8_STRING)
        if (uint32_t c = geo_code(std::string_view(d.utf8_string, d.data_size)); c != 0) return c;
    }
    return 0;
  }

  // A number stored as a double, a float, an integer or (IPinfo) a string.
  bool number(uint32_t offset, std::initializer_list<const char*> keys, double* out) {
    MMDB_entry_data_s d;
    if (!get(offset, &d, keys)) return false;
    switch (d.type) {
      case MMDB_DATA_TYPE_DOUBLE:
        *out = d.double_value;
        return std::isfinite(*out);
      case MMDB_DATA_TYPE_FLOAT:
        *out = d.float_value;
        return std::isfinite(*out);
      case MMDB_DATA_TYPE_UINT16:
        *out = d.uint16;
        return true;
      case MMDB_DATA_TYPE_UINT32:
        *out = d.uint32;
        return true;
      case MMDB_DATA_TYPE_INT32:
        *out = d.int32;
        return true;
      case MMDB_DATA_TYPE_UINT64:
        *out = static_cast<double>(d.uint64);
        return true;
      case MMDB_DATA_TYPE_UTF8_STRING: {
        std::string text(d.utf8_string, d.data_size);
        if (text.size() > 2 && (text[0] == 'A' || text[0] == 'a') &&
            (text[1] == 'S' || text[1] == 's'))
          text.erase(0, 2);  // IPinfo writes ASNs as "AS64500"
        char* end = nullptr;
        errno = 0;
        *out = strtod(text.c_str(), &end);
        return !text.empty() && end == text.c_str() + text.size() && errno == 0 &&
               std::isfinite(*out);
      }
      default:
        return false;
    }
  }

  GeoFacts decode(uint32_t offset) {
    GeoFacts f;
    f.found = true;
    f.country = code(offset, {{"country", "iso_code"},
                              {"registered_country", "iso_code"},
                              {"country"},
                              {"country_code"}});
    f.continent = code(offset, {{"continent", "code"}, {"continent"}, {"continent_code"}});
    f.subdivision = code(offset, {{"subdivisions", "0", "iso_code"}, {"region_code"}});
    double asn = 0;
    if ((number(offset, {"autonomous_system_number"}, &asn) || number(offset, {"asn"}, &asn)) &&
        asn >= 0 && asn <= UINT32_MAX)
      f.asn = static_cast<uint32_t>(asn);
    double lat = 0, lon = 0;
    if ((number(offset, {"location", "latitude"}, &lat) &&
         number(offset, {"location", "longitude"}, &lon)) ||
        (number(offset, {"latitude"}, &lat) && number(offset, {"longitude"}, &lon)) ||
        (number(offset, {"lat"}, &lat) && number(offset, {"lng"}, &lon))) {
      if (lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180) {
        f.has_location = true;
        f.latitude = static_cast<float>(lat);
        f.longitude = static_cast<float>(lon);
      }
    }
    return f;
  }
};

Result<std::shared_ptr<const GeoDatabase>> GeoDatabase::open(const std::string& path) {
  GeoDatabaseLoader loader(path);
  return loader.load();
}

GeoDatabase::~GeoDatabase() = default;

GeoFacts GeoDatabase::lookup(uint8_t family, const uint8_t* address,
                             uint8_t prefix) const noexcept {
  const unsigned bits = family == 4 ? 32 : family == 6 ? 128 : 0;
  if (bits == 0 || address == nullptr || prefix > bits) return {};
  // An IPv4 tree has no IPv6 networks (libmaxminddb refuses such a lookup alike).
  if (family == 6 && ip_version_ == 4) return {};
  // Bits past the prefix count as zero: cleared once here rather than tested at every step.
  uint8_t masked[16] = {};
  const unsigned whole = prefix / 8;
  for (unsigned i = 0; i < whole; ++i) masked[i] = address[i];
  if (prefix % 8 != 0)
    masked[whole] = address[whole] & static_cast<uint8_t>(0xFF00 >> (prefix % 8));

  uint32_t entry = family == 4 && ip_version_ == 6 ? ipv4_root_ : root_;
  unsigned depth = 0;
  const uint32_t* strides = strides_.data();
  while (!(entry & kLeaf)) {
    // Still inside the tree after every bit: only a damaged tree goes deeper than addresses.
    if (depth >= bits) return {};
    const unsigned nibble = (masked[depth / 8] >> (depth % 8 == 0 ? 4 : 0)) & 0xF;
    entry = strides[size_t{entry} * kStride + nibble];
    depth += 4;
  }
  // A leaf taking fewer than the 4 bits of its node ends that many bits earlier.
  if (depth != 0) depth = depth - 4 + ((entry >> 28) & 7);
  GeoFacts facts = facts_[entry & 0x0FFFFFFF];
  facts.prefix = static_cast<uint8_t>(depth < prefix ? depth : prefix);
  return facts;
}

}  // namespace gslb
