#!/usr/bin/env bash
# Change-feed benchmark (issue 4): commit-to-delivery latency with 1, 100 and 1,000 subscribers
# at a fixed write rate, and gateway memory per idle subscriber. Loopback only, bounded in time.
# Usage: bench/run_feed_bench.sh   (env: RATE=2000 DURATION=10s SUBSCRIBERS="1 100 1000"
#                                         MAX_EVENTS_PER_MESSAGE="1 256" IDLE=1000 BUILD_DIR=build
#                                         SKIP_BUILD=1: use the binaries as they are;
#                                         GATEWAYD: the lienthongd to measure, default the
#                                         build's, e.g. a copy of an earlier one to compare)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
gatewayd=${GATEWAYD:-$build/services/server/lienthongd}
rate=${RATE:-2000}
duration=${DURATION:-10s}
counts=${SUBSCRIBERS:-"1 100 1000"}
idle=${IDLE:-1000}
# SubscribeRequest.max_events_per_message: 1 = a message per event; 256 = what is ready goes
# together (the option a consumer of a busy gateway sets). Each count runs with each value.
batching=${MAX_EVENTS_PER_MESSAGE:-"1 256"}
port=${PORT:-17543}

if [[ -z ${SKIP_BUILD:-} ]]; then
  cmake --build "$build" --target lienthongd lienthongctl lienthong_feed_bench >/dev/null
fi
tmp=$(mktemp -d /tmp/lienthong-feedbench.XXXXXX)
gateway=""
cleanup() {
  [[ -n "$gateway" ]] && kill -TERM "$gateway" 2>/dev/null && wait "$gateway" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

"$build/services/cli/lienthongctl" pki init "$tmp/pki" >/dev/null
mkdir -p "$tmp/config" "$tmp/data"
# The development config, pointed at this run's PKI and data, without access logs (they would
# measure the log, not the feed), admin HTTP off, and without the demo adapter (changes_file:
# its JSON conversion would compete for the CPU; run_sync_bench.sh measures adapters).
sed -e "s#\.\./var/pki#$tmp/pki#g" -e "s#\.\./var/data#$tmp/data#g" \
    -e "s#127.0.0.1:7443#127.0.0.1:$port#" -e "s#access_log: true#access_log: false#" \
    -e 's#address: "127.0.0.1:9464".*#disabled: true#' \
    "$root/config/lienthong.dev.yaml" |
  awk '/^[^[:space:]#]/ { section = $1 } section != "adapters:" { print }' \
    > "$tmp/config/lienthong.yaml"
"$build/services/cli/lienthongctl" config check "$tmp/config/lienthong.yaml" >/dev/null

start_gateway() {
  rm -f "$tmp"/data/lienthong.db*
  "$gatewayd" --config "$tmp/config/lienthong.yaml" 2>"$tmp/gateway.log" &
  gateway=$!
  for _ in $(seq 1 100); do
    "$build/services/cli/lienthongctl" --pki "$tmp/pki" --target "127.0.0.1:$port" health \
      >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "gateway did not start:" >&2; cat "$tmp/gateway.log" >&2; exit 1
}
stop_gateway() { kill -TERM "$gateway"; wait "$gateway"; gateway=""; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%FT%TZ)"
echo "write rate $rate events/s for $duration, commits of 20 records; latency = arrival - commit time"
for n in $counts; do
  for per_message in $batching; do
    start_gateway
    "$build/bench/feed/lienthong_feed_bench" --target "127.0.0.1:$port" --pki "$tmp/pki" \
      --subscribers "$n" --rate "$rate" --duration "$duration" \
      --max_events_per_message "$per_message" | grep -v '^RESULT'
    stop_gateway
  done
done

start_gateway
# Warm up: the first streams pay for thread pools and buffers every later stream shares.
"$build/bench/feed/lienthong_feed_bench" --target "127.0.0.1:$port" --pki "$tmp/pki" --mode idle \
  --subscribers 10 --hold 2s >/dev/null
before=$(rss_kib "$gateway")
"$build/bench/feed/lienthong_feed_bench" --target "127.0.0.1:$port" --pki "$tmp/pki" --mode idle \
  --subscribers "$idle" --hold 6s > "$tmp/idle.out" &
bench=$!
for _ in $(seq 1 100); do grep -q IDLE_OPEN "$tmp/idle.out" 2>/dev/null && break; sleep 0.1; done
sleep 2
after=$(rss_kib "$gateway")
wait "$bench"
stop_gateway
echo "idle subscribers: $idle; gateway RSS $before KiB -> $after KiB: $(( (after - before) * 1024 / idle )) bytes per idle subscriber (target <= 65536)"
