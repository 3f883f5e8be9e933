#!/usr/bin/env bash
# make fuzz: builds tests/fuzz with clang and libFuzzer (ASan) in build-fuzz/ and runs
# each target for FUZZ_SECONDS (default 60) on a copy of its committed corpus, then prints one
# line per target: executions per second, coverage (libFuzzer's "cov" edges and "ft" features),
# corpus size, and whether it found anything (the reproducer is left in build-fuzz/findings/).
#   FUZZ_SECONDS=600 tools/fuzz.sh              every target, 10 minutes each
#   tools/fuzz.sh fuzz_query fuzz_document      only these
#   FUZZ_JOBS=2 FUZZ_SECONDS=600 tools/fuzz.sh  two targets at a time
# New inputs the fuzzer keeps stay in build-fuzz/corpus/<target>; copy the interesting ones
# into tests/fuzz/corpus/<target>/ (small files) to replay them in every CI run.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-60}
BUILD=${FUZZ_BUILD:-build-fuzz}
JOBS=${JOBS:-2}
all=$(sed -n 's/^ *"\(fuzz_[a-z_]*\):.*/\1/p' tests/fuzz/CMakeLists.txt)
targets=${*:-$all}

# Exported: a reconfigure during the build (a new C source) must find clang too.
export CC=clang CXX=clang++
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DGSLBD_FUZZ=ON >/dev/null
# shellcheck disable=SC2086
cmake --build "$BUILD" -j"$JOBS" --target $targets >/dev/null

mkdir -p "$BUILD/findings"
# One target's run; its table line goes to findings/<target>.line, its status to .rc.
fuzz_one() {
  local t=$1 work="$BUILD/corpus/$1" log="$BUILD/findings/$1.log" rc line cov ft eps size result
  mkdir -p "$work"
  cp -n tests/fuzz/corpus/"$t"/* "$work"/ 2>/dev/null || true
  set +e
  (cd "$BUILD/findings" && "../tests/fuzz/$t" -max_total_time="$SECONDS_EACH" -timeout=10 \
     -rss_limit_mb=2048 -print_final_stats=1 "../corpus/$t") >"$log" 2>&1
  rc=$?
  set -e
  line=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$line")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$line")
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  size=$(find "$work" -type f | wc -l)
  if [ $rc -eq 0 ]; then result=clean; else result="FOUND (see $log)"; fi
  printf '%-20s %10s %8s %8s %8s  %s\n' "$t" "${eps:-?}" "${cov:-?}" "${ft:-?}" "$size" \
    "$result" >"$BUILD/findings/$t.line"
  echo $rc >"$BUILD/findings/$t.rc"
}
export -f fuzz_one
export BUILD SECONDS_EACH
# FUZZ_JOBS targets at a time (default 1: each target has a core to itself when JOBS=2 cores).
# shellcheck disable=SC2086
printf '%s\n' $targets | xargs -P "${FUZZ_JOBS:-1}" -I{} bash -c 'fuzz_one {}'
printf '%-20s %10s %8s %8s %8s  %s\n' target exec/s cov ft corpus result
status=0
for t in $targets; do
  cat "$BUILD/findings/$t.line"
  [ "$(cat "$BUILD/findings/$t.rc")" = 0 ] || status=1
done
exit $status
