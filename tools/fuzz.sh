#!/usr/bin/env bash
# make fuzz: builds tests/fuzz with clang and libFuzzer (ASan) in build-fuzz/ and runs
# each target for FUZZ_SECONDS (default 60) on a copy of its committed corpus, then prints one
# line per target: executions per second, coverage (libFuzzer's "cov" edges and "ft" features),
# corpus size, and whether it found anything (the reproducer is left in build-fuzz/findings/).
#   FUZZ_SECONDS=600 tools/fuzz.sh              every target, 10 minutes each
#   tools/fuzz.sh fuzz_query fuzz_document      only these
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
printf '%-20s %10s %8s %8s %8s  %s\n' target exec/s cov ft corpus result
status=0
for t in $targets; do
  work="$BUILD/corpus/$t"
  mkdir -p "$work"
  cp -n tests/fuzz/corpus/"$t"/* "$work"/ 2>/dev/null || true
  log="$BUILD/findings/$t.log"
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
  if [ $rc -eq 0 ]; then result=clean; else result="FOUND (see $log)"; status=1; fi
  printf '%-20s %10s %8s %8s %8s  %s\n' "$t" "${eps:-?}" "${cov:-?}" "${ft:-?}" "$size" "$result"
done
exit $status
