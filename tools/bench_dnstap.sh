#!/usr/bin/env bash
# The cost of --dnstap: gslbd (one UDP worker, pinned to CPU 0 with its dnstap writer thread)
# answering app.example.test A (weighted, tools/bench/gslb.json) from ../shared/bench/flood.c
# on CPU 1, without and with --dnstap FILE, alternating, in one run.
#   tools/bench_dnstap.sh [seconds=10] [rounds=2]      GSLBD (default build/gslbd), SHARED,
#   DNSTAP_ARGS (more flags for the "on" runs, e.g. "--dnstap-decisions off")
# Prints one line per run, the median qps of each and their ratio, the same for answers per
# server CPU-second (the steadier figure on a busy machine), and the dnstap counters.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${SHARED:-$here/../shared}
gslbd=${GSLBD:-$here/build/gslbd}
secs=${1:-10}
rounds=${2:-2}
work=$(mktemp -d /tmp/gslbd-dnstap-bench.XXXX)
trap 'rm -rf "$work"' EXIT
gcc -O2 -o "$work/flood" "$shared/bench/flood.c"
cp "$here/tools/bench/example.test.zone" "$here/tools/bench/gslb.json" "$work/"
"$gslbd" apply --db "$work/gslb.db" "$work/gslb.json" >/dev/null
port=5391
api=5392

ticks() {  # CPU ticks (utime+stime, every thread) of process $1; comm may hold spaces
  sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}

one() {  # one run; $1: off|on. Prints "qps answers-per-server-CPU-second".
  local args=(--threads 1 --listen 127.0.0.1:$port --db "$work/gslb.db" --roles dns,api
              --api 127.0.0.1:$api --api-insecure-loopback)
  # shellcheck disable=SC2206  # DNSTAP_ARGS is words on purpose
  [ "$1" = on ] && args+=(--dnstap "$work/tap.dnstap" ${DNSTAP_ARGS:-})
  taskset -c 0 "$gslbd" "${args[@]}" 2>"$work/gslbd.log" &
  local pid=$!
  for _ in $(seq 100); do
    grep -q serving "$work/gslbd.log" && break
    sleep 0.05
  done
  local out t0 t1
  t0=$(ticks "$pid")
  out=$(taskset -c 1 "$work/flood" 127.0.0.1 $port app.example.test A "$secs")
  t1=$(ticks "$pid")
  if [ "$1" = on ]; then
    curl -s "http://127.0.0.1:$api/metrics" | grep '^gslbd_dnstap' | tr '\n' ' ' >"$work/counters"
  fi
  kill "$pid"
  wait "$pid" || true
  local qps per_cpu
  qps=$(awk '{for (i = 1; i < NF; i++) if ($i == "qps") print $(i + 1)}' <<<"$out")
  per_cpu=$(awk -v q="$qps" -v s="$secs" -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" \
    'BEGIN {printf "%.0f", (t > 0 ? q * s / (t / hz) : 0)}')
  echo "dnstap $1: $out; server CPU $((t1 - t0)) ticks, $per_cpu answers/CPU-s" >&2
  [ "$1" = on ] && echo "  $(cat "$work/counters") file $(stat -c %s "$work/tap.dnstap") bytes" >&2
  echo "$qps $per_cpu"
}

off=() on=() off_cpu=() on_cpu=()
for _ in $(seq "$rounds"); do
  read -r q c <<<"$(one off)"
  off+=("$q") off_cpu+=("$c")
  read -r q c <<<"$(one on)"
  on+=("$q") on_cpu+=("$c")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
m_off=$(median "${off[@]}")
m_on=$(median "${on[@]}")
echo "off: ${off[*]}  median $m_off qps"
echo "on:  ${on[*]}  median $m_on qps"
awk -v a="$m_on" -v b="$m_off" 'BEGIN {printf "ratio on/off: %.3f\n", a / b}'
c_off=$(median "${off_cpu[@]}")
c_on=$(median "${on_cpu[@]}")
echo "answers per server CPU-second: off median $c_off, on median $c_on"
awk -v a="$c_on" -v b="$c_off" 'BEGIN {printf "CPU ratio on/off: %.3f (share of a core per answer: x%.2f)\n", a / b, b / a}'
