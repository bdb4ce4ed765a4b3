#!/usr/bin/env bash
# Builds the suite with a sanitizer (clang 14) and runs tests under it.
#
#   tests/run_sanitized.sh asan [ctest arguments]   # ASan+UBSan in build-asan; default: every test
#   tests/run_sanitized.sh tsan [ctest arguments]   # TSan in build-tsan; default: the concurrency
#                                                   # tests (TSAN_DEFAULT below)
#
# The asan build also builds the fuzz targets (tests/fuzz/run.sh uses it). A sanitizer report
# fails the test that made it (halt_on_error); suppressions, each with its reason, are in
# tests/sanitizers/. Examples: `tests/run_sanitized.sh asan -L unit -j2`,
# `tests/run_sanitized.sh tsan -R ChangeFeed`.
#
#   tests/run_sanitized.sh asan --ci                # what CI runs (.ci/run): builds only the unit
#                                                   # tests and the fuzz targets, runs the `unit`
#                                                   # and `fuzz` labels (docs/testing.md, "CI")
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
kind=${1:-}
shift || true
ci=0
if [[ ${1:-} == --ci ]]; then
  [[ $kind == asan ]] || { echo "--ci is an asan run" >&2; exit 2; }
  ci=1
  shift
fi
case $kind in
  asan) build=build-asan; flags=(-DLIENTHONG_SANITIZE=address -DLIENTHONG_FUZZ=ON) ;;
  tsan) build=build-tsan; flags=(-DLIENTHONG_SANITIZE=thread) ;;
  *) echo "usage: $0 asan|tsan [ctest arguments]" >&2; exit 2 ;;
esac
# The concurrency tests: store group commit, change feed, sync engine, TLS rotation, shutdown,
# replicas (these need PostgreSQL's server binaries, deploy/install-deps.sh --with-postgres).
TSAN_DEFAULT='StoreContract|GroupCommitter|WalWriteBuffer|WalCheckpointer|SqliteStore|ChangeFeed|SyncEngine|Rotation|Rotating|Shutdown|Replica'

bash deploy/install-deps.sh --with-postgres --with-clang
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLIENTHONG_BUILD_TESTS=ON \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 "${flags[@]}" >/dev/null
if [[ $ci -eq 1 ]]; then
  # The unit tests' folders, the fuzz targets and the load generator's test: not the daemon,
  # the CLI or the integration tests, which the full run builds.
  targets=(tests/fuzz/all bench/loadgen/all)
  for dir in tests/unit/*/; do targets+=("${dir%/}/all"); done
  cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"
else
  cmake --build "$build" -j"$(nproc)"
fi

supp="$root/tests/sanitizers"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$supp/ubsan.supp"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$supp/tsan.supp"
if [[ $kind == tsan ]]; then
  # Debian's Abseil and gRPC are not built with TSan: TSan would see neither absl::Mutex
  # (lienthong's and gRPC's) nor gRPC's hand-offs between its threads. The same versions built
  # with TSan, once, go first on the library path (docs/testing.md, "TSan and gRPC").
  bash tests/sanitizers/build_tsan_abseil.sh "$build/abseil-tsan"
  bash tests/sanitizers/build_tsan_grpc.sh "$build/grpc-tsan"
  tsan_libraries="$root/$build/grpc-tsan/lib:$root/$build/abseil-tsan/lib"
  export LD_LIBRARY_PATH="$tsan_libraries${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  if [[ $# -eq 0 ]]; then
    set -- -R "$TSAN_DEFAULT"
  fi
fi
if [[ $ci -eq 1 ]]; then
  # test_labels lists every test of the tree, and the deploy_* tests check the deploy files
  # against the daemon and CLI binaries: this partial build has built neither (they run in
  # tests/run.sh's full build, and in the full sanitized run).
  set -- -L '^(unit|fuzz)$' -E '^(test_labels|deploy_runtime_packages|deploy_systemd_unit)$' \
    -j2 "$@"
fi
# Sanitized code runs 2 to 15 times slower: a longer per-test limit than tests/run.sh.
ctest --test-dir "$build" --output-on-failure --timeout 1800 "$@"
