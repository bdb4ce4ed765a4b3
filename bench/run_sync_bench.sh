#!/usr/bin/env bash
# Sync benchmark (issue 5): sync-engine throughput into PostgreSQL 15 compared, in the same run on
# the same server, with a plain batched INSERT of the same rows (target >= 50%), and sync lag at
# 1,000 changes/s (target < 1 s). The driver starts its own PostgreSQL cluster (initdb in a
# temporary folder, as the `postgres` user when run as root, on a free loopback port, fsync on)
# and removes it afterwards. Prints the machine and a Markdown table (docs/benchmarks-sync.md).
# Usage: bench/run_sync_bench.sh   (env: EVENTS=20000 BATCH=256 RATE=1000 LAG_SECONDS=20
#                                         BUILD_DIR=build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
cd "$root"
bash deploy/install-deps.sh --with-postgres >/dev/null
if [[ ! -f "$build/build.ninja" ]]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLIENTHONG_BUILD_TESTS=ON >/dev/null
fi
cmake --build "$build" --target lienthong_sync_bench >/dev/null

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/^Mem:/ {print $2}') GiB"
echo "postgres: $(/usr/lib/postgresql/15/bin/postgres --version)"
echo "command: bench/run_sync_bench.sh (EVENTS=${EVENTS:-20000} BATCH=${BATCH:-256} RATE=${RATE:-1000} LAG_SECONDS=${LAG_SECONDS:-20})"
echo
"$build/bench/sync/lienthong_sync_bench" --events "${EVENTS:-20000}" --batch_size "${BATCH:-256}" \
  --rate "${RATE:-1000}" --lag_seconds "${LAG_SECONDS:-20}" 2> >(grep -v '"level":"info"' >&2)
