#!/usr/bin/env bash
# Instructions per SubmitDossier call of one or more lienthongd builds on the SQLite store,
# counted by valgrind's callgrind: a figure that, unlike CPU time, does not move with what else
# the machine runs, so two builds can be compared on a busy or shared machine (e.g. before and
# after a refactoring). Each build runs under callgrind in turn, with the same config, PKI,
# load and bodies; the counters are zeroed after a warm-up and dumped after the measured window,
# and the count is divided by the calls answered OK in between.
#
# Usage: bench/run_submit_instructions.sh [lienthongd ...]   (default: BUILD_DIR's lienthongd)
# Environment: BUILD_DIR (build: its lienthongctl and lienthong_loadgen are used), ROUNDS (2:
#   the builds are measured in turn, ROUNDS times), DURATION (20s), WARMUP (5s), CONCURRENCY
#   (8), GATEWAY_PORT (17463), BENCH_TMPDIR (the temp-dir parent).
# Needs valgrind (apt-get install valgrind). Prints one line per build and round and a
# `RESULT {json}` line; exit status 0, or 2 when a run failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
caller_dir=$PWD
cd "$root"

build=${BUILD_DIR:-build}
rounds=${ROUNDS:-2}
duration=${DURATION:-20s}
warmup=${WARMUP:-5s}
concurrency=${CONCURRENCY:-8}
port=${GATEWAY_PORT:-17463}

bench_name=run_submit_instructions
source bench/lib/bench_common.sh

command -v valgrind >/dev/null && command -v callgrind_control >/dev/null ||
  fail "valgrind is not installed: apt-get install valgrind"
ctl="$build/services/cli/lienthongctl"
loadgen="$build/bench/loadgen/lienthong_loadgen"
for binary in "$ctl" "$loadgen"; do
  [[ -x "$binary" ]] || fail "$binary is missing: build it first (deploy/build.sh)"
done
builds=("$@")
[[ ${#builds[@]} -gt 0 ]] || builds=("$build/services/server/lienthongd")
for i in "${!builds[@]}"; do
  [[ "${builds[$i]}" == /* ]] || builds[$i]="$caller_dir/${builds[$i]}"
  [[ -x "${builds[$i]}" ]] || fail "${builds[$i]} is not an executable"
done

tmp=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/lienthong-instructions.XXXXXX")
server_pid=""
stop_server() {
  [[ -n "$server_pid" ]] || return 0
  stop_pid "$server_pid" || true
  server_pid=""
}
cleanup() { stop_server; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 2' INT TERM

"$ctl" pki init "$tmp/pki" >/dev/null || fail "cannot create the development PKI"

# The dev config with the listener on $port (bench/lib/bench_common.sh: write_bench_config).
write_config() {  # dir -> path of the config
  write_bench_config "$1" "$tmp/pki" "$port"
}

measure() {  # label binary round -> "instructions calls"
  local dir="$tmp/$1-$3" config
  config=$(write_config "$dir")
  valgrind --tool=callgrind --callgrind-out-file="$dir/callgrind.out.%p" \
    "$2" --config "$config" >"$dir/server.log" 2>&1 &
  server_pid=$!
  local healthy=0
  for _ in $(seq 1 300); do
    kill -0 "$server_pid" 2>/dev/null || { tail -20 "$dir/server.log" >&2; fail "$2 exited at start"; }
    if "$ctl" --target "127.0.0.1:$port" --pki "$tmp/pki" --member admin --timeout_s 5 health \
        >/dev/null 2>&1; then
      healthy=1
      break
    fi
    sleep 0.5
  done
  [[ $healthy == 1 ]] || fail "$2 did not become healthy under valgrind within 150 s"
  # Warm-up (not counted), then the counted window: loadgen with no warm-up of its own, so that
  # its OK count is exactly the calls between the zeroing and the dump (each body distinct).
  "$loadgen" --target "127.0.0.1:$port" --pki "$tmp/pki" --member motcua \
    --concurrency "$concurrency" --channels 1 --duration "$warmup" --warmup 0s \
    --start_index 0 >"$dir/warmup.out" 2>&1 || fail "warm-up load failed: $(tail -3 "$dir/warmup.out")"
  callgrind_control -z "$server_pid" >/dev/null 2>&1 || fail "callgrind_control -z failed"
  "$loadgen" --target "127.0.0.1:$port" --pki "$tmp/pki" --member motcua \
    --concurrency "$concurrency" --channels 1 --duration "$duration" --warmup 0s \
    --start_index 1000000 >"$dir/load.out" 2>&1 || fail "load failed: $(tail -3 "$dir/load.out")"
  callgrind_control -d "$server_pid" >/dev/null 2>&1 || fail "callgrind_control -d failed"
  stop_server
  local ok instructions
  ok=$(grep '^RESULT ' "$dir/load.out" | sed 's/.*"ok":\([0-9]*\).*/\1/')
  # The dump taken by callgrind_control -d: the file with the highest part number holds the
  # counts since the zeroing (the last part, written at exit, holds only what came after).
  instructions=$(for f in "$dir"/callgrind.out.*.[0-9]*; do
      part=${f##*.}; echo "$part $(grep -m1 '^summary:' "$f" | awk '{print $2}')"
    done | sort -n | head -1 | awk '{print $2}')
  [[ -n "$ok" && "$ok" -gt 0 && -n "$instructions" ]] || fail "no count for $1 (see $dir)"
  echo "$instructions $ok"
}

echo "SubmitDossier instructions per OK call (callgrind; concurrency $concurrency, $duration counted after $warmup)"
printf "%-8s %-6s %16s %10s %18s\n" build round instructions calls "instructions/call"
json="["
for round in $(seq 1 "$rounds"); do
  for i in "${!builds[@]}"; do
    label="b$((i + 1))"
    read -r instructions ok < <(measure "$label" "${builds[$i]}" "$round")
    per_call=$(awk -v n="$instructions" -v c="$ok" 'BEGIN { printf "%.0f", n / c }')
    printf "%-8s %-6s %16s %10s %18s\n" "$label" "$round" "$instructions" "$ok" "$per_call"
    json+="{\"build\":\"${builds[$i]}\",\"round\":$round,\"instructions\":$instructions,\"calls\":$ok,\"per_call\":$per_call},"
  done
done
for i in "${!builds[@]}"; do echo "b$((i + 1)): ${builds[$i]}"; done
echo "RESULT ${json%,}]"
