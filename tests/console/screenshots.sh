#!/usr/bin/env bash
# Writes docs/console/*.png anew: the console's browser test against its known data set, with
# its screenshots kept in docs/console/ (docs/console.md). Run after tests/run.sh built the tree.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
bash deploy/install-deps.sh --with-browser
cmake --build build -j"$(nproc)" --target console_browser_test
mkdir -p docs/console
LIENTHONG_CONSOLE_SCREENSHOTS="$root/docs/console" build/tests/integration/console/console_browser_test
ls -l docs/console/*.png
