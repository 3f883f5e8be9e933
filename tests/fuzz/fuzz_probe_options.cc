// Fuzz target: a check as the health role turns it into a probe (probe_spec_from_check): the
// input's lines are the type, port, path, expect_status, and the options object. Each probe
// type's option keys are also resolved from the last part alone. Errors name the check.
#include <cstdlib>
#include <string>
#include <vector>

#include "healthd/probes/probe.h"
#include "healthd/probes/probe_spec.h"
#include "tests/fuzz/fuzz_scratch.h"
#include "zones/store/store_rows.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  size_t pos = 0;
  while (parts.size() < 4) {
    const size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) break;
    parts.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  const std::string options = text.substr(std::min(pos, text.size()));
  parts.resize(4);
  gslb::CheckRow check;
  check.name = "fuzz";
  check.type = parts[0];
  check.port = static_cast<uint32_t>(strtoul(parts[1].c_str(), nullptr, 10));
  check.path = parts[2];
  check.expect_status = parts[3];
  check.options_json = options;
  for (const char* address : {"192.0.2.1", "2001:db8::1"}) {
    auto spec = gslb::probe_spec_from_check(check, address);
    if (!spec && spec.error().find("'fuzz'") == std::string::npos)
      gslb::fuzz::fail("fuzz_probe_options", "an error without the check: " + spec.error());
  }
  for (const gslb::ProbeType* type : gslb::probe_types()) {
    auto values = gslb::resolve_check_options(*type, options);
    if (values && values->size() != type->options.size())
      gslb::fuzz::fail("fuzz_probe_options", "options resolved to another count");
  }
  return 0;
}
