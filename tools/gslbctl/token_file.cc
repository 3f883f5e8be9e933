#include "tools/gslbctl/token_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace gslbctl {

gslb::Result<std::string> read_token_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return gslb::make_error("token file " + path + ": " + strerror(errno));
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (const size_t hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream words(line);
    std::vector<std::string> fields;
    for (std::string w; words >> w;) fields.push_back(w);
    if (fields.empty()) continue;
    if (fields.size() > 2)
      return gslb::make_error("token file " + path + ":" + std::to_string(number) +
                              ": expected TOKEN or ROLE TOKEN");
    return fields.back();
  }
  if (in.bad()) return gslb::make_error("token file " + path + ": read error");
  return gslb::make_error("token file " + path + ": no token in it");
}

}  // namespace gslbctl
