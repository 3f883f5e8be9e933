// probe_spec_from_check: a database check row (zones/store_rows.h CheckRow) applied to one
// member address, as the ProbeSpec a probe runs. Pure function, thread-safe.
//
// Columns: type (icmp, tcp, http, https, dns), port (0: 80 for http, 443 for https, 53 for dns;
// required for tcp; ignored for icmp), path (http(s); empty: "/"; must start with "/"), host,
// expect_status (http(s): comma-separated codes or ranges, "200,204", "200-299"; empty:
// 200-399), expect_body, timeout_ms (> 0).
//
// options_json: a JSON object ("" and "{}" mean none) with these keys; any other key is an
// error naming it, and so is a key that does not apply to the check's type:
//   verify_tls       bool, https, default true: verify the certificate chain and the name
//   load_header      string, http(s): response header holding a numeric load figure
//   load_json_field  string, http(s): top-level JSON number in the body holding the load figure
//   dns_qname        string, dns, default ".": name to ask
//   dns_qtype        string, dns, default "SOA": type mnemonic (A, AAAA, TXT, TYPE65280, ...)
//   dns_rcode        string, dns, default "NOERROR": expected RCODE (NOERROR, NXDOMAIN, ...)
//   dns_answer       string, dns: an address or text the answer section must contain
//   dns_recurse      bool, dns, default false: set RD (ask a recursive resolver)
//
// Errors read "healthd/check 'NAME': ...".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "healthd/probes/probe.h"
#include "zones/base/result.h"

namespace gslb {

struct CheckRow;

Result<ProbeSpec> probe_spec_from_check(const CheckRow& check, const std::string& address);

// DNS mnemonics, shared with the dns probe. Case-insensitive.
std::optional<uint16_t> dns_type_from_name(std::string_view name);
std::optional<unsigned> dns_rcode_from_name(std::string_view name);
std::string dns_rcode_name(unsigned rcode);  // "RCODE12" for codes without a name

}  // namespace gslb
