#!/usr/bin/env bash
# Measures what the console's indicator page costs on a SQLite store of a million dossiers:
# GetDossierStats (DossierRegister::StatsAt) for the current month, quarter and year and the
# 12-month trend, answered from the KPI counts kept with the dossiers (store/kpi_counts.h),
# against the scan of every dossier (StatsByScan) as the baseline in the same run; checks both
# answer the same. The store is loaded through its write path (FindDossier + PutDossier, 1000 a
# transaction), so the counts are kept as a SubmitDossier keeps them; the load's cost per
# dossier is printed too. Target: the page's 12 calls (the month and the 11 months before it)
# under 200 ms together.
#
# Usage: bench/run_kpi_bench.sh      (BUILD_DIR configured first by deploy/build.sh)
# Environment: BUILD_DIR (build), DOSSIERS (1000000), REPEAT (20: calls of each kind from the
#   counts), SCAN_REPEAT (2: by the scan), AGENCIES (12), PROCEDURES (60), NOW (RFC 3339; default
#   the current time), BENCH_TMPDIR (the temp-dir parent: the store lives there, about 1 GB per
#   million dossiers), SKIP_BUILD=1 (use the binary already in BUILD_DIR).
# Exit status: 0 target met, 1 target not met, 2 the run itself failed (or the answers differ).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

build=${BUILD_DIR:-build}
bench_name=run_kpi_bench
source bench/lib/bench_common.sh

[[ -f "$build/build.ninja" || -f "$build/Makefile" ]] ||
  fail "$build is not configured: run deploy/build.sh first (or set BUILD_DIR)"
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  timeout 3600 cmake --build "$build" --target lienthong_kpi_bench || fail "build failed"
fi
bench="$build/bench/kpi/lienthong_kpi_bench"
[[ -x "$bench" ]] || fail "$bench is missing: build it (or unset SKIP_BUILD)"

parent=${BENCH_TMPDIR:-${TMPDIR:-/tmp}}
tmp=$(mktemp -d "$parent/lienthong-kpi-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 2' INT TERM

load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
started_at=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
rc=0
"$bench" --dir "$tmp" --dossiers "${DOSSIERS:-1000000}" --repeat "${REPEAT:-20}" \
  --scan_repeat "${SCAN_REPEAT:-2}" --agencies "${AGENCIES:-12}" \
  --procedures "${PROCEDURES:-60}" ${NOW:+--now "$NOW"} || rc=$?
echo "store file: $(du -cb "$tmp" | tail -1 | cut -f1) bytes"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')," \
  "$(free -g | awk '/^Mem:/ {print $2}') GiB; kernel $(uname -r); temp dir on $(stat -f -c %T "$tmp")"
echo "load average at start $load_at_start; started $started_at"
case $rc in
  0) echo "TARGET MET" ;;
  1) echo "TARGET NOT MET" ;;
  *) fail "the run failed (exit $rc)" ;;
esac
exit "$rc"
