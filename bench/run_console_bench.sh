#!/usr/bin/env bash
# Measures the operator console's pages (docs/console.md) on a SQLite store of a million
# dossiers: the store is loaded by lienthong_kpi_bench (through the store's write path, so the
# KPI counts are kept as SubmitDossier keeps them), lienthongd starts on it with the console on
# loopback, and each page is fetched REPEAT times with curl, one after the other. Per page: wall
# milliseconds (p50, p95, max) and lienthongd's CPU microseconds per fetch; the baseline in the
# same run is /metrics (the same listener, no store read), so "ratio" is page p50 / metrics p50.
# Target: every page's p95 under 200 ms.
#
# Usage: bench/run_console_bench.sh      (BUILD_DIR configured first by deploy/build.sh)
# Environment: BUILD_DIR (build), DOSSIERS (1000000), REPEAT (20), PORT (17443), HTTP_PORT
#   (19464), BENCH_TMPDIR (the store lives there, about 1 GB per million dossiers), SKIP_BUILD=1,
#   PERF_DIR (a folder: lienthongd's CPU profile while each page is fetched, `perf record -g`,
#   one file per page, for `perf report -i`; the profiler's own cost shows in that run's figures).
# Exit status: 0 target met, 1 target not met, 2 the run itself failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

build=${BUILD_DIR:-build}
bench_name=run_console_bench
source bench/lib/bench_common.sh

[[ -f "$build/build.ninja" || -f "$build/Makefile" ]] ||
  fail "$build is not configured: run deploy/build.sh first (or set BUILD_DIR)"
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  timeout 3600 cmake --build "$build" --target lienthong_kpi_bench lienthongd lienthongctl ||
    fail "build failed"
fi
loader="$build/bench/kpi/lienthong_kpi_bench"
gatewayd="$build/services/server/lienthongd"
ctl="$build/services/cli/lienthongctl"
for binary in "$loader" "$gatewayd" "$ctl"; do [[ -x "$binary" ]] || fail "$binary is missing"; done
command -v curl >/dev/null || fail "curl is missing (apt-get install curl)"

port=${PORT:-17443}
http_port=${HTTP_PORT:-19464}
repeat=${REPEAT:-20}
parent=${BENCH_TMPDIR:-${TMPDIR:-/tmp}}
tmp=$(mktemp -d "$parent/lienthong-console-bench.XXXXXX")
server_pid=""
cleanup() { [[ -n "$server_pid" ]] && stop_pid "$server_pid" >/dev/null 2>&1; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 2' INT TERM
port_in_use "$port" && fail "127.0.0.1:$port is in use (set PORT)"
port_in_use "$http_port" && fail "127.0.0.1:$http_port is in use (set HTTP_PORT)"

load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
started_at=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
echo "== loading ${DOSSIERS:-1000000} dossiers (lienthong_kpi_bench; its own figures follow)" >&2
rc=0
mkdir -p "$tmp/load"
# No scan baseline there (it takes minutes on a million): this run's baseline is /metrics.
"$loader" --dir "$tmp/load" --dossiers "${DOSSIERS:-1000000}" --repeat 1 --scan_repeat 0 >&2 || rc=$?
((rc <= 1)) || fail "loading failed (exit $rc)"

"$ctl" pki init "$tmp/pki" >/dev/null
config=$(write_bench_config "$tmp/gateway" "$tmp/pki" "$port")
mv "$tmp/load/kpi_bench.db" "$tmp/gateway/var/data/lienthong.db"
rm -rf "$tmp/load"
# The console on loopback, as the admin member of the development policy.
awk -v http="$http_port" '
  /^admin_http:/ { print; print "  address: \"127.0.0.1:" http "\""; print "  loopback_member: \"000.00.99.H49\""; skip = 1; next }
  skip && /^[[:space:]]/ { next }
  { skip = 0; print }' "$config" >"$config.new" && mv "$config.new" "$config"
"$ctl" config check "$config" >/dev/null || fail "the generated config $config is invalid"

"$gatewayd" --config "$config" >"$tmp/gateway.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
  kill -0 "$server_pid" 2>/dev/null || { tail -20 "$tmp/gateway.log" >&2; fail "lienthongd exited at start"; }
  curl -fsS -o /dev/null "http://127.0.0.1:$http_port/metrics" 2>/dev/null && break
  sleep 0.2
done
curl -fsS -o /dev/null "http://127.0.0.1:$http_port/metrics" || fail "the console did not answer"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
now_year=$(TZ=Asia/Ho_Chi_Minh date +%Y)
pages=(
  "/metrics"
  "/chi-so"
  "/chi-so?ky=quy&nam=$now_year&quy=$(( ($(TZ=Asia/Ho_Chi_Minh date +%-m) - 1) / 3 + 1 ))"
  "/chi-so?ky=nam&nam=$now_year"
  "/chi-so.csv?ky=nam&nam=$now_year"
  "/ho-so-qua-han"
  "/ho-so-qua-han?ngay=5"
  "/van-hanh"
  "/nhat-ky"
)
printf '%-44s %8s %8s %8s %10s %7s %s\n' PAGE P50_MS P95_MS MAX_MS CPU_US/GET RATIO HTTP >&2
verdict=0
metrics_p50=""
results=()
for page in "${pages[@]}"; do
  url="http://127.0.0.1:$http_port$page"
  curl -s -o /dev/null "$url"  # warm: the first fetch opens the statement cache
  perf_pid=""
  if [[ -n "${PERF_DIR:-}" ]]; then
    mkdir -p "$PERF_DIR"
    perf record -q -F 499 -g -p "$server_pid" \
      -o "$PERF_DIR/$(echo "$page" | tr -c 'A-Za-z0-9.\n' '_').perf.data" >/dev/null 2>&1 &
    perf_pid=$!
    sleep 0.5
  fi
  ticks=$(cpu_ticks)
  : >"$tmp/times"
  code=""
  for _ in $(seq 1 "$repeat"); do
    out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' "$url")
    code=${out%% *}
    echo "${out#* }" >>"$tmp/times"
  done
  if [[ -n "$perf_pid" ]]; then kill -INT "$perf_pid" 2>/dev/null; wait "$perf_pid" || true; fi
  cpu_us=$(awk -v t="$(( $(cpu_ticks) - ticks ))" -v hz="$(getconf CLK_TCK)" -v n="$repeat" \
    'BEGIN { printf "%.0f", t / hz * 1e6 / n }')
  read -r p50 p95 max < <(sort -g "$tmp/times" | awk '{ v[NR] = $1 * 1000 } END {
    i50 = int(NR * 0.50 + 0.5); i95 = int(NR * 0.95 + 0.5); if (i50 < 1) i50 = 1; if (i95 < 1) i95 = 1
    printf "%.1f %.1f %.1f\n", v[i50], v[i95], v[NR] }')
  [[ -z "$metrics_p50" ]] && metrics_p50=$p50
  ratio=$(awk -v a="$p50" -v b="$metrics_p50" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')
  printf '%-44s %8s %8s %8s %10s %7s %s\n' "$page" "$p50" "$p95" "$max" "$cpu_us" "$ratio" "$code" >&2
  results+=("{\"page\":\"$page\",\"p50_ms\":$p50,\"p95_ms\":$p95,\"max_ms\":$max,\"cpu_us\":$cpu_us,\"http\":$code}")
  [[ "$code" == 200 ]] || { echo "$bench_name: $page answered HTTP $code" >&2; verdict=1; }
  if [[ "$page" != /metrics ]] && awk -v p="$p95" 'BEGIN { exit !(p >= 200) }'; then verdict=1; fi
done
stop_pid "$server_pid" || true
server_pid=""
echo "RESULT [$(IFS=,; echo "${results[*]}")]"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')," \
  "$(free -g | awk '/^Mem:/ {print $2}') GiB; kernel $(uname -r)"
echo "load average at start $load_at_start; started $started_at; $repeat fetches per page"
if ((verdict == 0)); then echo "TARGET MET (every page p95 < 200 ms)"; else echo "TARGET NOT MET"; fi
exit "$verdict"
