#include "zones/base/command_line.h"

#include <algorithm>

namespace gslb {
namespace {

bool is_negative_integer(std::string_view s) {
  return s.size() > 1 && s[0] == '-' &&
         std::all_of(s.begin() + 1, s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

const OptionSpec* find(std::span<const OptionSpec> options, std::string_view name) {
  for (const OptionSpec& o : options)
    if (o.name == name || (!o.alias.empty() && o.alias == name)) return &o;
  return nullptr;
}

}  // namespace

bool ParsedArgs::has(std::string_view name) const {
  return std::any_of(options.begin(), options.end(),
                     [&](const auto& o) { return o.first == name; });
}

std::optional<std::string> ParsedArgs::value(std::string_view name) const {
  for (auto it = options.rbegin(); it != options.rend(); ++it)
    if (it->first == name) return it->second;
  return std::nullopt;
}

std::vector<std::string> ParsedArgs::values(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [n, v] : options)
    if (n == name) out.push_back(v);
  return out;
}

Result<ParsedArgs> scan_command_line(int argc, const char* const* argv, int first,
                                     std::span<const OptionSpec> options) {
  ParsedArgs out;
  bool options_done = false;
  for (int i = first; i < argc; ++i) {
    const std::string arg = argv[i];
    if (!options_done && arg == "--") {
      options_done = true;
      continue;
    }
    if (options_done || arg.size() < 2 || arg[0] != '-' || is_negative_integer(arg)) {
      out.positional.push_back(arg);
      continue;
    }
    std::string name = arg, value;
    bool inline_value = false;
    if (arg.rfind("--", 0) == 0) {
      if (const size_t eq = arg.find('='); eq != std::string::npos) {
        name = arg.substr(0, eq);
        value = arg.substr(eq + 1);
        inline_value = true;
      }
    } else if (arg.size() > 2) {
      name = arg.substr(0, 2);
      value = arg.substr(arg[2] == '=' ? 3 : 2);
      inline_value = true;
    }
    const OptionSpec* opt = find(options, name);
    if (opt == nullptr) return make_error("unknown option \"" + name + "\"");
    if (opt->takes_value && !inline_value) {
      if (i + 1 >= argc) return make_error(name + " needs a value");
      value = argv[++i];
    } else if (!opt->takes_value && inline_value) {
      return make_error(name + " takes no value");
    }
    out.options.emplace_back(opt->name, std::move(value));
  }
  return out;
}

}  // namespace gslb
