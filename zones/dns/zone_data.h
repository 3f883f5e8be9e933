// ZoneData: the records of one zone as loaded from any source (a zone file, the database), in wire
// form, before indexing. The Snapshot builder does not know where they came from.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gslb {

struct Record {
  std::string owner;  // wire form, any case
  uint16_t type = 0;
  uint32_t ttl = 0;
  std::string rdata;  // wire form, uncompressed
  std::string where;  // "file:line" or "records row 41", for error messages
};

struct ZoneData {
  std::string origin;  // wire form
  std::string source;  // file name or "database", for error messages
  // Neither the configuration nor the file named the zone: a guess the operator should hear of.
  bool origin_from_file_name = false;
  std::vector<Record> records;
};

}  // namespace gslb
