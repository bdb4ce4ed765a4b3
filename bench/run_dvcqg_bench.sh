#!/usr/bin/env bash
# dvcqg benchmark (issue 12): dossiers synced per second to the stand-in National Public Service
# Portal through the sync engine, against the stand-in's bare rate for the same JSON bodies and
# the jsonl adapter on the same changes (same run, same machine); CPU µs per dossier and per
# portal call; and the lag p99 at 1,000 changes/s (target < 1 s). SQLite store and stand-in in
# temporary folders / on loopback. Prints the machine, its load, and a Markdown table
# (docs/benchmarks-sync.md). Several runs: RUNS=3.
# Usage: bench/run_dvcqg_bench.sh   (env: DOSSIERS=20000 BATCH=256 RATE=1000 LAG_SECONDS=20
#                                          RUNS=1 BUILD_DIR=build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
cd "$root"
bash deploy/install-deps.sh >/dev/null
if [[ ! -f "$build/build.ninja" ]]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLIENTHONG_BUILD_TESTS=ON >/dev/null
fi
cmake --build "$build" --target lienthong_dvcqg_bench >/dev/null

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/^Mem:/ {print $2}') GiB"
echo "command: bench/run_dvcqg_bench.sh (DOSSIERS=${DOSSIERS:-20000} BATCH=${BATCH:-256} RATE=${RATE:-1000} LAG_SECONDS=${LAG_SECONDS:-20} RUNS=${RUNS:-1})"
for run in $(seq 1 "${RUNS:-1}"); do
  echo
  echo "run $run, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$build/bench/dvcqg/lienthong_dvcqg_bench" --dossiers "${DOSSIERS:-20000}" \
    --batch_size "${BATCH:-256}" --rate "${RATE:-1000}" --lag_seconds "${LAG_SECONDS:-20}" \
    2> >(grep -v '"level":"info"' >&2)
done
