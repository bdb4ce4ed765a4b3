#!/usr/bin/env bash
# The README's test command: installs what is missing (PostgreSQL, for the tests that start their
# own server, and Chromium, for the console's browser tests), builds everything with tests, and
# runs the whole suite with CTest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash deploy/install-deps.sh --with-postgres --with-browser
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLIENTHONG_BUILD_TESTS=ON >/dev/null
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure -j2 --timeout 900 "$@"
