# Shared by the bench scripts (sourced, not run): failing with the script's name, durations,
# the port probe, stopping a server, and the development config rewritten for one bench server.
# Set bench_name before sourcing; the scripts run from the repository's root.

# Prints "<bench_name>: <message>" on stderr and exits 2 (the run itself failed).
fail() { echo "$bench_name: $*" >&2; exit 2; }

# Seconds of a duration flag ("20s", "2m", "500ms"), rounded up; 600 when the form is unknown.
seconds_of() {
  case "$1" in
    *ms) echo $(( (${1%ms} + 999) / 1000 )) ;;
    *s) echo "${1%s}" ;;
    *m) echo $(( ${1%m} * 60 )) ;;
    *) echo 600 ;;
  esac
}

# True when something answers on 127.0.0.1:<port>.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# stop_pid <pid>: SIGTERM, up to 30 s for a clean exit, then SIGKILL; returns the exit status.
stop_pid() {
  local pid=$1 rc=0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "$bench_name: server $pid ignored SIGTERM for 30 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || rc=$?
  return "$rc"
}

# write_bench_config <dir> <pki-dir> <port> [<conninfo> <replica-name> [<writer-connections>]]
# Writes <dir>/config/lienthong.yaml and prints its path: config/lienthong.dev.yaml in a folder
# laid out like the repository (config/ beside var/, var/pki a link to <pki-dir>), so its
# relative paths land in <dir>. Only the listener port moves, the admin HTTP endpoint is off, the
# demo adapter is left out (the write path alone is measured; bench/run_sync_bench.sh measures
# adapters), and with a conninfo the store block becomes PostgreSQL's.
write_bench_config() {
  local dir=$1 pki=$2 port=$3 conninfo=${4:-} replica=${5:-} writers=${6:-}
  mkdir -p "$dir/config" "$dir/var/data"
  ln -s "$pki" "$dir/var/pki"
  awk -v port="$port" -v conninfo="$conninfo" -v replica="$replica" -v writers="$writers" '
    /^[^[:space:]#]/ { section = $1 }
    section == "listener:" && /^  address:/ { print "  address: \"127.0.0.1:" port "\""; next }
    section == "adapters:" { next }
    section == "admin_http:" {
      if ($0 ~ /^admin_http:/) { print; print "  disabled: true" }
      else if ($0 !~ /^[[:space:]]/) print
      next
    }
    section == "store:" && conninfo != "" {
      if ($0 ~ /^store:/) {
        print "store:"
        print "  kind: POSTGRES"
        print "  postgres:"
        print "    conninfo: \"" conninfo "\""
        if (writers != "") print "    writer_connections: " writers
        if (replica != "") print "    replica_name: " replica
      } else if ($0 !~ /^[[:space:]]/) print
      next
    }
    { print }' config/lienthong.dev.yaml >"$dir/config/lienthong.yaml"
  grep -q "address: \"127.0.0.1:$port\"" "$dir/config/lienthong.yaml" ||
    fail "config/lienthong.dev.yaml has no listener address line to rewrite"
  if [[ -n "$conninfo" ]]; then
    grep -q "kind: POSTGRES" "$dir/config/lienthong.yaml" ||
      fail "config/lienthong.dev.yaml has no store block to rewrite"
  fi
  echo "$dir/config/lienthong.yaml"
}
