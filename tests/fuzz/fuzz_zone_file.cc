// Fuzz target: the zone-file loader (ldns underneath, then our checks) and the snapshot builder
// over what it accepts, read both ways an operator names a file: under a configured zone name
// and on its own. A refusal must name the file; an accepted zone must build or be refused.
#include <string>

#include "tests/fuzz/fuzz_scratch.h"
#include "zones/model/snapshot_builder.h"
#include "zones/zonefile/zone_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = gslb::fuzz::scratch_file("fuzz.zone", data, size);
  for (const char* zone : {"example.test", ""}) {
    auto z = gslb::load_zone_file(path, zone);
    if (!z) {
      if (z.error().find(path) == std::string::npos)
        gslb::fuzz::fail("fuzz_zone_file", "an error without the file: " + z.error());
      continue;
    }
    auto snap = gslb::build_snapshot({*z});
    if (!snap && snap.error().empty()) gslb::fuzz::fail("fuzz_zone_file", "empty error");
  }
  return 0;
}
