#include "api/exposure.h"

namespace gslb::api {

Result<void> check_exposure(const ListenAddress& where, const ApiExposure& how) {
  if (where.is_loopback()) return {};
  if (!how.token_file)
    return make_error(ErrorKind::invalid,
                      "--api " + where.text +
                          " is not a loopback address: give --api-token-file so that only "
                          "holders of a token can change the configuration");
  // Tokens and the configuration would cross the network in clear.
  if (!how.tls && !how.plain_http)
    return make_error(ErrorKind::invalid,
                      "--api " + where.text +
                          " is not a loopback address and would serve plain HTTP, tokens in "
                          "clear: give --api-tls-cert FILE and --api-tls-key FILE to serve "
                          "HTTPS, or --api-plain-http to say you mean it (behind a TLS proxy)");
  return {};
}

}  // namespace gslb::api
