# A throwaway PostgreSQL 15 for trying lienthong out and for benchmarks: initdb into a new
# temporary folder, listen on 127.0.0.1 on the first free port from $1, stop and remove on
# throwaway_pg_stop. Sourced by deploy/run-cluster.sh and bench/run_*_bench.sh.
#
# PostgreSQL refuses to run as root: as root, the folder is handed to the postgres user of the
# postgresql-15 package and its commands run as that user. Binaries: $LIENTHONG_PG_BIN or
# /usr/lib/postgresql/15/bin. Sets PG_DIR, PG_PORT and PG_CONNINFO (superuser "postgres",
# database "postgres"). Extra server settings: "-c name=value" words in $PG_SETTINGS.

throwaway_pg_start() {  # first-port
  local bin=${LIENTHONG_PG_BIN:-/usr/lib/postgresql/15/bin}
  _pg_bin=$bin
  [[ -x "$bin/initdb" ]] || {
    echo "no PostgreSQL 15 in $bin: bash deploy/install-deps.sh --with-postgres" >&2
    return 1
  }
  PG_DIR=$(mktemp -d /tmp/lienthong-pg.XXXXXX)
  _pg_as=()
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres:postgres "$PG_DIR"
    _pg_as=(runuser -u postgres --)
  fi
  "${_pg_as[@]}" "$bin/initdb" -D "$PG_DIR/data" -A trust -U postgres -E UTF8 --locale=C \
    >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; return 1; }
  # The first port nothing listens on; another server may still take it before ours binds, so
  # a failed start is tried again on the next ports.
  PG_PORT=${1:-55432}
  local tries
  for tries in 1 2 3 4 5; do
    while (exec 3<>"/dev/tcp/127.0.0.1/$PG_PORT") 2>/dev/null; do PG_PORT=$((PG_PORT + 1)); done
    if _throwaway_pg_try_start; then break; fi
    [[ $tries -lt 5 ]] || { cat "$PG_DIR/server.log" >&2; return 1; }
    PG_PORT=$((PG_PORT + 1))
  done
  PG_CONNINFO="host=127.0.0.1 port=$PG_PORT user=postgres dbname=postgres"
}

_throwaway_pg_try_start() {
  "${_pg_as[@]}" "$_pg_bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w start \
    -o "-c port=$PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PG_DIR ${PG_SETTINGS:-}" \
    >/dev/null 2>&1
}

# Runs SQL as the superuser (psql, quiet, stops at the first error).
throwaway_pg_sql() {
  PGOPTIONS="-c client_min_messages=warning" "$_pg_bin/psql" -X -q -v ON_ERROR_STOP=1 \
    "$PG_CONNINFO" -c "$1"
}

throwaway_pg_stop() {
  [[ -n "${PG_DIR:-}" ]] || return 0
  "${_pg_as[@]}" "$_pg_bin/pg_ctl" -D "$PG_DIR/data" stop -m fast -w >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  PG_DIR=""
}
