#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Rewrites cmake/startup.order: the functions of authd and of the in-tree plugins that a start
# runs, up to the first answer on the discovery document and two seconds of idling after it,
# measured with callgrind (which records every function executed, not a sample). The build
# places them first (cmake/AuthdStartupLayout.cmake, docs/decisions/0012-startup-code-layout.md).
#
#   tools/update-startup-order.sh [BUILD_DIR]     (default build/release; needs valgrind)
#
# Two starts are measured and their functions merged: the benchmarks' configuration
# (bench/authd_config.py: SQLite, password only) and config/authd.dev.yaml with all of its
# authenticators. Run it after changing what the start-up path calls, then rebuild.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$(cd "${1:-$ROOT/build/release}" && pwd)"
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
[ -x "$BUILD/bin/authd" ] || { echo "no $BUILD/bin/authd; build first" >&2; exit 1; }

WORK="$(mktemp -d /tmp/authd-order.XXXXXX)"
PID=""
cleanup() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
export AUTHD_ADMIN_TOKEN="$(python3 -c 'import secrets; print(secrets.token_hex(24))')"

measure() {  # measure NAME CONFIG_WRITER...: one start under callgrind into $WORK/NAME.out
  local name="$1"; shift
  local port dir
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  dir="$WORK/$name"
  mkdir -p "$dir/var"
  (umask 077; python3 -c 'import secrets; print(secrets.token_hex(32))' > "$dir/var/master.key")
  "$@" "$dir" "$port"
  # The first start creates the database and keys; the measured one finds them, as a restart does.
  "$BUILD/bin/authd" serve --config "$dir/authd.yaml" > "$dir/first.log" 2>&1 &
  PID=$!
  wait_ready "$port"
  kill -TERM "$PID"; wait "$PID" 2>/dev/null || true
  valgrind --tool=callgrind --demangle=no --compress-strings=no --compress-pos=no \
    --callgrind-out-file="$WORK/$name.out" \
    "$BUILD/bin/authd" serve --config "$dir/authd.yaml" > "$dir/server.log" 2>&1 &
  PID=$!
  wait_ready "$port"
  sleep 2
  kill -TERM "$PID"; wait "$PID" 2>/dev/null || true
  PID=""
}

wait_ready() {
  for _ in $(seq 1 600); do
    curl -sf -o /dev/null "http://127.0.0.1:$1/.well-known/openid-configuration" && return 0
    sleep 0.1
  done
  echo "authd did not answer on port $1" >&2
  exit 1
}

bench_config() {
  python3 "$ROOT/bench/authd_config.py" "$ROOT/config/authd.dev.yaml" "$1/authd.yaml" "$2" \
    "$BUILD/plugins" "$1" 3 65536
}

dev_config() {
  python3 "$ROOT/bench/authd_config.py" --keep-authenticators "$ROOT/config/authd.dev.yaml" \
    "$1/authd.yaml" "$2" "$BUILD/plugins" "$1" - -
}

measure bench bench_config
measure dev dev_config

python3 - "$BUILD" "$ROOT/cmake/startup.order" "$WORK/bench.out" "$WORK/dev.out" <<'PY'
import os, sys
build, order_file, outputs = sys.argv[1], sys.argv[2], sys.argv[3:]
build = os.path.realpath(build)
names, seen = [], set()
for path in outputs:
    obj = None
    for line in open(path, errors="replace"):
        if line.startswith("ob="):
            obj = os.path.realpath(line[3:].strip())
        elif line.startswith("fn=") and obj and obj.startswith(build + "/"):
            name = line[3:].strip()
            # Unnamed code (no symbol) cannot be ordered by name.
            if name not in seen and not name.startswith("0x"):
                seen.add(name)
                names.append(name)
# Sorted, so that a new measurement changes only the lines of functions that came or went
# (the order inside the group hardly matters: it is resident as a whole).
with open(order_file, "w") as f:
    f.write("\n".join(sorted(names)) + "\n")
print(f"{order_file}: {len(names)} functions")
PY
