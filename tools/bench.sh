#!/usr/bin/env bash
# `make bench`: gslbd beside gdnsd, NSD, Knot, PowerDNS and reflect (the kernel's limit) in one
# run of ../shared/bench/run.sh, one server core each (see that script's header).
#   tools/bench.sh [seconds] [query sets...]     defaults: 5 s, every set the harness knows
# Environment: ROUNDS (default 3), SERVERS, GEN (default flood), SHARED (default ../shared).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${SHARED:-$here/../shared}
[ -x "$shared/bench/run.sh" ] || { echo "bench: $shared/bench/run.sh not found" >&2; exit 1; }
secs=${1:-5}; shift || true
sets=${*:-static nx gslb failover}
work=$(mktemp -d /tmp/gslbd-bench.XXXX)
cp "$here/tools/bench/example.test.zone" "$here/tools/bench/gslb.json" "$work/"
# app (weighted 1:2:1) and fo (priority 127.0.0.11 -> .12) live in the database, like the peers'
# GSLB names; www and the negative answers come from the zone file.
"$here/build/gslbd" apply --db "$work/gslb.db" "$work/gslb.json" >/dev/null
export OURS_CMD="$here/build/gslbd --threads 1 --listen 127.0.0.1:{PORT} --db $work/gslb.db --roles dns,health"
export GEN=${GEN:-flood} ROUNDS=${ROUNDS:-3}
echo "gslbd: $OURS_CMD" >&2
"$shared/bench/run.sh" "$secs" $sets
