// Fuzz target: parse_subnet, the one reader of "ADDRESS/PREFIX" (documents, rows, explain). What
// it accepts must print back to text that parses to the same network.
#include <cstring>
#include <string>

#include "tests/fuzz/fuzz_scratch.h"
#include "zones/dns/subnet.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (gslb::SubnetText form : {gslb::SubnetText::kNetwork, gslb::SubnetText::kClient}) {
    auto s = gslb::parse_subnet(text, form);
    if (!s) {
      if (s.error().empty()) gslb::fuzz::fail("fuzz_subnet", "an error without a message");
      continue;
    }
    if ((s->family != 4 && s->family != 6) || s->prefix > (s->family == 4 ? 32 : 128))
      gslb::fuzz::fail("fuzz_subnet", "accepted out of range: " + std::string(text));
    auto again = gslb::parse_subnet(s->text(), gslb::SubnetText::kClient);
    if (!again || again->family != s->family || again->prefix != s->prefix ||
        memcmp(again->address, s->address, 16) != 0)
      gslb::fuzz::fail("fuzz_subnet", "does not round-trip: " + std::string(text));
  }
  return 0;
}
