// Test helper: ZoneData written in code from presentation-form records (parsed by ldns, so the
// rdata is the same wire form the zone-file loader produces), and owned QNames for lookups.
// Header-only; for unit tests only.
#pragma once

#include <gtest/gtest.h>
#include <ldns/ldns.h>

#include <initializer_list>
#include <string>
#include <string_view>

#include "zones/dns/dname.h"
#include "zones/dns/zone_data.h"
#include "zones/model/snapshot.h"
#include "zones/zonefile/ldns_record.h"

namespace gslb::testing {

// One record from an absolute presentation line, e.g. "www.example.test. 300 IN A 192.0.2.1".
inline Record record(std::string_view text, std::string where = "test") {
  Record r;
  ldns_rr* rr = nullptr;
  ldns_status s = ldns_rr_new_frm_str(&rr, std::string(text).c_str(), 3600, nullptr, nullptr);
  if (s != LDNS_STATUS_OK) {
    ADD_FAILURE() << "bad test record \"" << text << "\": " << ldns_get_errorstr_by_id(s);
    return r;
  }
  r = record_from_ldns(rr, std::move(where));
  ldns_rr_free(rr);
  return r;
}

inline ZoneData zone(std::string_view origin, std::initializer_list<std::string_view> records) {
  ZoneData z;
  auto o = name_from_text(origin);
  if (!o) ADD_FAILURE() << o.error();
  z.origin = o ? *o : std::string(1, '\0');
  z.source = std::string(origin) + "zone";
  int n = 0;
  for (std::string_view text : records)
    z.records.push_back(record(text, "rr" + std::to_string(++n)));
  return z;
}

// A lowercase lookup name with its label offsets, as parse_query would produce it.
class OwnedQName {
 public:
  explicit OwnedQName(std::string_view text) {
    auto n = name_from_text(text);
    if (!n) ADD_FAILURE() << n.error();
    wire_ = lowercase_name(n ? *n : std::string(1, '\0'));
    size_t i = 0;
    while (wire_[i] != 0) {
      offsets_[labels_++] = static_cast<uint8_t>(i);
      i += static_cast<uint8_t>(wire_[i]) + 1;
    }
    offsets_[labels_] = static_cast<uint8_t>(i);
  }
  QName get() const {
    return QName{reinterpret_cast<const uint8_t*>(wire_.data()), static_cast<uint8_t>(wire_.size()),
                 labels_, offsets_};
  }

 private:
  std::string wire_;
  uint8_t offsets_[kMaxLabels + 1] = {};
  uint8_t labels_ = 0;
};

}  // namespace gslb::testing
