#!/usr/bin/env bash
# Measures SubmitDossier on the PostgreSQL store in one run, against (b) a plain batched INSERT of
# the same rows into the same PostgreSQL server (lienthong_pg_insert_baseline; target: the store
# >= 0.50 of it) and (d) lienthongd on the SQLite store, and (e) two lienthongd replicas on one
# PostgreSQL database against (c) one. Starts its own throwaway PostgreSQL 15 cluster (initdb in
# a temp folder, fsync on, a free loopback port; as the postgres user when run as root) and
# removes it, and every process it started, on exit. Installs nothing: it expects
# `bash deploy/install-deps.sh --with-postgres` to have run.
#
# Usage: bench/run_store_bench.sh      (build/ configured first by deploy/build.sh)
# Environment: BUILD_DIR (build), DURATION (20s), WARMUP (3s), CHANNELS (4), CONCURRENCY (64; the
#   two replicas get half each), PG_CONNECTIONS (4: the baseline's connections), STORE_WRITERS
#   (the store's writer_connections; default: the store's own default), GATEWAY_PORT (17453; the second replica GATEWAY_PORT + 1), PG_PORT
#   (the first free from 55440), LIENTHONG_PG_BIN (/usr/lib/postgresql/15/bin), BENCH_TMPDIR (the
#   temp-dir parent; put it on the disk you want measured: both stores live there), SKIP_BUILD=1
#   (use the binaries already in BUILD_DIR), GATEWAYD (the lienthongd to measure; default the one
#   in BUILD_DIR).
# Exit status: 0 target met, 1 target not met, 2 the run itself failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
caller_dir=$PWD  # a relative GATEWAYD is the caller's, not the repository's
cd "$root"

build=${BUILD_DIR:-build}
concurrency=${CONCURRENCY:-64}
duration=${DURATION:-20s}
warmup=${WARMUP:-3s}
channels=${CHANNELS:-4}
pg_connections=${PG_CONNECTIONS:-4}
# The store's writer_connections: unset, the store's own default (not written to the config).
store_writers=${STORE_WRITERS:-}
gateway_port=${GATEWAY_PORT:-17453}
pg_bin=${LIENTHONG_PG_BIN:-/usr/lib/postgresql/15/bin}
throughput_target=0.50

bench_name=run_store_bench
source bench/lib/bench_common.sh

[[ -f "$build/build.ninja" || -f "$build/Makefile" ]] ||
  fail "$build is not configured: run deploy/build.sh first (or set BUILD_DIR)"
[[ -x "$pg_bin/initdb" && -x "$pg_bin/pg_ctl" ]] ||
  fail "no PostgreSQL 15 in $pg_bin: run bash deploy/install-deps.sh --with-postgres (or set LIENTHONG_PG_BIN)"
(( concurrency >= 2 && concurrency % 2 == 0 )) || fail "CONCURRENCY must be even (two replicas)"
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  timeout 3600 cmake --build "$build" --target lienthongd lienthong_loadgen lienthongctl \
    lienthong_pg_insert_baseline || fail "build failed"
fi
ctl="$build/services/cli/lienthongctl"
gatewayd="${GATEWAYD:-$build/services/server/lienthongd}"
[[ -z "${GATEWAYD:-}" || "$GATEWAYD" == /* ]] || gatewayd="$caller_dir/$GATEWAYD"
loadgen="$build/bench/loadgen/lienthong_loadgen"
baseline="$build/bench/pg_baseline/lienthong_pg_insert_baseline"
for binary in "$ctl" "$gatewayd" "$loadgen" "$baseline"; do
  [[ -x "$binary" ]] || fail "$binary is missing: build it (or unset SKIP_BUILD)"
done

parent=${BENCH_TMPDIR:-${TMPDIR:-/tmp}}
tmp=$(mktemp -d "$parent/lienthong-store-bench.XXXXXX")
pg_dir=""           # the cluster's own folder (it must belong to the postgres user when root)
as_pg=()
pg_running=0
server_pids=()      # lienthongd processes running now
loadgen_pids=()     # loadgens running now

stop_servers() {  # stops every running server (stop_pid), all signalled first; sets servers_rc
  servers_rc=0
  local pid rc
  for pid in "${server_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${server_pids[@]}"; do
    rc=0
    stop_pid "$pid" || rc=$?
    (( rc == 0 )) || servers_rc=$rc
  done
  server_pids=()
}
cleanup() {
  local pid
  for pid in "${loadgen_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${loadgen_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  stop_servers
  if (( pg_running )); then
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" stop -m fast -w -t 60 >/dev/null 2>&1 ||
      "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" stop -m immediate -w >/dev/null 2>&1 || true
  fi
  [[ -z "$pg_dir" ]] || rm -rf "$pg_dir"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

# (a) A throwaway PostgreSQL 15 cluster, fsync on. PostgreSQL refuses to run as root: as root,
# its folder belongs to the postgres user of the postgresql-15 package and its commands run as
# that user (as tests/support/postgres_cluster.cc does). Its own folder beside $tmp, because
# $tmp (mode 0700, root's) is closed to that user; not deploy/lib/throwaway-postgres.sh, whose
# cluster is always in /tmp: here it is on BENCH_TMPDIR's disk, as the SQLite store is.
pg_dir=$(mktemp -d "$parent/lienthong-store-bench-pg.XXXXXX")
if [[ $(id -u) -eq 0 ]]; then
  id postgres >/dev/null 2>&1 || fail "running as root but there is no postgres user"
  chown postgres:postgres "$pg_dir"
  as_pg=(runuser -u postgres --)
  "${as_pg[@]}" test -w "$pg_dir" ||
    fail "the postgres user cannot write $pg_dir (set BENCH_TMPDIR to a folder it can reach)"
fi
pg_port=${PG_PORT:-55440}
if [[ -z "${PG_PORT:-}" ]]; then
  while port_in_use "$pg_port"; do pg_port=$((pg_port + 1)); done
elif port_in_use "$pg_port"; then
  fail "127.0.0.1:$pg_port is already in use (set PG_PORT)"
fi
"${as_pg[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U postgres -E UTF8 --locale=C \
  --no-sync >"$pg_dir/initdb.log" 2>&1 || { cat "$pg_dir/initdb.log" >&2; fail "initdb failed"; }
# shared_buffers and max_wal_size as in bench/run_sync_bench.sh: no checkpoint forced by WAL
# volume inside a run; every commit still waits for its WAL flush (fsync on, synchronous_commit
# on: the store sets it on every session, the baseline too).
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 start \
  -o "-c port=$pg_port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$pg_dir \
      -c fsync=on -c synchronous_commit=on -c shared_buffers=256MB -c max_wal_size=2GB" \
  >/dev/null || { tail -20 "$pg_dir/server.log" >&2; fail "PostgreSQL did not start"; }
pg_running=1
postmaster_pid=$(head -1 "$pg_dir/data/postmaster.pid")
pg_version=$("$pg_bin/postgres" --version)
conninfo_of() { echo "host=127.0.0.1 port=$pg_port user=postgres dbname=$1"; }
make_database() {  # a fresh database per measurement, so that each store starts empty
  "${as_pg[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres "$1" ||
    fail "createdb $1 failed"
}

"$ctl" pki init "$tmp/pki" >/dev/null || fail "cannot create the development PKI"

# One folder per server (bench/lib/bench_common.sh: write_bench_config); for the PostgreSQL
# store the store block is replaced.
write_config() {  # name port [database replica-name] -> path of the config
  local conninfo="" config
  [[ -z "${3:-}" ]] || conninfo=$(conninfo_of "$3")
  config=$(write_bench_config "$tmp/$1" "$tmp/pki" "$2" "$conninfo" "${4:-}" "$store_writers")
  "$ctl" config check "$config" >/dev/null || fail "the generated config $config is invalid"
  echo "$config"
}

start_server() {  # name config port
  # Something else answering on the port would pass the health check below in our server's place.
  port_in_use "$3" && fail "127.0.0.1:$3 is already in use (set GATEWAY_PORT)"
  "$gatewayd" --config "$2" >"$tmp/$1.log" 2>&1 &
  local pid=$!
  server_pids+=("$pid")
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || { tail -20 "$tmp/$1.log" >&2; fail "$1 exited at start"; }
    if "$ctl" --target "127.0.0.1:$3" --pki "$tmp/pki" --member admin --timeout_s 2 health \
        >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.2
  done
  tail -20 "$tmp/$1.log" >&2
  fail "$1 did not become healthy on 127.0.0.1:$3 within 30 s"
}

# CPU time (user + system, in clock ticks) used so far by the lienthongd processes running now,
# and by the PostgreSQL cluster: the postmaster, its children (backends, WAL writer,
# checkpointer...), and its children that have ended (their time moves to the postmaster's
# cutime + cstime when it reaps them: the baseline's backends end with it, before the last look).
servers_ticks() {
  local sum=0 pid
  for pid in "${server_pids[@]}"; do sum=$(( sum + $(awk '{print $14 + $15}' "/proc/$pid/stat") )); done
  echo "$sum"
}
pg_ticks() {
  cat /proc/[0-9]*/stat 2>/dev/null | awk -v pm="$postmaster_pid" '
    { pid = $1; sub(/^.*\) /, "")
      if (pid == pm) sum += $12 + $13 + $14 + $15; else if ($2 == pm) sum += $12 + $13 }
    END { print sum + 0 }'
}

psql_value() {  # database sql
  "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d "$1" -Atc "$2" 2>/dev/null || echo "?"
}
# Dossiers per write transaction over a whole run of a PostgreSQL store (warm-up included), once
# its replicas have stopped: each of the store's write transactions updates the exchange log's
# head row once (postgres_store.cc), and the backends report their counts when they end.
dossiers_per_commit() {  # database
  awk -v n="$(psql_value "$1" "SELECT count(*) FROM dossiers")" \
    -v c="$(psql_value "$1" "SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'exchange_log_head'")" \
    'BEGIN { if (c > 0) printf "%.1f", n / c; else print "n/a" }'
}

# Runs a load command per argument set at once (each "name|command...") and records the CPU of
# the servers and of PostgreSQL over the measured window (after the warm-up, to the end of the
# load): $tmp/<label>.server_ticks and .pg_ticks. Each load's output is in $tmp/<name>.out.
run_loads() {  # label name|cmd ...
  local label=$1 spec name pid
  shift
  local bound=$(( $(seconds_of "$warmup") + $(seconds_of "$duration") + 60 ))
  loadgen_pids=()
  for spec in "$@"; do
    name=${spec%%|*}
    # shellcheck disable=SC2086
    timeout "$bound" ${spec#*|} >"$tmp/$name.out" &
    loadgen_pids+=($!)
  done
  sleep "$(seconds_of "$warmup")"
  local server0 pg0
  server0=$(servers_ticks)
  pg0=$(pg_ticks)
  for pid in "${loadgen_pids[@]}"; do
    wait "$pid" || fail "a load of $label failed (exit $?); see above"
  done
  loadgen_pids=()
  echo $(( $(servers_ticks) - server0 )) >"$tmp/$label.server_ticks"
  echo $(( $(pg_ticks) - pg0 )) >"$tmp/$label.pg_ticks"
  for spec in "$@"; do grep -v '^RESULT ' "$tmp/${spec%%|*}.out" >&2 || true; done
}
result_of() { sed -n 's/^RESULT //p' "$tmp/$1.out"; }
loadgen_cmd() {  # port concurrency start-index
  echo "$loadgen --target 127.0.0.1:$1 --pki $tmp/pki --member motcua --concurrency $2" \
    "--duration $duration --warmup $warmup --channels $channels --start_index $3"
}

field() { sed -n "s/.*\"$1\":\([-0-9.e+]*\).*/\1/p" <<<"$2"; }
errors_of() { sed -n 's/.*"errors_by_code":\({[^}]*}\).*/\1/p' <<<"$1"; }
per_call() {  # ticks count -> microseconds of CPU per call
  awk -v t="$1" -v hz="$(getconf CLK_TCK)" -v n="$2" \
    'BEGIN { if (n > 0) printf "%.1f", t / hz * 1e6 / n; else print "n/a" }'
}
window_s=$(awk -v d="$duration" 'BEGIN {
  if (d ~ /ms$/) print d / 1000; else if (d ~ /m$/) print d * 60; else print d + 0 }')

load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
started_at=$(date -u '+%Y-%m-%d %H:%M:%S UTC')

# (b) The baseline: plain batched INSERTs of the same rows into the same server.
echo "== baseline: lienthong_pg_insert_baseline, $pg_connections connections, $concurrency rows in flight, $warmup + $duration" >&2
run_loads baseline "baseline|$baseline --conninfo postgresql://postgres@127.0.0.1:$pg_port/postgres \
  --connections $pg_connections --concurrency $concurrency --duration $duration --warmup $warmup"
base_result=$(result_of baseline)

# (c) lienthongd on the PostgreSQL store, one replica.
echo "== pg-store: lienthongd (PostgreSQL store, writer connections: ${store_writers:-the default}), lienthong_loadgen at $concurrency" >&2
make_database store_one
config=$(write_config pg1 "$gateway_port" store_one bench-1)
start_server pg1 "$config" "$gateway_port"
run_loads pg1 "pg1|$(loadgen_cmd "$gateway_port" "$concurrency" 0)"
stop_servers
(( servers_rc == 0 )) || fail "lienthongd (PostgreSQL store) exited with $servers_rc on SIGTERM"
pg1_result=$(result_of pg1)
pg1_per_commit=$(dossiers_per_commit store_one)

# (d) lienthongd on the SQLite store, in $tmp (BENCH_TMPDIR's disk).
echo "== sqlite-store: lienthongd (SQLite store in $tmp), lienthong_loadgen at $concurrency" >&2
config=$(write_config sqlite "$gateway_port")
start_server sqlite "$config" "$gateway_port"
run_loads sqlite "sqlite|$(loadgen_cmd "$gateway_port" "$concurrency" 0)"
stop_servers
(( servers_rc == 0 )) || fail "lienthongd (SQLite store) exited with $servers_rc on SIGTERM"
sqlite_store_bytes=$(du -cb "$tmp/sqlite/var/data" | tail -1 | cut -f1)

# (e) Two replicas on one database, a loadgen of half the concurrency on each, at once, with
# dossier indices far apart (each run uses fewer than 10,000,000).
half=$((concurrency / 2))
echo "== pg-2-replicas: two lienthongd on one database, lienthong_loadgen at $half on each" >&2
make_database store_two
config=$(write_config pg2a "$gateway_port" store_two bench-1)
start_server pg2a "$config" "$gateway_port"
config=$(write_config pg2b $((gateway_port + 1)) store_two bench-2)
start_server pg2b "$config" $((gateway_port + 1))
run_loads pg2 "pg2a|$(loadgen_cmd "$gateway_port" "$half" 0)" \
  "pg2b|$(loadgen_cmd $((gateway_port + 1)) "$half" 10000000)"
stop_servers
(( servers_rc == 0 )) || fail "a lienthongd replica exited with $servers_rc on SIGTERM"
pg2a_result=$(result_of pg2a)
pg2b_result=$(result_of pg2b)
stored_two=$(psql_value store_two "SELECT count(*) FROM dossiers")
pg2_per_commit=$(dossiers_per_commit store_two)

ok_of() { field ok "$1"; }
pg2_ok=$(( $(ok_of "$pg2a_result") + $(ok_of "$pg2b_result") ))
pg2_rps=$(awk -v a="$(field ok_rps "$pg2a_result")" -v b="$(field ok_rps "$pg2b_result")" \
  'BEGIN { printf "%.1f", a + b }')
pg2_client=$(awk -v a="$(field client_cpu_us_per_ok "$pg2a_result")" -v na="$(ok_of "$pg2a_result")" \
  -v b="$(field client_cpu_us_per_ok "$pg2b_result")" -v nb="$(ok_of "$pg2b_result")" \
  'BEGIN { if (na + nb > 0) printf "%.1f", (a * na + b * nb) / (na + nb); else print "n/a" }')
max_of() { awk -v a="$1" -v b="$2" 'BEGIN { print (a > b ? a : b) }'; }
base_rows=$(field rows "$base_result")

echo
echo "SubmitDossier at concurrency $concurrency: PostgreSQL store vs a plain batched INSERT of the same rows, vs the SQLite store"
line() { printf '%-22s %10s %9s %9s %7s %10s %10s %10s %11s\n' "$@"; }
line run "ok/s" "p50 ms" "p99 ms" errors "gw cpu us" "pg cpu us" "client us" "per commit"
line "baseline (rows)" "$(field rows_per_s "$base_result")" "$(field p50_ms "$base_result")" \
  "$(field p99_ms "$base_result")" 0 "-" "$(per_call "$(cat "$tmp/baseline.pg_ticks")" "$base_rows")" \
  "$(field client_cpu_us_per_row "$base_result")" "$(field batch_rows "$base_result")"
row() {  # label result ticks-label per-commit
  local r=$2 pg
  pg=$(per_call "$(cat "$tmp/$3.pg_ticks")" "$(ok_of "$r")")
  [[ "$4" != "-" ]] || pg="-"
  line "$1" "$(field ok_rps "$r")" "$(field p50_ms "$r")" "$(field p99_ms "$r")" \
    "$(field errors "$r")" "$(per_call "$(cat "$tmp/$3.server_ticks")" "$(ok_of "$r")")" \
    "$pg" "$(field client_cpu_us_per_ok "$r")" "$4"
}
row "pg-store, 1 replica" "$pg1_result" pg1 "$pg1_per_commit"
sqlite_result=$(result_of sqlite)
row "sqlite-store" "$sqlite_result" sqlite -
line "pg-store, 2 replicas" "$pg2_rps" \
  "$(max_of "$(field p50_ms "$pg2a_result")" "$(field p50_ms "$pg2b_result")")" \
  "$(max_of "$(field p99_ms "$pg2a_result")" "$(field p99_ms "$pg2b_result")")" \
  $(( $(field errors "$pg2a_result") + $(field errors "$pg2b_result") )) \
  "$(per_call "$(cat "$tmp/pg2.server_ticks")" "$pg2_ok")" \
  "$(per_call "$(cat "$tmp/pg2.pg_ticks")" "$pg2_ok")" "$pg2_client" "$pg2_per_commit"
for side in a b; do
  r=pg2${side}_result
  line "  replica $side (at $half)" "$(field ok_rps "${!r}")" "$(field p50_ms "${!r}")" \
    "$(field p99_ms "${!r}")" "$(field errors "${!r}")" "" "" "$(field client_cpu_us_per_ok "${!r}")" ""
done
echo "ok/s: acknowledged SubmitDossier calls (baseline: rows committed) per second of the ${window_s} s window;"
echo "p50/p99: call latency (baseline: one batch's BEGIN..COMMIT; 2 replicas: the worse replica's);"
echo "gw cpu us: lienthongd's CPU per OK call (2 replicas: both together); pg cpu us: the whole"
echo "PostgreSQL cluster's (baseline: per row); client us: the load generator's own CPU per OK call;"
echo "per commit: dossiers per write transaction (PostgreSQL store: over the whole run, warm-up included)."
echo "The baseline writes a dossiers row and a change_events row per dossier ($pg_connections connections x"
echo "batches of $((concurrency / pg_connections)), one multi-row INSERT per table, one transaction per batch)."
echo "errors by code: pg-store $(errors_of "$pg1_result")  sqlite-store $(errors_of "$sqlite_result")" \
  " 2 replicas $(errors_of "$pg2a_result") $(errors_of "$pg2b_result")"
echo "already_existed answers: pg-store $(field already_existed "$pg1_result"), sqlite-store" \
  "$(field already_existed "$sqlite_result"), 2 replicas $(( $(field already_existed "$pg2a_result") + $(field already_existed "$pg2b_result") )) (fresh stores: 0 expected)"
echo "2 replicas: $stored_two dossiers stored (warm-up included)"
echo "sqlite store after its run: $sqlite_store_bytes bytes"

verdict=$(awk -v pg="$(field ok_rps "$pg1_result")" -v base="$(field rows_per_s "$base_result")" \
  -v lite="$(field ok_rps "$sqlite_result")" -v two="$pg2_rps" -v tt="$throughput_target" \
  -v errors="$(( $(field errors "$pg1_result") ))" 'BEGIN {
    r = base > 0 ? pg / base : 0
    ok = r >= tt && errors == 0
    printf "PG-store / baseline: %.3f (target >= %.2f): %s\n", r, tt, ok ? "met" : "NOT met"
    if (errors > 0) print "errors occurred in the pg-store run: the target counts only runs without errors"
    printf "PG-store / SQLite-store: %.3f\n", (lite > 0 ? pg / lite : 0)
    printf "2 replicas / 1 replica (PostgreSQL store): %.3f\n", (pg > 0 ? two / pg : 0)
    print ok ? "TARGET MET" : "TARGET NOT MET"
  }')
echo "$verdict"
echo
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')," \
  "$(free -g | awk '/^Mem:/ {print $2}') GiB"
echo "kernel $(uname -r); $pg_version (fsync on, shared_buffers 256MB, max_wal_size 2GB);" \
  "temp dir on $(stat -f -c %T "$tmp")"
echo "load average at start $load_at_start; started $started_at"
echo "client(s), lienthongd(s) and PostgreSQL share these CPUs; run on an otherwise idle machine for figures to quote."
[[ "$(stat -f -c %T "$tmp")" != tmpfs ]] ||
  echo "warning: $tmp is tmpfs, where fsync costs nothing; set BENCH_TMPDIR to a disk folder"
[[ "$(tail -1 <<<"$verdict")" == "TARGET MET" ]]
