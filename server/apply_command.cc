// gslbd apply: makes the database match a declarative document, beside the database (no API).
#include <cstdio>

#include "server/commands.h"
#include "server/servable_check.h"
#include "zones/base/command_line.h"
#include "zones/config/config_document.h"
#include "zones/store/store.h"

namespace gslb {
namespace {

// gslbd apply [--db PATH] FILE [--dry-run]
constexpr OptionSpec kApplyOptions[] = {{"--db", "", true}, {"--dry-run"}};
constexpr const char* kApplyUsage = "usage: gslbd apply [--db PATH] FILE [--dry-run]\n";

}  // namespace

int run_apply(int argc, char** argv) {
  auto args = scan_command_line(argc, argv, 2, kApplyOptions);
  if (!args || args->positional.size() != 1) {
    fprintf(stderr, "gslbd apply: %s\n%s",
            !args ? args.error().c_str()
            : args->positional.empty()
                ? "no document given"
                : ("unexpected argument \"" + args->positional[1] + "\"").c_str(),
            kApplyUsage);
    return 2;
  }
  const std::string db = args->value("--db").value_or("gslb.db");
  const std::string file = args->positional[0];
  const bool dry_run = args->has("--dry-run");
  auto store = Store::open(db);
  if (!store) {
    fprintf(stderr, "gslbd apply: %s\n", store.error().c_str());
    return 1;
  }
  auto report = apply_document_file(**store, file, dry_run, check_servable);
  if (!report) {
    fprintf(stderr, "gslbd apply: %s rejected, nothing changed:\n%s\n", file.c_str(),
            report.error().c_str());
    return 1;
  }
  for (const std::string& c : report->changes) printf("%s\n", c.c_str());
  if (report->changes.empty()) printf("no changes\n");
  if (dry_run) printf("(dry run: nothing written)\n");
  return 0;
}

}  // namespace gslb
