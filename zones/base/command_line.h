// One command-line style for every program here (gslbd, gslbd apply, gslbd healthd, gslbctl):
// "--name VALUE" and "--name=VALUE"; a short alias "-o VALUE", "-oVALUE" or "-o=VALUE"; flags
// take no value ("--dry-run=x" is an error); options and positional arguments in any order;
// "--" ends the options. "-" alone and negative integers ("-5") are positional arguments.
// Each program lists its options once (a table of OptionSpec) and reads what was given from
// ParsedArgs; errors name the option ("--db needs a value", "unknown option \"--bogus\"").
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "zones/base/result.h"

namespace gslb {

struct OptionSpec {
  std::string_view name;        // "--output"
  std::string_view alias = {};  // "-o", or empty
  bool takes_value = false;
  std::string_view command = {};  // gslbctl: the command it belongs to; empty: every one
};

struct ParsedArgs {
  std::vector<std::pair<std::string_view, std::string>> options;  // canonical name, value
  std::vector<std::string> positional;

  bool has(std::string_view name) const;
  // The value given last (a repeated option: the last one wins), or nullopt.
  std::optional<std::string> value(std::string_view name) const;
  // Every value given, in order (repeatable options such as --listen, --zone).
  std::vector<std::string> values(std::string_view name) const;
};

// Scans argv[first..argc).
Result<ParsedArgs> scan_command_line(int argc, const char* const* argv, int first,
                                     std::span<const OptionSpec> options);

}  // namespace gslb
