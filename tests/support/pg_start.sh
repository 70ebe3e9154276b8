#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Starts a throwaway PostgreSQL 15 cluster for tests and writes its connect string.
#   pg_start.sh STATE_DIR
# STATE_DIR (created if needed) receives: dsn (libpq key=value string), cluster (the temp
# folder holding data/ and server.log), port. pg_stop.sh STATE_DIR stops exactly this cluster.
# Runs initdb/pg_ctl as the `postgres` user when started as root (initdb refuses root).
# Exit status is non-zero, with the server log printed, whenever the server is not usable.
# Every role logs in without a password (trust) except `authd_password_test`, which must
# give its password (scram-sha-256): tests that check password handling create that role.
set -euo pipefail

state_dir=${1:?usage: pg_start.sh STATE_DIR}
pgbin=${AUTHD_PG_BIN:-/usr/lib/postgresql/15/bin}
dbname=authd_test

log() { printf 'pg_start: %s\n' "$*" >&2; }

for tool in initdb pg_ctl pg_isready psql; do
    if [[ ! -x "$pgbin/$tool" ]]; then
        log "missing $pgbin/$tool: install postgresql-15 or set AUTHD_PG_BIN"
        exit 1
    fi
done

mkdir -p "$state_dir"
state_dir=$(cd "$state_dir" && pwd)

# A cluster left by an earlier run that never reached its cleanup step would hold a port
# and a temp folder: stop it first (it is ours: its path is recorded in our state dir).
if [[ -f "$state_dir/cluster" ]]; then
    "$(dirname "$0")/pg_stop.sh" "$state_dir" || true
fi
rm -f "$state_dir/dsn" "$state_dir/cluster" "$state_dir/port"

as_pg=()
if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 ||
        useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
    as_pg=(runuser -u postgres --)
fi

cluster=$(mktemp -d "${TMPDIR:-/tmp}/authd-pg.XXXXXX")
echo "$cluster" >"$state_dir/cluster"
if [[ ${#as_pg[@]} -gt 0 ]]; then
    chown postgres "$cluster"
fi

dump_logs() {
    local files=("$cluster/server.log" "$cluster/pg_ctl.log")
    if [[ ${initdb_failed:-0} -eq 1 ]]; then
        files=("$cluster/initdb.log")
    fi
    for f in "${files[@]}"; do
        if [[ -s "$f" ]]; then
            log "---- $f ----"
            cat "$f" >&2
        fi
    done
}

fail() {
    log "$*"
    dump_logs
    "$(dirname "$0")/pg_stop.sh" "$state_dir" || true
    exit 1
}

if ! "${as_pg[@]}" "$pgbin/initdb" -D "$cluster/data" -U postgres -A trust -E UTF8 \
        --locale=C --no-sync >"$cluster/initdb.log" 2>&1; then
    initdb_failed=1
    fail "initdb failed"
fi

# Prepend: pg_hba.conf is read top-down, first match wins.
hba="$cluster/data/pg_hba.conf"
{ echo "host all authd_password_test 127.0.0.1/32 scram-sha-256"; cat "$hba"; } >"$hba.new"
cat "$hba.new" >"$hba" && rm -f "$hba.new"

# A free loopback port: ask the kernel for one, then retry on the rare collision where
# someone else takes it before the postmaster binds it.
pick_port() {
    /usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

started=0
for attempt in 1 2 3 4 5; do
    port=$(pick_port)
    if "${as_pg[@]}" "$pgbin/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 60 \
            -o "-p $port -k $cluster -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
            start >"$cluster/pg_ctl.log" 2>&1; then
        started=1
        break
    fi
    log "start on port $port failed (attempt $attempt)"
    if ! grep -q -i "address already in use\|could not bind" "$cluster/server.log" 2>/dev/null; then
        break
    fi
done
if [[ $started -ne 1 ]]; then
    fail "the PostgreSQL server did not start"
fi

if ! "$pgbin/pg_isready" -h 127.0.0.1 -p "$port" -t 30 >/dev/null; then
    fail "server started but is not accepting connections on 127.0.0.1:$port"
fi
if ! "$pgbin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
        -c "CREATE DATABASE $dbname" >/dev/null 2>"$cluster/createdb.err"; then
    cat "$cluster/createdb.err" >&2
    fail "could not create database $dbname"
fi

echo "$port" >"$state_dir/port"
# Written last, atomically: tests treat its presence as "the server is up".
echo "host=127.0.0.1 port=$port dbname=$dbname user=postgres connect_timeout=10" >"$state_dir/dsn.tmp"
mv "$state_dir/dsn.tmp" "$state_dir/dsn"
log "PostgreSQL up on 127.0.0.1:$port (cluster $cluster), DSN in $state_dir/dsn"
