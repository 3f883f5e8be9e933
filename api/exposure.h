// Which API listening set-ups gslbd refuses to start with: off loopback (127.0.0.0/8 and ::1
// are loopback; 0.0.0.0, :: and every other address are not) the API needs a token file, and
// it speaks HTTPS unless plain HTTP was asked for by name (--api-plain-http, e.g. behind a TLS
// proxy). Loopback may serve plain HTTP without being asked. A pure function of its inputs.
#pragma once

#include "server/listen_address.h"
#include "zones/base/result.h"

namespace gslb::api {

struct ApiExposure {
  bool token_file = false;  // --api-token-file given
  bool tls = false;         // --api-tls-cert and --api-tls-key given
  bool plain_http = false;  // --api-plain-http given
};

// The error says what to give to start: the option names, and the address as given.
Result<void> check_exposure(const ListenAddress& where, const ApiExposure& how);

}  // namespace gslb::api
