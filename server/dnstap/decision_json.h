// decision_json: the GSLB decision of one response as the compact JSON object gslbd puts in
// Dnstap.extra, e.g.
//   {"service":"app.gslb.test","policy":"weighted","candidates":"healthy","degraded":false,
//    "answer":"members","picked":["tokyo"],"tier":1,"ttl":30,"ecs_scope":24}
// "candidates" is the set the policy picked from (healthy, fallback_all, fallback_sorry, none:
// the words of /v1/explain); "answer" is members, nodata (no member of the queried family) or
// servfail (nothing to pick from); "tier" the lowest priority among the picks. Empty for a
// response that named no service.
#pragma once

#include <cstdint>
#include <string>

#include "server/dnstap/dnstap_record.h"

namespace gslb {

// Replaces `out` (reused by the writer: no allocation once it has grown). `rcode` is the
// response's, which tells NODATA from SERVFAIL when nothing was picked.
void decision_json(const DnstapDecision& d, int rcode, std::string& out);

}  // namespace gslb
