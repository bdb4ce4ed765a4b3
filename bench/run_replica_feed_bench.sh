#!/usr/bin/env bash
# Change-feed latency across replicas: two lienthongd replicas on one throwaway PostgreSQL 15
# (fsync on); the same writes go to replica 1 while N subscribers stream from replica 1 (the
# baseline: the replica that took the write), then from replica 2 (woken by LISTEN/NOTIFY).
# Latency = arrival - commit time, as bench/run_feed_bench.sh measures it. Loopback only,
# bounded in time.
# Usage: bench/run_replica_feed_bench.sh
#   env: RATE (1000 events/s), DURATION (10s), SUBSCRIBERS (100), MAX_EVENTS_PER_MESSAGE (256),
#        RUNS (2: each pair of runs alternates the two cases), BUILD_DIR (build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
rate=${RATE:-1000}
duration=${DURATION:-10s}
subscribers=${SUBSCRIBERS:-100}
per_message=${MAX_EVENTS_PER_MESSAGE:-256}
runs=${RUNS:-2}
ports=(17551 17552)

cmake --build "$build" --target lienthongd lienthongctl lienthong_feed_bench >/dev/null
ctl="$build/services/cli/lienthongctl"
source "$root/deploy/lib/throwaway-postgres.sh"
tmp=$(mktemp -d /tmp/lienthong-replica-feed.XXXXXX)
pids=()
stop_replicas() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
cleanup() { stop_replicas; throwaway_pg_stop; rm -rf "$tmp"; }
trap cleanup EXIT

"$ctl" pki init "$tmp/pki" >/dev/null
# The development config on this run's PKI, without access logs, admin HTTP or the demo adapter
# (as run_feed_bench.sh), on the PostgreSQL store.
write_config() {  # index port -> path
  local path="$tmp/r$1.yaml"
  sed -e "s#\.\./var/pki#$tmp/pki#g" -e "s#127.0.0.1:7443#127.0.0.1:$2#" \
      -e "s#access_log: true#access_log: false#" \
      -e 's#address: "127.0.0.1:9464".*#disabled: true#' "$root/config/lienthong.dev.yaml" |
    awk -v conninfo="$PG_CONNINFO" -v replica="r$1" '
      /^[^[:space:]#]/ { section = $1 }
      section == "adapters:" { next }
      section == "store:" {
        if ($0 ~ /^store:/) {
          print "store:"; print "  kind: POSTGRES"; print "  postgres:"
          print "    conninfo: \"" conninfo "\""; print "    replica_name: " replica
        }
        next
      }
      { print }' >"$path"
  "$ctl" config check "$path" >/dev/null
  echo "$path"
}

start_replicas() {  # a fresh database each time
  throwaway_pg_sql "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"
  for i in 1 2; do
    "$build/services/server/lienthongd" --config "$(write_config "$i" "${ports[$((i - 1))]}")" \
      2>"$tmp/r$i.log" &
    pids+=($!)
  done
  for i in 1 2; do
    for attempt in $(seq 1 100); do
      "$ctl" --pki "$tmp/pki" --target "127.0.0.1:${ports[$((i - 1))]}" health >/dev/null 2>&1 &&
        break
      [[ $attempt -lt 100 ]] || { cat "$tmp/r$i.log" >&2; exit 1; }
      sleep 0.1
    done
  done
}

throwaway_pg_start 55532
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%FT%TZ)"
echo "two replicas on PostgreSQL 15 (fsync on); writes to r1 at $rate events/s for $duration in"
echo "commits of 20 records; $subscribers subscribers, max_events_per_message $per_message"
for run in $(seq 1 "$runs"); do
  for case in same other; do
    start_replicas
    target=127.0.0.1:${ports[0]}
    [[ $case == other ]] && target=127.0.0.1:${ports[1]}
    echo "== run $run, subscribers on $([[ $case == same ]] && echo "r1 (took the writes)" || echo "r2 (another replica)")"
    "$build/bench/feed/lienthong_feed_bench" --target "$target" \
      --write_target "127.0.0.1:${ports[0]}" --pki "$tmp/pki" --subscribers "$subscribers" \
      --rate "$rate" --duration "$duration" --max_events_per_message "$per_message" |
      grep -v '^RESULT'
    stop_replicas
  done
done
