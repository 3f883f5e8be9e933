// probe_spec_from_check: a database check row (zones/store_rows.h CheckRow) applied to one
// member address (or a CNAME target's name, which ends with a dot: ProbeSpec::target_name),
// as the ProbeSpec a probe runs. Pure function, thread-safe.
//
// Columns: type (a probe type of the catalogue, probe_types()), port (its PortUse: ignored,
// defaulted from 0, or required), path (types that speak HTTP; empty: "/"; must start with
// "/"), host, expect_status (HTTP: comma-separated codes or ranges, "200,204", "200-299";
// empty: 200-399), expect_body, timeout_ms (> 0).
//
// options_json: a JSON object ("" and "{}" mean none) of the type's option keys
// (ProbeType::options, declared in each probe's file); any other key is an error naming it,
// and so is a key of another type.
//
// Errors read "healthd/check 'NAME': ...".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "healthd/probes/probe.h"
#include "zones/base/result.h"

namespace gslb {

struct CheckRow;

Result<ProbeSpec> probe_spec_from_check(const CheckRow& check, const std::string& address);

// A check's options (JSON object text) resolved against its type: the values in the order of
// type.options, or the first problem ("unknown option 'x'", "option 'x' does not apply to tcp
// checks", "option 'dns_rcode': unknown rcode 'MAYBE'").
Result<std::vector<KeyValue>> resolve_check_options(const ProbeType& type,
                                                    std::string_view options_json);
// The words for one option problem of a check of `type`, as above.
std::string option_problem_text(const KeyProblem& problem, std::string_view type);

// DNS mnemonics, shared with the dns probe. Case-insensitive.
std::optional<uint16_t> dns_type_from_name(std::string_view name);
std::optional<unsigned> dns_rcode_from_name(std::string_view name);
std::string dns_rcode_name(unsigned rcode);  // "RCODE12" for codes without a name

}  // namespace gslb
