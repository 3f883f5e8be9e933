#!/usr/bin/env bash
# `make bench`, after tools/bench.sh: a geo-steered name, gslbd beside gdnsd's geoip plugin, one
# server core each (CPU 0; the load generator on CPU 1, as ../shared/bench/run.sh does), on the
# same generated MMDB and the same rules, asked by many ECS client subnets; and in the same run
# the plain weighted name (app.example.test of ../shared/bench) on the same two servers.
#   tools/bench_topology.sh [seconds]          default 5 s per measurement
# Environment: ROUNDS (default 3; per-cell medians), NETWORKS (MMDB size, default 500000),
#   SUBNETS (distinct ECS client subnets, default 100000), BUILD (default build), SHARED.
# The MMDB is generated once (tools/mmdb/write_mmdb.pl, seed 7) into $BUILD/bench-geo/; the
# documents, the gdnsd config and the query subnets come from tools/bench/geo_setup.py.
# Before measuring it asks both servers for a few subnets and fails when they answer from
# different pools (or a country rule's subnet is not answered from its pool).
# Prints: a check line per subnet; then TSV  server name qps server_cpu kq_per_cpu_s; the
# gslbd/gdnsd ratios; start-up (MMDB load and snapshot build) and RSS with and without the MMDB.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${SHARED:-$here/../shared}
build=${BUILD:-$here/build}
case $build in /*) ;; *) build=$here/$build ;; esac
gslbd=$build/gslbd
secs=${1:-5}
rounds=${ROUNDS:-3}
networks=${NETWORKS:-500000}
subnets=${SUBNETS:-100000}
[ -x "$gslbd" ] || { echo "bench_topology: $gslbd not built" >&2; exit 1; }
command -v gdnsd >/dev/null || { echo "bench_topology: gdnsd not installed (make bench-deps)" >&2; exit 1; }
[ -r "$shared/bench/flood.c" ] || { echo "bench_topology: $shared/bench/flood.c not found" >&2; exit 1; }

cache=$build/bench-geo
mmdb=$cache/geo$networks.mmdb
map=$cache/geo$networks.map
mkdir -p "$cache"
if [ ! -s "$mmdb" ] || [ ! -s "$map" ]; then
  echo "generating $mmdb ($networks networks, once)" >&2
  perl "$here/tools/mmdb/write_mmdb.pl" --generate "$networks" --seed 7 --type country \
    --map "$map.tmp" "$mmdb.tmp" >&2
  mv "$map.tmp" "$map" && mv "$mmdb.tmp" "$mmdb"
fi

work=$(mktemp -d /tmp/gslbd-geobench.XXXX)
python3 "$here/tools/bench/geo_setup.py" "$mmdb" "$map" "$work" "$subnets"
gcc -O2 -o "$work/flood" "$shared/bench/flood.c"
gcc -O2 -o "$work/flood_ecs" "$here/tools/bench/flood_ecs.c"
"$gslbd" apply --db "$work/geo.db" "$work/geo.json" >/dev/null
"$gslbd" apply --db "$work/plain.db" "$work/plain.json" >/dev/null
declare -A port=([ours]=${OURS_PORT:-5320} [gdnsd]=${GDNSD_PORT:-5321})
api_port=${API_PORT:-18853}
for d in gdnsd gdnsd-plain; do
  mkdir -p "$work/$d/run" "$work/$d/state"
  sed -i "s#PORT#${port[gdnsd]}#; s#DIR#$work/$d#g" "$work/$d/config"
done

# start runs in $(...): the servers' pids go to a file, for the exit trap
cleanup() { [ -f "$work/pids" ] && while read -r p; do kill "$p" 2>/dev/null || true; done <"$work/pids"; true; }
trap cleanup EXIT
# start SERVER CONFIG [extra gslbd args] -> pid (exec all the way down: $! is the server)
start() {
  local s=$1 cfg=$2; shift 2
  ( exec >>"$work/$s.log" 2>&1
    case $s in
      gdnsd) exec taskset -c 0 gdnsd -c "$work/$cfg" start ;;
      ours)  exec taskset -c 0 "$gslbd" --threads 1 --listen "127.0.0.1:${port[ours]}" \
               --db "$work/$cfg" "$@" ;;
    esac ) &
  echo $! >>"$work/pids"
  echo $!
}
stop() { # not our child (started in a subshell): wait for /proc to let go of it
  local i; kill "$1" 2>/dev/null || true
  for i in $(seq 100); do grep -qs '^State:[[:space:]]*[^Z]' "/proc/$1/status" || break; sleep 0.05; done
  sleep 0.2
}
now_ms() { date +%s%3N; }
# wait_answer SERVER NAME -> ms until NAME A has an answer (ECS from a generated network)
wait_answer() {
  local t0 i; t0=$(now_ms)
  for i in $(seq 300); do
    if dig +short +time=1 +tries=1 +subnet="$(head -1 "$work/subnets.txt")" \
         -p "${port[$1]}" @127.0.0.1 "$2" A 2>/dev/null | grep -Eq '^[0-9.]+$'; then
      echo $(( $(now_ms) - t0 )); return 0
    fi
    sleep 0.05
  done
  echo "bench_topology: $1 never answered $2 (log: $work/$1.log)" >&2; return 1
}
rss() { awk '/^VmRSS/{print $2}' "/proc/$1/status"; }    # kB
hwm() { awk '/^VmHWM/{print $2}' "/proc/$1/status"; }    # kB, peak
mb() { awk -v k="$1" 'BEGIN{printf "%.0f MB", k/1024}'; }
# CPU ticks (utime+stime) of a process and its descendants, as run.sh counts them
ticks() {
  local t=0 p
  for p in $(pstree -pT "$1" 2>/dev/null | grep -o '([0-9]*)' | tr -d '()'); do
    [ -r /proc/$p/stat ] && t=$((t + $(sed 's/.*) //' /proc/$p/stat | awk '{print $12+$13}')))
  done
  echo $t
}
hz=$(getconf CLK_TCK)
# measure SERVER PID NAME ecs|plain -> "qps cpu"
measure() {
  local s=$1 pid=$2 name=$3 kind=$4 out qps t0 t1
  t0=$(ticks "$pid")
  if [ "$kind" = ecs ]; then
    out=$(taskset -c 1 "$work/flood_ecs" 127.0.0.1 "${port[$s]}" "$name" A "$secs" "$work/subnets.txt")
  else
    out=$(taskset -c 1 "$work/flood" 127.0.0.1 "${port[$s]}" "$name" A "$secs")
  fi
  t1=$(ticks "$pid")
  echo "$s $name $out" >>"$work/flood.log"
  qps=$(awk '{print $6}' <<<"$out")
  awk -v q="${qps:-0}" -v a="$t0" -v b="$t1" -v hz="$hz" -v s="$secs" 'BEGIN{printf "%.0f %.2f\n", q, (b-a)/hz/s}'
}

# 1. Start-up and agreement: both servers, gslbd with its API for /metrics.
ours=$(start ours geo.db --roles dns,api --api "127.0.0.1:$api_port")
ours_first=$(wait_answer ours geo.example.test)
gd=$(start gdnsd gdnsd)
gdnsd_first=$(wait_answer gdnsd geo.example.test)
metrics=$(curl -s "http://127.0.0.1:$api_port/metrics" || true)
build_s=$(awk '/^gslbd_snapshot_rebuild_seconds /{print $2}' <<<"$metrics")
records=$(awk '/^gslbd_geoip_records/{print $2}' <<<"$metrics")
declare -A pool_of
while read -r a p; do pool_of[$a]=$p; done <"$work/pools.txt"
answer() { # SERVER SUBNET -> "POOL SCOPE"
  local out a scope
  out=$(dig +time=2 +tries=2 +subnet="$2" -p "${port[$1]}" @127.0.0.1 geo.example.test A)
  a=$(awk '$4=="A"{print $5; exit}' <<<"$out")
  scope=$(sed -n 's/.*CLIENT-SUBNET: [^ ]*\/\([0-9]*\)$/\1/p' <<<"$out")
  echo "${pool_of[$a]:-none($a)} /${scope:-?}"
}
bad=0
while read -r subnet cc want; do
  read -r po so <<<"$(answer ours "$subnet")"
  read -r pg sg <<<"$(answer gdnsd "$subnet")"
  verdict=ok
  [ "$po" = "$pg" ] || verdict="MISMATCH"
  [ "$want" = - ] || [ "$po" = "$want" ] || verdict="MISMATCH (rule says $want)"
  [ "$verdict" = ok ] || bad=1
  printf 'check %-26s %s  gslbd %-9s scope %-4s  gdnsd %-9s scope %-4s  %s\n' \
    "$subnet" "$cc" "$po" "$so" "$pg" "$sg" "$verdict"
done <"$work/check.txt"
stop "$ours"; stop "$gd"
if [ $bad -ne 0 ]; then
  echo "bench_topology: gslbd and gdnsd disagree (work dir $work)" >&2; exit 1
fi

# 2. Throughput, flat out, one server core each; the order alternates per round.
results=$work/results.tsv
: >"$results"
for r in $(seq "$rounds"); do
  order="gdnsd ours"; [ $((r % 2)) -eq 0 ] && order="ours gdnsd"
  for s in $order; do
    if [ "$s" = ours ]; then pid=$(start ours geo.db --roles dns); else pid=$(start gdnsd gdnsd); fi
    wait_answer "$s" geo.example.test >/dev/null
    sleep 0.5
    echo "$s geo $(measure "$s" "$pid" geo.example.test ecs)" >>"$results"
    echo "$s app $(measure "$s" "$pid" app.example.test plain)" >>"$results"
    echo "$s rss_geo $(rss "$pid") $(hwm "$pid")" >>"$results"
    stop "$pid"
  done
done
# RSS without the MMDB: the same servers without geoip and the geo name, after a short flood.
for s in gdnsd ours; do
  if [ "$s" = ours ]; then pid=$(start ours plain.db --roles dns); else pid=$(start gdnsd gdnsd-plain); fi
  wait_answer "$s" app.example.test >/dev/null
  secs=1 measure "$s" "$pid" app.example.test plain >/dev/null
  echo "$s rss_plain $(rss "$pid") $(hwm "$pid")" >>"$results"
  stop "$pid"
done

med() { # SERVER KEY COLUMN -> median over rounds
  awk -v s="$1" -v k="$2" -v c="$3" '$1==s && $2==k {v[++n]=$c}
    END{for(i=1;i<=n;i++)for(j=i+1;j<=n;j++)if(v[j]<v[i]){t=v[i];v[i]=v[j];v[j]=t}; print v[int((n+1)/2)]}' "$results"
}
printf 'server\tname\tqps\tserver_cpu\tkq_per_cpu_s\n'
for n in geo app; do
  for s in ours gdnsd; do
    q=$(med "$s" "$n" 3); c=$(med "$s" "$n" 4)
    label=gslbd; [ "$s" = gdnsd ] && label=gdnsd
    printf '%s\t%s.example.test\t%s\t%s\t%s\n' "$label" "$n" "$q" "$c" \
      "$(awk -v q="$q" -v c="$c" 'BEGIN{print (c>0 ? sprintf("%.0f", q/c/1000) : "-")}')"
  done
done
ratio() { awk -v a="$(med ours "$1" 3)" -v b="$(med gdnsd "$1" 3)" 'BEGIN{printf "%.2fx", (b>0 ? a/b : 0)}'; }
echo "geo name (country rules, $networks-network MMDB, $subnets ECS subnets): gslbd/gdnsd $(ratio geo)"
echo "weighted name (app.example.test, no ECS):                              gslbd/gdnsd $(ratio app)"
echo "gslbd start-up: first geo answer after ${ours_first} ms; snapshot build with the MMDB ${build_s} s" \
     "(gslbd_snapshot_rebuild_seconds; ${records} MMDB records)"
echo "gdnsd start-up: first geo answer after ${gdnsd_first} ms"
echo "RSS gslbd: $(mb "$(med ours rss_geo 3)") with the MMDB (peak $(mb "$(med ours rss_geo 4)")), $(mb "$(med ours rss_plain 3)") without"
echo "RSS gdnsd: $(mb "$(med gdnsd rss_geo 3)") with the MMDB (peak $(mb "$(med gdnsd rss_geo 4)")), $(mb "$(med gdnsd rss_plain 3)") without"
echo "MMDB file: $(mb $(( $(stat -L -c %s "$mmdb") / 1024 ))) ($mmdb)"
echo "logs and raw rounds: $work" >&2
