// check_servable: whether the DNS role could serve a configuration — its zones built from the
// rows (zone files read), its services placed in them — by building the snapshot it would
// build. Used before a configuration change commits (gslbd apply, the REST API), so a change
// the server could not serve is refused instead of leaving it on its last good snapshot.
#pragma once

#include "zones/base/result.h"
#include "zones/store/store_rows.h"

namespace gslb {

Result<void> check_servable(const ConfigRows& rows);

}  // namespace gslb
