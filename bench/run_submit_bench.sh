#!/usr/bin/env bash
# Measures SubmitDossier on lienthongd against the null server (same mutual-TLS listener, no work)
# in one run, and checks the targets: gateway throughput >= 60 % of the null server's, p99 <= 3x.
#
# Usage: bench/run_submit_bench.sh      (build/ configured first by deploy/build.sh)
# Environment: BUILD_DIR (build), CONCURRENCY (64), DURATION (20s), WARMUP (3s), CHANNELS (4),
#   GATEWAY_PORT (17443), NULL_PORT (17444), START_INDEX (0), BENCH_TMPDIR (the temp-dir parent;
#   put it on the disk you want measured: the gateway's SQLite store lives there), SKIP_BUILD=1
#   (use the binaries already in BUILD_DIR), GATEWAYD (the lienthongd to measure; default the one in
#   BUILD_DIR; bench/experiments/README.md builds variants).
# Exit status: 0 targets met, 1 targets not met, 2 the run itself failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
caller_dir=$PWD  # a relative GATEWAYD is the caller's, not the repository's
cd "$root"

build=${BUILD_DIR:-build}
concurrency=${CONCURRENCY:-64}
duration=${DURATION:-20s}
warmup=${WARMUP:-3s}
channels=${CHANNELS:-4}
gateway_port=${GATEWAY_PORT:-17443}
null_port=${NULL_PORT:-17444}
start_index=${START_INDEX:-0}
throughput_target=0.60
p99_target=3.0

bench_name=run_submit_bench
source bench/lib/bench_common.sh

[[ -f "$build/build.ninja" || -f "$build/Makefile" ]] ||
  fail "$build is not configured: run deploy/build.sh first (or set BUILD_DIR)"
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  timeout 3600 cmake --build "$build" --target lienthongd lienthong_null_server lienthong_loadgen \
    lienthongctl || fail "build failed"
fi
ctl="$build/services/cli/lienthongctl"
gatewayd="${GATEWAYD:-$build/services/server/lienthongd}"
[[ -z "${GATEWAYD:-}" || "$GATEWAYD" == /* ]] || gatewayd="$caller_dir/$GATEWAYD"
null_server="$build/bench/null_server/lienthong_null_server"
loadgen="$build/bench/loadgen/lienthong_loadgen"
for binary in "$ctl" "$gatewayd" "$null_server" "$loadgen"; do
  [[ -x "$binary" ]] || fail "$binary is missing: build it (or unset SKIP_BUILD)"
done

tmp=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/lienthong-bench.XXXXXX")
server_pid=""
stop_server() {  # stops the running server (stop_pid); sets server_rc
  server_rc=0
  [[ -n "$server_pid" ]] || return 0
  stop_pid "$server_pid" || server_rc=$?
  server_pid=""
}
cleanup() { stop_server; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 2' INT TERM

"$ctl" pki init "$tmp/pki" >/dev/null || fail "cannot create the development PKI"

# One folder per server (bench/lib/bench_common.sh: write_bench_config).
write_config() {  # name port -> path of the config
  local config
  config=$(write_bench_config "$tmp/$1" "$tmp/pki" "$2")
  "$ctl" config check "$config" >/dev/null || fail "the generated config $config is invalid"
  echo "$config"
}

start_server() {  # name binary config port
  # Something else answering on the port would pass the health check below in our server's place.
  port_in_use "$4" && fail "127.0.0.1:$4 is already in use (set ${1^^}_PORT)"
  "$2" --config "$3" >"$tmp/$1.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    kill -0 "$server_pid" 2>/dev/null || { tail -20 "$tmp/$1.log" >&2; fail "$1 exited at start"; }
    if "$ctl" --target "127.0.0.1:$4" --pki "$tmp/pki" --member admin --timeout_s 2 health \
        >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.2
  done
  tail -20 "$tmp/$1.log" >&2
  fail "$1 did not become healthy on 127.0.0.1:$4 within 20 s"
}

# CPU time (user + system, in clock ticks) the server process has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }

run_load() {  # name port -> the RESULT json; sets the server's CPU ticks over the measured window
  local bound=$(( $(seconds_of "$warmup") + $(seconds_of "$duration") + 60 ))
  echo "== $1: lienthong_loadgen, concurrency $concurrency, $channels channels, $warmup + $duration" >&2
  timeout "$bound" "$loadgen" --target "127.0.0.1:$2" --pki "$tmp/pki" --member motcua \
    --concurrency "$concurrency" --duration "$duration" --warmup "$warmup" \
    --channels "$channels" --start_index "$start_index" >"$tmp/$1.out" &
  local loadgen_pid=$!
  # The server's CPU over the measured window (after the warm-up), to the nearest tick: a figure
  # that moves much less from run to run than throughput does on a shared machine.
  sleep "$(seconds_of "$warmup")"
  local ticks_at_start
  ticks_at_start=$(cpu_ticks)
  wait "$loadgen_pid" || fail "lienthong_loadgen against $1 failed (exit $?)"
  echo $(( $(cpu_ticks) - ticks_at_start )) >"$tmp/$1.ticks"
  grep -v '^RESULT ' "$tmp/$1.out" >&2
  sed -n 's/^RESULT //p' "$tmp/$1.out"
}

# Microseconds of server CPU per acknowledged call: name result-json.
cpu_us_per_call() {
  awk -v ticks="$(cat "$tmp/$1.ticks")" -v hz="$(getconf CLK_TCK)" -v ok="$(field ok "$2")" \
    'BEGIN { if (ok > 0) printf "%.1f", ticks / hz * 1e6 / ok; else print "n/a" }'
}

field() { sed -n "s/.*\"$1\":\([-0-9.e+]*\).*/\1/p" <<<"$2"; }
errors_of() { sed -n 's/.*"errors_by_code":\({[^}]*}\).*/\1/p' <<<"$1"; }

null_config=$(write_config null "$null_port")
gateway_config=$(write_config gateway "$gateway_port")
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)

start_server null "$null_server" "$null_config" "$null_port"
null_result=$(run_load null "$null_port")
stop_server
[[ $server_rc -eq 0 ]] || fail "lienthong_null_server exited with $server_rc on SIGTERM"

start_server gateway "$gatewayd" "$gateway_config" "$gateway_port"
gateway_result=$(run_load gateway "$gateway_port")
stop_server
[[ $server_rc -eq 0 ]] || fail "lienthongd exited with $server_rc on SIGTERM"
gateway_store_bytes=$(du -cb "$tmp/gateway/var/data" | tail -1 | cut -f1)

echo
echo "SubmitDossier: lienthongd vs null server (same mutual-TLS listener and interceptors)"
printf '%-10s %12s %10s %10s %10s %10s %8s %12s %12s\n' server "ok/s" "p50 ms" "p99 ms" "p999 ms" \
  calls errors "cpu us/call" "client us"
for name in null gateway; do
  result=${name}_result
  r=${!result}
  printf '%-10s %12s %10s %10s %10s %10s %8s %12s %12s\n' "$name" "$(field ok_rps "$r")" \
    "$(field p50_ms "$r")" "$(field p99_ms "$r")" "$(field p999_ms "$r")" "$(field calls "$r")" \
    "$(field errors "$r")" "$(cpu_us_per_call "$name" "$r")" "$(field client_cpu_us_per_ok "$r")"
done
echo "cpu us/call: the server's CPU per OK call; client us: lienthong_loadgen's own CPU per OK call"
echo "(both over the measured window; the client shares the machine's CPUs with the server.)"
echo "errors by code: null $(errors_of "$null_result")  gateway $(errors_of "$gateway_result")"
echo "gateway already_existed answers: $(field already_existed "$gateway_result") (fresh store: 0 expected)"
echo "gateway store after the run: $gateway_store_bytes bytes in $tmp/gateway/var/data" \
  "($(stat -f -c %T "$tmp") filesystem)"

verdict=$(awk -v gw="$(field ok_rps "$gateway_result")" -v nu="$(field ok_rps "$null_result")" \
  -v gp="$(field p99_ms "$gateway_result")" -v np="$(field p99_ms "$null_result")" \
  -v ge="$(field errors "$gateway_result")" -v ne="$(field errors "$null_result")" \
  -v tt="$throughput_target" -v pt="$p99_target" 'BEGIN {
    tr = nu > 0 ? gw / nu : 0
    pr = (np > 0 && gw > 0) ? gp / np : -1
    tok = tr >= tt && ge == 0 && ne == 0
    pok = pr >= 0 && pr <= pt && ge == 0 && ne == 0
    printf "throughput ratio %.3f (target >= %.2f): %s\n", tr, tt, tok ? "met" : "NOT met"
    if (pr < 0) printf "p99 ratio n/a (no successful gateway calls) (target <= %.1f): NOT met\n", pt
    else printf "p99 ratio %.2f (target <= %.1f): %s\n", pr, pt, pok ? "met" : "NOT met"
    if (ge > 0 || ne > 0) print "errors occurred: the targets count only runs without errors"
    print (tok && pok) ? "TARGETS MET" : "TARGETS NOT MET"
  }')
echo "$verdict"
echo
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "kernel $(uname -r); load average at start $load_at_start; $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "loadgen and server share these CPUs; run on an otherwise idle machine for figures to quote."
[[ "$(stat -f -c %T "$tmp")" != tmpfs ]] ||
  echo "warning: $tmp is tmpfs, where fsync costs nothing; set BENCH_TMPDIR to a disk folder"
[[ "$(tail -1 <<<"$verdict")" == "TARGETS MET" ]]
