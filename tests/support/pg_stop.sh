#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Stops the cluster that pg_start.sh STATE_DIR started, and removes its temp folder.
#   pg_stop.sh STATE_DIR
# Touches nothing but the cluster recorded in STATE_DIR/cluster: it never stops a server by
# name or port. Safe to run when nothing was started.
set -uo pipefail

state_dir=${1:?usage: pg_stop.sh STATE_DIR}
pgbin=${AUTHD_PG_BIN:-/usr/lib/postgresql/15/bin}

log() { printf 'pg_stop: %s\n' "$*" >&2; }

if [[ ! -f "$state_dir/cluster" ]]; then
    log "no cluster recorded in $state_dir: nothing to stop"
    rm -f "$state_dir/dsn" "$state_dir/port"
    exit 0
fi
cluster=$(cat "$state_dir/cluster")
# Only ever act on a folder pg_start.sh made.
case "$cluster" in
    */authd-pg.*) ;;
    *) log "refusing to touch unexpected cluster path '$cluster'"; exit 1 ;;
esac

as_pg=()
if [[ $(id -u) -eq 0 ]]; then
    as_pg=(runuser -u postgres --)
fi

status=0
if [[ -f "$cluster/data/postmaster.pid" ]]; then
    pid=$(head -1 "$cluster/data/postmaster.pid")
    if ! "${as_pg[@]}" "$pgbin/pg_ctl" -D "$cluster/data" -m fast -w -t 30 stop >/dev/null 2>&1; then
        log "fast stop failed; trying immediate"
        "${as_pg[@]}" "$pgbin/pg_ctl" -D "$cluster/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    fi
    # Last resort, by the exact pid recorded in this cluster's postmaster.pid.
    if [[ -n "${pid:-}" ]] && kill -0 "$pid" 2>/dev/null &&
        grep -q "$cluster/data" "/proc/$pid/cmdline" 2>/dev/null; then
        log "postmaster $pid still running; killing it"
        kill -KILL "$pid" 2>/dev/null || true
        status=1
    fi
fi

rm -rf "$cluster"
rm -f "$state_dir/cluster" "$state_dir/dsn" "$state_dir/port"
log "stopped cluster $cluster"
exit $status
