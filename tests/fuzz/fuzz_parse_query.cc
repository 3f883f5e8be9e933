// Fuzz target: parse_query alone (the first thing every packet meets), linked with the wire
// library only: no SQLite, no JSON. What it parsed must stay inside the packet and the RFC's
// limits: a name of at most 255 octets in labels of at most 63, label offsets that walk it.
#include <cstdint>
#include <string>

#include "server/wire/query.h"
#include "tests/fuzz/fuzz_scratch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gslb::Query q;
  const gslb::ParseOutcome r = gslb::parse_query(data, size, q);
  if (r == gslb::ParseOutcome::kDrop) return 0;
  if (size < 12) gslb::fuzz::fail("fuzz_parse_query", "a reply to a packet without a header");
  if (!q.has_question) return 0;
  if (q.question_end > size || q.question_end < 12 + q.qname_length + 4)
    gslb::fuzz::fail("fuzz_parse_query", "question end outside the packet");
  if (q.qname_length == 0 || q.qname[q.qname_length - 1] != 0)
    gslb::fuzz::fail("fuzz_parse_query", "name of " + std::to_string(q.qname_length) + " octets");
  size_t pos = 0;
  for (unsigned i = 0; i < q.labels; ++i) {
    if (q.label_offsets[i] != pos) gslb::fuzz::fail("fuzz_parse_query", "label offsets");
    const uint8_t n = q.qname[pos];
    if (n == 0 || n > 63) gslb::fuzz::fail("fuzz_parse_query", "label length");
    for (size_t k = pos + 1; k <= pos + n; ++k)
      if (q.qname[k] >= 'A' && q.qname[k] <= 'Z') gslb::fuzz::fail("fuzz_parse_query", "case");
    pos += 1 + n;
  }
  if (pos + 1 != q.qname_length) gslb::fuzz::fail("fuzz_parse_query", "labels do not fill name");
  if (r != gslb::ParseOutcome::kOk) return 0;
  if (q.ecs.present && ((q.ecs.family == 1 && q.ecs.source_prefix > 32) ||
                        (q.ecs.family == 2 && q.ecs.source_prefix > 128) ||
                        (q.ecs.family != 1 && q.ecs.family != 2)))
    gslb::fuzz::fail("fuzz_parse_query", "ECS accepted out of range");
  if (q.cookie_length != 0 && q.cookie_length != 8 &&
      (q.cookie_length < 16 || q.cookie_length > 40))
    gslb::fuzz::fail("fuzz_parse_query", "cookie of " + std::to_string(q.cookie_length));
  return 0;
}
