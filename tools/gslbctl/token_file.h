// Reads the API token gslbctl sends as `Authorization: Bearer TOKEN` from a token file: the
// first line that is neither empty nor a comment (`#` starts one), either `TOKEN` alone or
// `ROLE TOKEN` as in the server's --api-token-file (then the second field is the token).
#pragma once

#include <string>

#include "zones/base/result.h"

namespace gslbctl {

gslb::Result<std::string> read_token_file(const std::string& path);

}  // namespace gslbctl
