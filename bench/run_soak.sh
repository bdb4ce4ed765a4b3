#!/usr/bin/env bash
# Soak (issue 14): mixed load against a real lienthongd over mutual TLS on loopback for a given
# time, with the disturbances an operator causes: the gRPC adapter's sink goes down and comes
# back, the gateway's certificate is rotated, the config is reloaded. Reports the gateway's RSS
# and open file descriptors every minute, every failed call by method and code, and whether
# every change reached every subscriber and the adapter's sink. Not a CI test: a command.
#
# Usage: bench/run_soak.sh [duration]        (default 30m; "90s", "10m" ...)
#   env: BUILD_DIR=build  PORT=17643  SINK_PORT=17644  DOSSIER_RATE=20  RECORD_RATE=100
#        SUBSCRIBERS=8  SKIP_BUILD=1 (use the binaries as built)  WARMUP_MINUTES (the first
#        sixth of the run when not given)
# Verdict (exit 0 only if all hold): RSS and descriptors after the warm-up (the first sixth of
# the run, at least one minute) grow by at most 5% to the end; no failed call; every change
# delivered to every subscriber (no gap, up to the newest) and applied by the sink.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bench_name=run_soak
source bench/lib/bench_common.sh

duration=${1:-30m}
seconds=$(seconds_of "$duration")
[[ $seconds -ge 60 ]] || fail "the soak needs at least a minute (got $duration)"
build=$(realpath -m "${BUILD_DIR:-$root/build}")
port=${PORT:-17643}
sink_port=${SINK_PORT:-17644}
ctl="$build/services/cli/lienthongctl"
if [[ -z ${SKIP_BUILD:-} ]]; then
  cmake --build "$build" --target lienthongd lienthongctl lienthong_soak_driver \
    lienthong_reference_sink >/dev/null
fi
for p in "$port" "$sink_port"; do port_in_use "$p" && fail "port $p is in use"; done

tmp=$(mktemp -d /tmp/lienthong-soak.XXXXXX)
gateway="" sink="" driver=""
cleanup() {
  for pid in $driver $sink $gateway; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

"$ctl" pki init "$tmp/pki" >/dev/null
config=$(write_bench_config "$tmp" "$tmp/pki" "$port")
# The adapter under test: the gRPC kind, pushing every change to the reference sink.
cat >>"$config" <<EOF
adapters:
  - name: soak_sink
    start_from_oldest: true
    grpc:
      target: "127.0.0.1:$sink_port"
      key_file: $tmp/pki/members/admin.key
      cert_file: $tmp/pki/members/admin.crt
      ca_file: $tmp/pki/ca.crt
      server_name: localhost
      deadline: 5s
EOF
"$ctl" config check "$config" >/dev/null || fail "the soak config does not check"

start_sink() {
  "$build/adapters/grpc/reference_sink/lienthong_reference_sink" --listen "127.0.0.1:$sink_port" \
    --key "$tmp/pki/gateway.key" --cert "$tmp/pki/gateway.crt" --ca "$tmp/pki/ca.crt" \
    --output "$tmp/sink.jsonl" 2>>"$tmp/sink.log" &
  sink=$!
}
ctl_admin() { "$ctl" --pki "$tmp/pki" --target "127.0.0.1:$port" "$@"; }

# A new gateway key and certificate from the same CA (same names), renamed into place.
rotate_certificate() {
  local d="$tmp/rotate"
  mkdir -p "$d"
  openssl ecparam -name prime256v1 -genkey -noout -out "$d/k.pem" 2>/dev/null
  openssl pkcs8 -topk8 -nocrypt -in "$d/k.pem" -out "$d/gateway.key"
  openssl req -new -key "$d/gateway.key" -subj "/CN=lienthong-gateway" -out "$d/g.csr"
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth,clientAuth\n' \
    >"$d/ext"
  openssl x509 -req -in "$d/g.csr" -CA "$tmp/pki/ca.crt" -CAkey "$tmp/pki/ca.key" \
    -CAcreateserial -days 30 -extfile "$d/ext" -out "$d/gateway.crt" 2>/dev/null
  chmod 600 "$d/gateway.key"
  mv "$d/gateway.key" "$tmp/pki/gateway.key"
  mv "$d/gateway.crt" "$tmp/pki/gateway.crt"
  kill -HUP "$gateway"  # checked at once rather than at the next watch
}

sample() {  # minute, RSS KiB, open descriptors, threads
  local rss fds threads
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$gateway/status")
  threads=$(awk '/^Threads/ {print $2}' "/proc/$gateway/status")
  fds=$(find "/proc/$gateway/fd" -mindepth 1 -maxdepth 1 | wc -l)
  echo "$1 $rss $fds $threads"
}

start_sink
(cd "$tmp" && exec "$build/services/server/lienthongd" --config "$config") 2>"$tmp/gateway.log" &
gateway=$!
for _ in $(seq 1 100); do
  ctl_admin health >/dev/null 2>&1 && break
  sleep 0.2
done
ctl_admin health >/dev/null 2>&1 || { cat "$tmp/gateway.log" >&2; fail "the gateway did not start"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%FT%TZ)"
echo "soak for $duration: dossiers ${DOSSIER_RATE:-20}/s (+ a status move each), records" \
     "${RECORD_RATE:-100}/s, ${SUBSCRIBERS:-8} subscribers connecting and dropping"
"$build/bench/soak/lienthong_soak_driver" --target "127.0.0.1:$port" --pki "$tmp/pki" \
  --duration "${seconds}s" --dossier_rate "${DOSSIER_RATE:-20}" \
  --record_rate "${RECORD_RATE:-100}" --subscribers "${SUBSCRIBERS:-8}" >"$tmp/driver.out" 2>&1 &
driver=$!

# Disturbances at fixed shares of the run: sink down at 30%, up at 40%; certificate rotation
# at 50%; config reload (progress interval 5s -> 4s) at 60%.
events=("$((seconds * 3 / 10)) sink_down" "$((seconds * 4 / 10)) sink_up"
        "$((seconds / 2)) rotate" "$((seconds * 6 / 10)) reload")
echo "minute rss_kib fds threads"
samples=("$(sample 0)")
echo "${samples[0]}"
start=$SECONDS
next_minute=1
while kill -0 "$driver" 2>/dev/null; do
  sleep 1
  elapsed=$((SECONDS - start))
  for i in "${!events[@]}"; do
    read -r at what <<<"${events[$i]}"
    [[ $elapsed -ge $at ]] || continue
    unset 'events[i]'
    case $what in
      sink_down) kill -TERM "$sink"; wait "$sink" 2>/dev/null || true; echo "# ${elapsed}s: sink stopped" ;;
      sink_up) start_sink; echo "# ${elapsed}s: sink started" ;;
      rotate) rotate_certificate; echo "# ${elapsed}s: gateway certificate rotated" ;;
      reload)
        sed -i 's/progress_interval: 5s/progress_interval: 4s/' "$config"
        kill -HUP "$gateway"; echo "# ${elapsed}s: config reload (SIGHUP)" ;;
    esac
  done
  if [[ $elapsed -ge $((next_minute * 60)) ]]; then
    samples+=("$(sample "$next_minute")")
    echo "${samples[-1]}"
    next_minute=$((next_minute + 1))
  fi
done
driver_rc=0
wait "$driver" || driver_rc=$?
driver=""
samples+=("$(sample end)")
echo "${samples[-1]}"
cat "$tmp/driver.out"

# The sink: every change applied once the adapter caught up after the outage (lag 0, no dead
# letter).
newest=$(sed -n 's/.*commit order [0-9]*\.\.\([0-9]*\):.*/\1/p' "$tmp/driver.out")
lag_ok=0
for _ in $(seq 1 60); do
  status=$(ctl_admin adapters status 2>&1 || true)
  # NAME KIND STATE CHECKPOINT LAG DEAD LAST-ERROR: the sink's row, lag 0 and no dead letter.
  if [[ -n "$newest" ]] &&
     awk '$1 == "soak_sink" && $5 == "0" && $6 == "0" { found = 1 } END { exit !found }' <<<"$status"; then
    lag_ok=1
    break
  fi
  sleep 1
done
echo "adapter status at the end:"; echo "$status" | sed 's/^/  /'
echo "sink: $(wc -l <"$tmp/sink.jsonl" 2>/dev/null || echo 0) events received (retries may repeat some)"

rotations=$(grep -c '"TLS material rotated"' "$tmp/gateway.log" || true)
reloads=$(grep -c '"config reloaded"' "$tmp/gateway.log" || true)
echo "gateway log: $rotations TLS rotation(s), $reloads config reload(s)," \
     "$(grep -c '"level":"ERROR"' "$tmp/gateway.log" || true) error line(s)"

# Flat after the warm-up: the first sixth of the run, at least a minute, unless WARMUP_MINUTES
# says otherwise (the store's page caches fill for the first minutes: docs/benchmarks.md, soak).
warm=${WARMUP_MINUTES:-$(( seconds / 360 > 1 ? seconds / 360 : 1 ))}
read -r _ rss_warm fds_warm _ <<<"${samples[$warm]:-${samples[-1]}}"
read -r _ rss_end fds_end _ <<<"${samples[-1]}"
growth() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) * 100 / a }'; }
rss_growth=$(growth "$rss_warm" "$rss_end")
fds_growth=$(growth "$fds_warm" "$fds_end")
echo "after warm-up (minute $warm): RSS $rss_warm -> $rss_end KiB ($rss_growth%)," \
     "fds $fds_warm -> $fds_end ($fds_growth%)"
verdict=0
awk -v g="$rss_growth" 'BEGIN { exit !(g <= 5) }' || { echo "FAIL: RSS grew more than 5%"; verdict=1; }
awk -v g="$fds_growth" 'BEGIN { exit !(g <= 5) }' || { echo "FAIL: fds grew more than 5%"; verdict=1; }
[[ $driver_rc -eq 0 ]] || { echo "FAIL: failed calls or changes not delivered (driver)"; verdict=1; }
[[ $lag_ok -eq 1 ]] || { echo "FAIL: the sink's adapter did not reach the newest change"; verdict=1; }
[[ $rotations -ge 1 ]] || { echo "FAIL: the certificate rotation was not taken"; verdict=1; }
[[ $reloads -ge 1 ]] || { echo "FAIL: the config reload was not taken"; verdict=1; }
[[ $verdict -eq 0 ]] && echo "soak: PASS" || echo "soak: FAIL"
exit $verdict
