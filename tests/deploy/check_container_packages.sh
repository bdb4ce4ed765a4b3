#!/usr/bin/env bash
# The container recipe has no package list of its own to fall behind:
#   - its build stage runs deploy/install-deps.sh (the list the README's commands use);
#   - its runtime stage installs what deploy/runtime-packages.sh derives from the binaries, and
#     that derivation works on the binaries just built (every library they load is found and
#     belongs to a Debian package).
# Usage: check_container_packages.sh <repository root> <lienthongd> <lienthongctl>
set -uo pipefail
root=$1; shift
dockerfile=$root/deploy/container/Dockerfile
failed=0
fail() { echo "FAIL: $*"; failed=1; }

grep -q 'install-deps\.sh' "$dockerfile" || fail "$dockerfile does not run deploy/install-deps.sh"
grep -q 'runtime-packages\.sh' "$dockerfile" ||
  fail "$dockerfile does not derive its runtime packages with deploy/runtime-packages.sh"
# The one apt-get install allowed is the runtime stage's, fed by the derived list.
while IFS= read -r line; do
  [[ "$line" == *runtime-packages.txt* ]] || fail "$dockerfile installs packages by name: $line"
done < <(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$dockerfile" | grep -E 'apt-get( -[a-z]+)* install')

if packages=$(bash "$root/deploy/runtime-packages.sh" "$@"); then
  count=$(grep -c . <<<"$packages")
  echo "runtime packages of $*: $count"
  echo "$packages" | sed 's/^/  /'
  for must in libgrpc++1.51 libprotobuf32 libssl3 libsqlite3-0 libpq5 libicu72; do
    grep -qx "$must" <<<"$packages" || fail "expected $must among the runtime packages"
  done
else
  fail "deploy/runtime-packages.sh could not derive the runtime packages"
fi
exit $failed
