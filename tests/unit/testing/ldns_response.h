// Test helper: parses a response with ldns, the independent oracle for our hand-written codec.
// A response ldns rejects (status other than LDNS_STATUS_OK) is a test failure recorded where
// the LdnsResponse is built; the accessors then return empty values so the test goes on safely.
// Records are rendered as "owner ttl TYPE rdata" strings so tests can compare whole sections.
#pragma once

#include <gtest/gtest.h>
#include <ldns/ldns.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace gslb::testing {

class LdnsResponse {
 public:
  LdnsResponse(const uint8_t* data, size_t size) {
    ldns_pkt* p = nullptr;
    status_ = ldns_wire2pkt(&p, data, size);
    pkt_.reset(p);
    if (size == 0)
      ADD_FAILURE() << "no response (the engine dropped the query)";
    else if (status_ != LDNS_STATUS_OK)
      ADD_FAILURE() << "ldns rejects the response: " << ldns_get_errorstr_by_id(status_);
  }
  explicit LdnsResponse(const std::vector<uint8_t>& wire)
      : LdnsResponse(wire.data(), wire.size()) {}

  bool ok() const { return pkt_ != nullptr; }
  ldns_status status() const { return status_; }
  const ldns_pkt* pkt() const { return pkt_.get(); }

  uint16_t id() const { return ok() ? ldns_pkt_id(pkt_.get()) : 0; }
  bool qr() const { return ok() && ldns_pkt_qr(pkt_.get()); }
  bool aa() const { return ok() && ldns_pkt_aa(pkt_.get()); }
  bool tc() const { return ok() && ldns_pkt_tc(pkt_.get()); }
  bool rd() const { return ok() && ldns_pkt_rd(pkt_.get()); }
  bool cd() const { return ok() && ldns_pkt_cd(pkt_.get()); }
  bool ra() const { return ok() && ldns_pkt_ra(pkt_.get()); }
  int opcode() const { return ok() ? ldns_pkt_get_opcode(pkt_.get()) : -1; }
  // The full rcode: the header's 4 bits plus the OPT's upper 8 bits (RFC 6891 s6.1.3).
  int rcode() const {
    if (!ok()) return -1;
    int low = ldns_pkt_get_rcode(pkt_.get()) & 0x0F;
    return ldns_pkt_edns(pkt_.get()) ? (ldns_pkt_edns_extended_rcode(pkt_.get()) << 4) | low : low;
  }

  size_t qdcount() const { return ok() ? ldns_pkt_qdcount(pkt_.get()) : 0; }
  size_t ancount() const { return ok() ? ldns_pkt_ancount(pkt_.get()) : 0; }
  size_t nscount() const { return ok() ? ldns_pkt_nscount(pkt_.get()) : 0; }
  // Additional records other than the OPT (ldns takes the OPT out of the section).
  size_t arcount() const { return ok() ? ldns_pkt_arcount(pkt_.get()) : 0; }

  std::vector<std::string> question() const { return section(LDNS_SECTION_QUESTION); }
  std::vector<std::string> answer() const { return section(LDNS_SECTION_ANSWER); }
  std::vector<std::string> authority() const { return section(LDNS_SECTION_AUTHORITY); }
  std::vector<std::string> additional() const { return section(LDNS_SECTION_ADDITIONAL); }
  ldns_rr_list* rrs(ldns_pkt_section s) const {
    return ok() ? ldns_pkt_get_section_clone(pkt_.get(), s) : nullptr;
  }
  // The class of the first question, answer... record of a section; 0 when there is none.
  uint16_t rr_class(ldns_pkt_section s, size_t i = 0) const {
    std::unique_ptr<ldns_rr_list, ListFree> list(rrs(s));
    if (!list || i >= ldns_rr_list_rr_count(list.get())) return 0;
    return static_cast<uint16_t>(ldns_rr_get_class(ldns_rr_list_rr(list.get(), i)));
  }

  bool edns() const { return ok() && ldns_pkt_edns(pkt_.get()); }
  uint16_t edns_udp_size() const { return ok() ? ldns_pkt_edns_udp_size(pkt_.get()) : 0; }
  int edns_version() const { return ok() ? ldns_pkt_edns_version(pkt_.get()) : -1; }
  bool edns_do() const { return ok() && ldns_pkt_edns_do(pkt_.get()); }
  // The OPT's options as (code, data), in wire order, read from the raw OPT RDATA.
  std::vector<std::pair<uint16_t, std::string>> edns_options() const {
    std::vector<std::pair<uint16_t, std::string>> out;
    const ldns_rdf* d = ok() ? ldns_pkt_edns_data(pkt_.get()) : nullptr;
    if (d == nullptr) return out;
    const uint8_t* p = ldns_rdf_data(d);
    size_t n = ldns_rdf_size(d), i = 0;
    while (i + 4 <= n) {
      uint16_t code = static_cast<uint16_t>(p[i] << 8 | p[i + 1]);
      size_t len = static_cast<size_t>(p[i + 2] << 8 | p[i + 3]);
      if (i + 4 + len > n) {
        ADD_FAILURE() << "EDNS option " << code << " overruns the OPT RDATA";
        break;
      }
      out.emplace_back(code, std::string(reinterpret_cast<const char*>(p + i + 4), len));
      i += 4 + len;
    }
    if (i != n) ADD_FAILURE() << "trailing bytes in the OPT RDATA";
    return out;
  }

  // "owner ttl TYPE rdata..." for one record, e.g. "www.example.test. 3600 A 192.0.2.1".
  static std::string rr_text(const ldns_rr* rr, bool with_ttl = true) {
    std::string s = text(ldns_rdf2str(ldns_rr_owner(rr)));
    if (with_ttl) s += " " + std::to_string(ldns_rr_ttl(rr));
    s += " " + text(ldns_rr_type2str(ldns_rr_get_type(rr)));
    for (size_t i = 0; i < ldns_rr_rd_count(rr); ++i)
      s += " " + text(ldns_rdf2str(ldns_rr_rdf(rr, i)));
    return s;
  }

 private:
  struct PktFree {
    void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
  };
  struct ListFree {
    void operator()(ldns_rr_list* l) const { ldns_rr_list_deep_free(l); }
  };
  static std::string text(char* s) {
    std::string out = s != nullptr ? s : "<null>";
    free(s);
    return out;
  }
  std::vector<std::string> section(ldns_pkt_section s) const {
    std::vector<std::string> out;
    std::unique_ptr<ldns_rr_list, ListFree> list(rrs(s));
    if (!list) return out;
    for (size_t i = 0; i < ldns_rr_list_rr_count(list.get()); ++i)
      out.push_back(rr_text(ldns_rr_list_rr(list.get(), i), s != LDNS_SECTION_QUESTION));
    return out;
  }

  ldns_status status_ = LDNS_STATUS_ERR;
  std::unique_ptr<ldns_pkt, PktFree> pkt_;
};

}  // namespace gslb::testing
