#!/usr/bin/env bash
# Runs fuzz targets for a given time each and reports executions and crashes per target.
#
#   tests/fuzz/run.sh [--build-dir DIR] [--work-dir DIR] <seconds> [target ...]
#
# DIR is a build made with -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14
# -DLIENTHONG_SANITIZE=address -DLIENTHONG_FUZZ=ON (default build-asan); no target means all.
# Each target first replays its past crashes (regressions/<target>/) and its seeds, then fuzzes
# from its seeds (corpus/<target>/, never written to) plus the corpus it grows in
# <work-dir>/<target>/corpus (default <build>/fuzz-work), where crash inputs land too.
# Exit status 1 when any target crashed or broke an invariant.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build="$root/build-asan"
work=""
while [[ $# -gt 0 && $1 == --* ]]; do
  case $1 in
    --build-dir) build=$2; shift 2 ;;
    --work-dir) work=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [[ $# -lt 1 || ! $1 =~ ^[0-9]+$ ]]; then
  echo "usage: $0 [--build-dir DIR] [--work-dir DIR] <seconds> [target ...]" >&2
  exit 2
fi
seconds=$1; shift
work=${work:-$build/fuzz-work}
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=(config_yaml_fuzz dossier_validation_fuzz record_validation_fuzz
           change_feed_request_fuzz tls_material_fuzz crl_fuzz jsonl_torn_line_fuzz
           page_token_fuzz dvcqg_answer_fuzz)
fi

failed=0
for target in "${targets[@]}"; do
  bin="$build/tests/fuzz/$target"
  if [[ ! -x $bin ]]; then
    echo "$target: not built ($bin); build with -DLIENTHONG_FUZZ=ON" >&2
    exit 2
  fi
  mkdir -p "$work/$target/corpus" "$work/$target/crashes"
  log="$work/$target/last-run.log"
  # Past crashes and the seeds must pass as they are, before any fuzzing.
  mapfile -t replay < <(find "$here/regressions/$target" "$here/corpus/$target" -type f \
                          2>/dev/null | sort)
  if [[ ${#replay[@]} -gt 0 ]] && ! "$bin" "${replay[@]}" >"$log.replay" 2>&1; then
    echo "$target: a regression or seed input fails (see $log.replay)"
    failed=1
    continue
  fi
  status=0
  "$bin" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$work/$target/crashes/" "$work/$target/corpus" "$here/corpus/$target" \
    >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  crashes=$(find "$work/$target/crashes" -type f | wc -l)
  echo "$target: ${runs:-?} executions in ${seconds} s, exit $status, $crashes crash inputs" \
       "in $work/$target/crashes"
  if [[ $status -ne 0 ]]; then
    grep -m5 -E "ERROR|invariant|SUMMARY" "$log" || true
    failed=1
  fi
done
exit $failed
