#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Host benchmark: start-up time to the first answered /healthz, idle RSS, and /healthz
# throughput and latency under wrk, with a release build of authd on SQLite.
#   bench/host.sh [--runs N] [--duration 10s] [--connections 32] [--threads 2] [--server-threads 16]
# Builds with `cmake --preset release && cmake --build --preset release --target authd
# authd_sqlite`; set AUTHD_BENCH_BUILD_DIR to use an existing release build directory instead.
# Loopback only; everything it starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

runs=5 duration=10s connections=32 threads=2 server_threads=16
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2;; --duration) duration=$2;; --connections) connections=$2;;
    --threads) threads=$2;;
    --server-threads) server_threads=$2;;
    *) echo "usage: bench/host.sh [--runs N] [--duration 10s] [--connections N] [--threads N] [--server-threads N]" >&2; exit 2;;
  esac
  shift 2
done

for tool in wrk curl; do
  command -v "$tool" >/dev/null || { echo "bench/host.sh needs $tool (apt-get install $tool)" >&2; exit 1; }
done
py=/usr/bin/python3
[ -x "$py" ] || py=python3

if [ -n "${AUTHD_BENCH_BUILD_DIR:-}" ]; then
  build=$AUTHD_BENCH_BUILD_DIR
else
  cmake --preset release >/dev/null
  cmake --build --preset release --target authd authd_sqlite
  build=$root/build/release
fi
bin=$build/bin/authd
plugins=$build/plugins
[ -x "$bin" ] || { echo "no authd binary at $bin" >&2; exit 1; }
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt" 2>/dev/null || true)

work=$(mktemp -d /tmp/authd-bench.XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/authd.yaml" <<YAML
server:
  listen: "127.0.0.1:$port"
  issuer: "http://127.0.0.1:$port"
  threads: $server_threads
plugins:
  paths: [ "$plugins" ]
data_dir: "$work/var"
storage:
  plugin: sqlite
  config:
    path: "$work/var/authd.db"
secrets:
  master_key_env: ""
  master_key_file: "$work/var/master.key"
  dev_master_key: true
YAML
url="http://127.0.0.1:$port/healthz"

# Spawns authd and times spawn -> first 200 from /healthz with a 1 ms socket poll (no process
# start per attempt, unlike curl). Prints "<pid> <ms>"; authd keeps running.
spawn_and_time() {
  "$py" - "$bin" "$work/authd.yaml" "$port" "$work/authd.log" <<'PY'
import os, socket, subprocess, sys, time
binary, config, port, log = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
out = open(log, "ab")
t0 = time.perf_counter()
proc = subprocess.Popen([binary, "serve", "--config", config], stdout=out, stderr=out,
                        start_new_session=True)
request = b"GET /healthz HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n"
deadline = t0 + 30
while True:
    if proc.poll() is not None:
        sys.exit("authd exited with %d; see %s" % (proc.returncode, log))
    if time.perf_counter() > deadline:
        proc.kill(); sys.exit("authd did not answer within 30 s")
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(request)
            if s.recv(64).startswith(b"HTTP/1.1 200"):
                break
    except OSError:
        pass
    time.sleep(0.001)
print(proc.pid, round((time.perf_counter() - t0) * 1000, 1))
PY
}

rss_kib() { awk '/^VmRSS:/{print $2}' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM:/{print $2}' "/proc/$1/status"; }

stop_authd() {
  kill -TERM "$pid"
  for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  if kill -0 "$pid" 2>/dev/null; then echo "authd did not stop on SIGTERM" >&2; kill -KILL "$pid"; fi
  pid=""
}

# 1. Start-up: the first run also creates the database and the dev key; all runs are kept.
startups=()
idle_rss=()
for i in $(seq 1 "$runs"); do
  read -r pid ms < <(spawn_and_time)
  startups+=("$ms")
  sleep 1
  idle_rss+=("$(rss_kib "$pid")")
  stop_authd
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
startup_median=$(median "${startups[@]}")
idle_median=$(median "${idle_rss[@]}")

# 2. Load: wrk on /healthz, sampling RSS while it runs.
read -r pid _ < <(spawn_and_time)
sleep 1
peak=0
( while kill -0 "$pid" 2>/dev/null; do r=$(rss_kib "$pid" 2>/dev/null || echo 0); echo "$r"; sleep 0.5; done ) > "$work/rss.samples" &
sampler=$!
wrk -t"$threads" -c"$connections" -d"$duration" --latency "$url" > "$work/wrk.txt" 2>&1
load_rss=$(rss_kib "$pid")
kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
peak=$(sort -n "$work/rss.samples" | tail -1)
hwm=$(hwm_kib "$pid")
requests_total=$(curl -s "http://127.0.0.1:$port/metrics" |
  awk -F' ' '/^authd_http_requests_total\{route="\/healthz",method="GET",code="200"\}/{print $2}')
stop_authd

rps=$(awk '/^Requests\/sec:/{print $2}' "$work/wrk.txt")
p50=$(awk '$1=="50%"{print $2}' "$work/wrk.txt")
p99=$(awk '$1=="99%"{print $2}' "$work/wrk.txt")
errors=$(awk '/Non-2xx|Socket errors/{print}' "$work/wrk.txt" | tr '\n' ' ')

printf '\nauthd host benchmark (%s build, %s, %s cores)\n' "${build_type:-unknown}" "$(uname -m)" "$(nproc)"
printf '%-44s %s\n' "metric" "value"
printf '%-44s %s\n' "--------------------------------------------" "----------------"
printf '%-44s %s ms (runs: %s)\n' "start-up to first /healthz 200 (median)" "$startup_median" "${startups[*]}"
printf '%-44s %s KiB\n' "idle RSS after 1 s (median)" "$idle_median"
printf '%-44s %s req/s\n' "/healthz throughput (wrk -t$threads -c$connections -d$duration)" "$rps"
printf '%-44s %s / %s\n' "/healthz latency p50 / p99" "$p50" "$p99"
printf '%-44s %s KiB (peak sampled %s KiB, VmHWM %s KiB)\n' "RSS under load" "$load_rss" "$peak" "$hwm"
printf '%-44s %s\n' "server-side count of /healthz 200s" "${requests_total:-?}"
[ -n "$errors" ] && printf '%-44s %s\n' "wrk errors" "$errors"
printf '\n'
