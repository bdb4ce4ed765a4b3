#!/usr/bin/env bash
# Configures and builds lienthong into build/ (Release-with-debug-info, Ninja).
# Usage: deploy/build.sh [--no-tests] [extra cmake args]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tests=ON
if [[ "${1:-}" == "--no-tests" ]]; then tests=OFF; shift; fi
cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLIENTHONG_BUILD_TESTS=$tests "$@" >/dev/null
cmake --build "$root/build" -j"$(nproc)"
