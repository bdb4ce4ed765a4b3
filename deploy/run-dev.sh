#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, makes the development PKI (once),
# starts lienthongd on the embedded SQLite store with config/lienthong.dev.yaml, then runs the
# demo one-stop client against it. The gateway keeps running until Ctrl-C (SIGTERM to stop it
# gracefully). Set LIENTHONG_DEMO=0 to skip the demo, LIENTHONG_EXIT_AFTER_DEMO=1 to stop after it.
# The gateway's log (JSON lines) goes to var/log/lienthongd.log, so that the terminal shows the
# demo's output; lienthongd itself logs to stderr (run by hand, or by systemd into the journal).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash deploy/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLIENTHONG_BUILD_TESTS=OFF >/dev/null
targets=(lienthongd lienthongctl)
grep -q "lienthong_demo" build/build.ninja && targets+=(lienthong_demo)
cmake --build build -j"$(nproc)" --target "${targets[@]}"

if [[ ! -f var/pki/ca.crt ]]; then
  build/services/cli/lienthongctl pki init var/pki
fi
mkdir -p var/data var/log
build/services/cli/lienthongctl config check config/lienthong.dev.yaml

log=var/log/lienthongd.log
echo "lienthongd's log (JSON lines): $log   (tail -f $log)"
build/services/server/lienthongd --config config/lienthong.dev.yaml 2>>"$log" &
gateway=$!
trap 'kill -TERM $gateway 2>/dev/null; wait $gateway' INT TERM

ctl=(build/services/cli/lienthongctl --pki var/pki --target 127.0.0.1:7443)
for _ in $(seq 1 50); do
  if "${ctl[@]}" --member admin health >/dev/null 2>&1; then break; fi
  if ! kill -0 $gateway 2>/dev/null; then
    echo "lienthongd exited; the end of $log:" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  sleep 0.2
done
echo "lienthongd is SERVING on 127.0.0.1:7443 (mutual TLS; dev certificates in var/pki)"
echo "Operator console (bảng điều khiển): http://127.0.0.1:9464/   metrics: http://127.0.0.1:9464/metrics"

if [[ "${LIENTHONG_DEMO:-1}" != "0" && -x build/examples/lienthong_demo ]]; then
  build/examples/lienthong_demo --target 127.0.0.1:7443 --pki var/pki
fi
if [[ "${LIENTHONG_EXIT_AFTER_DEMO:-0}" == "1" ]]; then
  kill -TERM $gateway
  wait $gateway
  exit $?
fi
echo "Gateway running (pid $gateway; log in $log). Console: http://127.0.0.1:9464/  Ctrl-C stops it."
wait $gateway
