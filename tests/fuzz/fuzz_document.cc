// Fuzz target: the declarative document (`gslbd apply`, PUT /v1/config) parsed, validated against
// the catalogue and diffed against a database, as a dry run: zone files only from an empty
// directory of our own. A refusal has a message; a dry run changes nothing.
#include <filesystem>
#include <memory>
#include <string>

#include "tests/fuzz/fuzz_scratch.h"
#include "zones/config/config_document.h"
#include "zones/store/store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::unique_ptr<gslb::Store> store = [] {
    const std::string dir = gslb::fuzz::scratch_dir() + "/document";
    std::filesystem::create_directories(dir + "/zones");
    auto s = gslb::Store::open(dir + "/gslb.db");
    if (!s) gslb::fuzz::fail("fuzz_document", s.error());
    return std::move(*s);
  }();
  static const std::string zone_dir = gslb::fuzz::scratch_dir() + "/document/zones";
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto before = store->config_generation();
  gslb::ZoneFileRoot root{zone_dir, {}, {}};
  auto r = gslb::apply_document(*store, text, true, nullptr, &root);
  if (!r && r.error().empty()) gslb::fuzz::fail("fuzz_document", "a refusal without a message");
  auto after = store->config_generation();
  if (!before || !after || *before != *after)
    gslb::fuzz::fail("fuzz_document", "a dry run changed the database");
  return 0;
}
