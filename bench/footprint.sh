#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# authd's start-up time and idle memory alone, measured as bench/run.sh measures them (same
# config, same bench/startup.py), in about half a minute and with nothing but python3 (PyYAML)
# and the release build: no wrk, node or peers.
#
#   bench/footprint.sh [--runs 5] [--idle 3] [--detail]
#
#   start-up   spawn -> first 200 on the discovery document (ms), median of --runs
#   main CPU   the main thread's CPU time when that answer came (ms, schedstat): the start-up's
#              critical path, much less sensitive to other load than the wall clock
#   idle RSS   VmRSS --idle seconds after that answer (MiB), median of the same runs
#   --detail   one more start, then where the resident pages are (per file, from
#              /proc/PID/smaps: Rss, and the part that is anonymous, i.e. written), the shared
#              objects mapped, and the dynamic loader's own statistics (LD_DEBUG=statistics)
#
# AUTHD_BENCH_BUILD_DIR=<release build dir> uses an existing build; otherwise
# `cmake --preset release` + `cmake --build --preset release` build the four targets needed.
# The machine is shared: look at the load average printed with the figures.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"

RUNS=5 IDLE=3 DETAIL=0
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2;;
    --idle) IDLE="$2"; shift 2;;
    --detail) DETAIL=1; shift;;
    *) sed -n '3,19p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2;;
  esac
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "--runs must be a positive integer" >&2; exit 2; }

if [ -n "${AUTHD_BENCH_BUILD_DIR:-}" ]; then
  BUILD="$AUTHD_BENCH_BUILD_DIR"
else
  (cd "$ROOT" && cmake --preset release >/dev/null &&
    cmake --build --preset release --target authd authd_sqlite authd_password authd_outbox) >&2
  BUILD="$ROOT/build/release"
fi
for f in bin/authd plugins/authd_sqlite.so plugins/authd_password.so plugins/authd_outbox.so; do
  [ -e "$BUILD/$f" ] || { echo "missing $BUILD/$f" >&2; exit 1; }
done

WORK="$(mktemp -d /tmp/authd-footprint.XXXXXX)"
PID=""
cleanup() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
URL="http://127.0.0.1:$PORT/.well-known/openid-configuration"
mkdir -p "$WORK/var"
(umask 077; python3 -c 'import secrets; print(secrets.token_hex(32))' > "$WORK/var/master.key")
T="$(python3 -c 'import sys,yaml; print(yaml.safe_load(open(sys.argv[1]))["password_hashing"]["t_cost"])' "$ROOT/config/authd.dev.yaml")"
M="$(python3 -c 'import sys,yaml; print(yaml.safe_load(open(sys.argv[1]))["password_hashing"]["m_cost_kib"])' "$ROOT/config/authd.dev.yaml")"
python3 "$HERE/authd_config.py" "$ROOT/config/authd.dev.yaml" "$WORK/authd.yaml" "$PORT" "$BUILD/plugins" "$WORK" "$T" "$M"
export AUTHD_ADMIN_TOKEN="$(python3 -c 'import secrets; print(secrets.token_hex(24))')"
CMD=("$BUILD/bin/authd" serve --config "$WORK/authd.yaml")

# The first start creates the database and the signing keys; it is not timed.
python3 "$HERE/startup.py" --url "$URL" --runs 1 --idle 0 --log "$WORK/first.log" -- "${CMD[@]}" > /dev/null

python3 "$HERE/startup.py" --url "$URL" --runs "$RUNS" --idle "$IDLE" --log "$WORK/server.log" \
  -- "${CMD[@]}" > "$WORK/runs.jsonl"
python3 - "$WORK/runs.jsonl" "$IDLE" <<'PY'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
ready = [r["ready_ms"] for r in runs]
rss = [r["idle_rss_kib"] / 1024 for r in runs]
load = open("/proc/loadavg").read().split()[0]
print("authd start-up to the first 200 on discovery: median %.1f ms  (runs: %s)"
      % (statistics.median(ready), ", ".join("%.1f" % x for x in ready)))
print("authd idle RSS %s s after ready:      median %.1f MiB (runs: %s)"
      % (sys.argv[2], statistics.median(rss), ", ".join("%.1f" % x for x in rss)))
cpu = [r["main_cpu_ms"] for r in runs if r.get("main_cpu_ms") is not None]
if cpu:
    print("main thread's CPU time by then:               median %.1f ms  (runs: %s; steadier than"
          " the wall clock on a busy machine)" % (statistics.median(cpu), ", ".join("%.1f" % x for x in cpu)))
print("threads %d; load average %s; %d runs" % (runs[-1]["threads"], load, len(runs)))
PY

[ "$DETAIL" = 1 ] || exit 0

echo
"${CMD[@]}" >> "$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 3000); do curl -sf -o /dev/null "$URL" 2>/dev/null && break; sleep 0.005; done
sleep "$IDLE"
python3 - "$PID" <<'PY'
import collections, re, sys
pid = sys.argv[1]
rss, anon = collections.Counter(), collections.Counter()
name = None
for line in open(f"/proc/{pid}/smaps"):
    if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
        parts = line.split(None, 5)
        name = parts[5].strip() if len(parts) > 5 else "[anonymous]"
    elif line.startswith("Rss:"):
        rss[name] += int(line.split()[1])
    elif line.startswith("Anonymous:"):
        anon[name] += int(line.split()[1])
objects = [n for n in rss if ".so" in n]
total = sum(rss.values())
print(f"resident: {total / 1024:.1f} MiB; shared objects mapped: {len(objects)} "
      f"({sum(rss[n] for n in objects) / 1024:.1f} MiB of them resident)")
print(f"{'KiB':>7} {'written':>7}  mapping")
for n, kib in rss.most_common():
    if kib:
        print(f"{kib:7d} {anon[n]:7d}  {n}")
PY
kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; PID=""
echo
echo "dynamic loader, authd --version (LD_DEBUG=statistics):"
LD_DEBUG=statistics "$BUILD/bin/authd" --version 2>&1 >/dev/null | sed -n 's/^ *[0-9]*: *//p' | grep -E "total startup|relocation|number of" | sort -u
