#!/usr/bin/env bash
# Tries lienthong as a cluster in one command: a throwaway PostgreSQL 15 and N lienthongd
# replicas on it (default 3), all on loopback, with the dev config's policy, calendar and
# procedures. It prints every port, runs the demo one-stop client against the first replica,
# shows from the last replica that it sees the same data (status: replicas, leases, adapter
# holder), and keeps running until Ctrl-C, then stops everything and removes the database.
#
#   bash deploy/run-cluster.sh            # 3 replicas
#   REPLICAS=2 bash deploy/run-cluster.sh
#
# Environment: REPLICAS (3), FIRST_PORT (7451: replica i listens on FIRST_PORT+i-1, its metrics
# on 9471+i-1), PG_PORT (first free from 55432), LIENTHONG_DEMO=0 (skip the demo),
# LIENTHONG_EXIT_AFTER_DEMO=1 (stop after the demo: a smoke test), CLUSTER_DIR (var/cluster).
# This is for trying things out: production runs PostgreSQL with streaming replication and a
# load balancer in front of the replicas (docs/operations.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

replicas=${REPLICAS:-3}
first_port=${FIRST_PORT:-7451}
cluster_dir=${CLUSTER_DIR:-$root/var/cluster}
[[ "$replicas" =~ ^[1-9][0-9]?$ ]] || { echo "REPLICAS must be 1..99" >&2; exit 2; }

bash deploy/install-deps.sh --with-postgres
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=(lienthongd lienthongctl)
grep -q "lienthong_demo" build/build.ninja && targets+=(lienthong_demo)
cmake --build build -j"$(nproc)" --target "${targets[@]}"
ctl=build/services/cli/lienthongctl

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

mkdir -p "$cluster_dir"
[[ -f "$cluster_dir/pki/ca.crt" ]] || "$ctl" pki init "$cluster_dir/pki" >/dev/null

source deploy/lib/throwaway-postgres.sh
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  throwaway_pg_stop
}
trap cleanup EXIT
trap 'exit 130' INT TERM
throwaway_pg_start "${PG_PORT:-55432}"
conninfo=$PG_CONNINFO
echo "PostgreSQL 15 on 127.0.0.1:$PG_PORT (throwaway, in $PG_DIR)"

# One config per replica, from the dev config: its own listener and metrics ports, the shared
# PostgreSQL store, and the demo adapter's file shared (only the replica holding the adapter
# writes it).
write_config() {  # index -> path
  local i=$1 dir="$cluster_dir/r$1"
  mkdir -p "$dir/config" "$dir/var/data"
  ln -sfn "$cluster_dir/pki" "$dir/var/pki"
  awk -v listen="127.0.0.1:$((first_port + i - 1))" -v metrics="127.0.0.1:$((9471 + i - 1))" \
      -v conninfo="$conninfo" -v replica="r$i" -v changes="$cluster_dir/changes.jsonl" '
    /^[^[:space:]#]/ { section = $1 }
    section == "listener:" && /^  address:/ { print "  address: \"" listen "\""; next }
    section == "admin_http:" && /^  address:/ { print "  address: \"" metrics "\""; next }
    section == "store:" {
      if ($0 ~ /^store:/) {
        print "store:"
        print "  kind: POSTGRES"
        print "  postgres:"
        print "    conninfo: \"" conninfo "\""
        print "    replica_name: \"" replica "\""
      }
      next
    }
    /output_file:/ { sub(/output_file:.*/, "output_file: " changes) }
    { print }' config/lienthong.dev.yaml >"$dir/config/lienthong.yaml"
  "$ctl" config check "$dir/config/lienthong.yaml" >/dev/null
  echo "$dir/config/lienthong.yaml"
}

for i in $(seq 1 "$replicas"); do
  port=$((first_port + i - 1))
  port_free "$port" || { echo "127.0.0.1:$port is in use (set FIRST_PORT)" >&2; exit 1; }
  config=$(write_config "$i")
  build/services/server/lienthongd --config "$config" >"$cluster_dir/r$i.log" 2>&1 &
  pids+=($!)
done
for i in $(seq 1 "$replicas"); do
  port=$((first_port + i - 1))
  for attempt in $(seq 1 100); do
    if "$ctl" --pki "$cluster_dir/pki" --target "127.0.0.1:$port" --member admin --timeout_s 2 \
        health >/dev/null 2>&1; then
      break
    fi
    kill -0 "${pids[$((i - 1))]}" 2>/dev/null || {
      tail -20 "$cluster_dir/r$i.log" >&2
      echo "replica r$i exited at start" >&2
      exit 1
    }
    [[ $attempt -lt 100 ]] || { echo "replica r$i did not become healthy" >&2; exit 1; }
    sleep 0.2
  done
  echo "replica r$i SERVING on 127.0.0.1:$port (metrics 127.0.0.1:$((9471 + i - 1)), log $cluster_dir/r$i.log)"
done

first="127.0.0.1:$first_port"
last="127.0.0.1:$((first_port + replicas - 1))"
if [[ "${LIENTHONG_DEMO:-1}" != "0" && -x build/examples/lienthong_demo ]]; then
  echo
  echo "== the demo one-stop client against r1 ($first)"
  build/examples/lienthong_demo --target "$first" --pki "$cluster_dir/pki"
fi
echo
echo "== status as r$replicas ($last) sees it: the same store, who runs what"
"$ctl" --pki "$cluster_dir/pki" --target "$last" --member admin status
echo
echo "Try: $ctl --pki $cluster_dir/pki --target $last --member giaoduc watch --types dossier"
echo "     kill -9 one replica's pid (${pids[*]}) and watch its adapter move: ... status"
if [[ "${LIENTHONG_EXIT_AFTER_DEMO:-0}" == "1" ]]; then exit 0; fi
echo "Cluster running. Ctrl-C stops the replicas and removes the database."
wait "${pids[@]}"
