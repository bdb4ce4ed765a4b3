#!/usr/bin/env bash
# `systemd-analyze verify` on the unit, with its /usr/local/bin paths pointed at the binaries
# just built (verify checks that they exist). Any message (an unknown key, a bad value) fails.
# Exits 77 (CTest: skipped) where systemd-analyze is not installed.
# Usage: check_systemd_unit.sh <unit file> <lienthongd> <lienthongctl>
set -uo pipefail
unit=$1 lienthongd=$2 lienthongctl=$3
if ! command -v systemd-analyze >/dev/null; then
  echo "SKIPPED: systemd-analyze is not installed (Debian package systemd); unit not verified"
  exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed -e "s#/usr/local/bin/lienthongd#$lienthongd#g" \
    -e "s#/usr/local/bin/lienthongctl#$lienthongctl#g" "$unit" > "$dir/$(basename "$unit")"
output=$(cd "$dir" && systemd-analyze verify "./$(basename "$unit")" 2>&1)
rc=$?
if [[ $rc -ne 0 || -n "$output" ]]; then
  echo "FAIL: systemd-analyze verify $unit (exit $rc):"
  echo "$output"
  exit 1
fi
echo "systemd-analyze verify: $unit is clean"
